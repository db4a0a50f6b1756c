"""Keeps notebooks trusted across saves in the Jupyter server that `npm run lab` starts (lib/src/cli/lab.ts).

Why a saved notebook could come back "not trusted": the classic Notebook (Debian's 6.4.12) inserts new cells
without an `id`. On save the server signs the notebook as the browser sent it (`check_and_sign`), then nbformat's
validation, while writing the file, adds the missing ids (logging `MissingIDFieldWarning: Code cell is missing an
id field`). The file on disk is no longer what was signed, so on reopen its signature does not match: figures fall
back to their static images and tables lose their styling.

The fix, installed by the server config that `npm run lab` writes (`configure_trust(c)`):
  - `pre_save_hook`: before the server signs, normalise the notebook it was sent: nbformat 4.5, every cell a unique
    valid id. The server then signs exactly what it writes.
  - `post_save_hook`: if the server trusted the notebook when it saved it (the test `check_and_sign` makes:
    `notary.check_cells`) but the file as the server reads it back on reopen does not carry a valid signature
    (some other normalisation changed it), sign the file as read back. A notebook the server did not trust is
    never signed here.
  - `trust_notebooks(paths)`: what `jupyter trust` does, for the project's own notebooks at start.

Command line: `python3 scripts/skiplab_jupyter.py trust NOTEBOOK...` signs the notebooks (in the trust database of
the Jupyter data directory, $JUPYTER_DATA_DIR) and prints one line per notebook.
"""

import copy
import re
import sys
import uuid

import nbformat
from nbformat.sign import NotebookNotary

# nbformat 4.5's cell id: 1-64 letters, digits, '-' or '_'
_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

# API path -> whether the server trusted the notebook when it was last saved (set by the pre-save hook)
_trusted_at_save = {}


def normalize(nb):
    """Gives a version-4 notebook (a dict or a NotebookNode, changed in place) minor version 5 and a unique valid id
    on every cell, keeping the ids it has. Returns True when it changed something."""
    if not isinstance(nb, dict) or nb.get("nbformat") != 4:
        return False
    changed = False
    if not isinstance(nb.get("nbformat_minor"), int) or nb["nbformat_minor"] < 5:
        nb["nbformat_minor"] = 5
        changed = True
    seen = set()
    for cell in nb.get("cells") or []:
        cid = cell.get("id")
        if not isinstance(cid, str) or not _ID.match(cid) or cid in seen:
            cid = uuid.uuid4().hex[:8]
            while cid in seen:
                cid = uuid.uuid4().hex[:8]
            cell["id"] = cid
            changed = True
        seen.add(cid)
    return changed


def _notary(contents_manager):
    notary = getattr(contents_manager, "notary", None)
    return notary if notary is not None else NotebookNotary()


def pre_save_hook(model=None, path="", contents_manager=None, **kwargs):
    """ContentsManager.pre_save_hook: normalise the notebook before the server signs and writes it."""
    if not model or model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    normalize(nb)
    try:
        # what check_and_sign will decide (check_cells pops each cell's "trusted" flag: work on a copy)
        trusted = bool(_notary(contents_manager).check_cells(nbformat.from_dict(copy.deepcopy(nb))))
    except Exception:
        trusted = False
    _trusted_at_save[(path or "").strip("/")] = trusted


def post_save_hook(model=None, os_path=None, contents_manager=None, **kwargs):
    """FileContentsManager.post_save_hook: keep a notebook the server trusted on save signed as it reads it back."""
    if not model or model.get("type") != "notebook" or not os_path:
        return
    if not _trusted_at_save.pop((model.get("path") or "").strip("/"), False):
        return
    notary = _notary(contents_manager)
    nb = nbformat.read(os_path, as_version=4)
    if normalize(nb):
        nbformat.write(nb, os_path)
        nb = nbformat.read(os_path, as_version=4)
    if not notary.check_signature(nb):
        notary.sign(nb)


def configure_trust(c):
    """Installs the hooks in a Jupyter server config (`c = get_config()`): Notebook 6 and jupyter_server apps."""
    for cls in ("ContentsManager", "FileContentsManager"):
        c[cls].pre_save_hook = pre_save_hook
        c[cls].post_save_hook = post_save_hook


def trust_notebooks(paths, notary=None):
    """Signs each notebook as the server will read it (`jupyter trust`); first adds cell ids a notebook lacks (and
    writes it), since a notebook without ids is given fresh random ones at every read and could never match."""
    notary = notary or NotebookNotary()
    out = []
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        fixed = normalize(nb)
        if fixed:
            nbformat.write(nb, p)
            nb = nbformat.read(p, as_version=4)
        if notary.check_signature(nb):
            out.append((p, "already trusted" + (" (cell ids added)" if fixed else "")))
        else:
            notary.sign(nb)
            out.append((p, "signed" + (" (cell ids added)" if fixed else "")))
    return out


def main(argv):
    if len(argv) < 1 or argv[0] != "trust":
        print("usage: skiplab_jupyter.py trust NOTEBOOK...", file=sys.stderr)
        return 2
    for p, what in trust_notebooks(argv[1:]):
        print(f"{p}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
