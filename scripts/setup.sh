#!/usr/bin/env bash
# One-time setup on a fresh machine: system packages (when missing) and the project's node dependencies.
#   Debian/Ubuntu as root: installs with apt every Python module in scripts/python-deps.tsv that the project's Python
#   cannot import (Jupyter's nbclient/nbconvert/jupyter_client/nbformat, the classic Notebook, numpy, scipy, torch),
#   Chromium, Fashion-MNIST, LAPACK/OpenBLAS and poppler-utils (to join the PDF report).
#   Otherwise: says what is missing and how to get it (conda: environment.yml), then installs node dependencies.
#
#   scripts/setup.sh            install what is missing, then npm ci
#   scripts/setup.sh --check    only list what is missing and the command that installs it; exit 1 if anything is
#
# The project's Python is $SKIPLAB_PYTHON, else the active conda environment's, else /usr/bin/python3 (the one
# Debian's packages install into).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--check]" >&2; exit 2 ;;
esac

py=${SKIPLAB_PYTHON:-}
[ -z "$py" ] && [ -n "${CONDA_PREFIX:-}" ] && py=$CONDA_PREFIX/bin/python
[ -z "$py" ] && py=/usr/bin/python3
need=()
missing_modules=()
# Python modules: one import check each, so a half-installed Jupyter is caught module by module.
while IFS=$'\t' read -r module package _; do
  case "$module" in ''|'#'*|module) continue ;; esac
  [ "$package" = "-" ] && continue
  if ! { [ -x "$py" ] && "$py" -c "import $module" >/dev/null 2>&1; }; then
    missing_modules+=("$module")
    need+=("$package")
  fi
done < scripts/python-deps.tsv
command -v pdfunite >/dev/null || need+=(poppler-utils)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "${SKIPLAB_CHROMIUM:-}" ] || need+=(chromium)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
ldconfig -p 2>/dev/null | grep -q "liblapacke\.so" || need+=(liblapacke)
ldconfig -p 2>/dev/null | grep -q "libopenblas\.so" || need+=(libopenblas0)
# oneDNN 2.x: convolutions and their gradients on the wasm backend (engine/onednn.ts); the headers and a C compiler
# let the test suite check the binding's constants against them (tests/engine/onednn.test.ts)
ldconfig -p 2>/dev/null | grep -q "libdnnl\.so\.2" || need+=(libdnnl2)
[ -f /usr/include/oneapi/dnnl/dnnl.h ] || need+=(libdnnl-dev)
command -v cc >/dev/null || need+=(gcc)
# one package may provide several modules
mapfile -t need < <(printf '%s\n' ${need[@]+"${need[@]}"} | awk 'NF && !seen[$0]++')

if [ $check = 1 ]; then
  if [ ${#need[@]} -eq 0 ]; then echo "setup: nothing missing (Python: $py)"; exit 0; fi
  echo "setup: missing for $py: ${missing_modules[*]:-no Python modules}"
  echo "setup: apt-get install ${need[*]}"
  exit 1
fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: apt-get install ${need[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
    if [ -n "${SKIPLAB_PYTHON:-}" ] && [ ${#missing_modules[@]} -gt 0 ]; then
      echo "setup: note: apt installs Python modules for /usr/bin/python3; SKIPLAB_PYTHON=$SKIPLAB_PYTHON needs its own (${missing_modules[*]})" >&2
    fi
  elif [ -n "${CONDA_PREFIX:-}" ]; then
    echo "setup: using the conda environment at $CONDA_PREFIX (missing Debian packages ignored: ${need[*]})"
  else
    cat >&2 <<MSG
setup: these are missing: ${need[*]}${missing_modules[*]:+ (Python modules for $py: ${missing_modules[*]})}
  Debian/Ubuntu: sudo apt-get install ${need[*]}
  conda:         conda env create -f environment.yml && conda activate skip-singularities
Continuing with the node dependencies. 'npm test' skips the checks that need a missing piece and names it
(with CI=true it fails them instead), and 'npm run reproduce' says exactly what it lacks.
MSG
  fi
fi

npm ci --no-audit --no-fund
# Optional accelerators are not installed here (they must never break or slow this install): WebGPU with
# scripts/install-webgpu.sh [--lavapipe], tfjs-node-gpu by hand (CUDA 11.2 + cuDNN 8.1); README "Running on a GPU".
echo "setup: done. Optional GPU path: scripts/install-webgpu.sh (README, 'Running on a GPU'); npm ci removed it if it was installed."
