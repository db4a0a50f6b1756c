#!/usr/bin/env bash
# The README's quick start on a machine that has nothing but what a new user starts from: a clean Debian bookworm
# root (debootstrap --variant=minbase) with Node and npm copied from this machine, git and ca-certificates, and this
# machine's network settings (DNS, trusted CA certificates, npm's registry configuration), so that apt and npm answer
# as they do here. No Python, Jupyter, Chromium, LAPACK, datasets or node_modules: scripts/setup.sh must bring them.
#
#   scripts/check-fresh-machine.sh [--rebuild] [--no-apt-cache] [--rev REV] [--out DIR]
#
# It clones REV (default HEAD: committed work only) into a fresh copy of the clean root and runs, in order, as root
# with CI=true:
#   1. scripts/setup.sh && npm run reproduce -- --scale smoke     (the main job, at its smallest scale)
#   2. scripts/setup.sh && npm test                                (the tests)
# and writes DIR/fresh-machine.json (each command's exit status and wall time, the test counts, whether the
# independent float64 checks ran) and each command's log to DIR (default: .ci-fresh/ in this checkout).
# Exits 0 when both commands pass, 1 when either fails, 2 when the clean root could not be made.
#
# The clean root is built once (about a minute) and kept untouched under $SKIPLAB_FRESH_DIR (default
# /var/tmp/skiplab-fresh/pristine); every check starts from a new copy of it. Downloaded .deb files are kept in
# $SKIPLAB_FRESH_DIR/apt-archives between checks (apt still installs every package into the new root; only the
# download is saved); --no-apt-cache downloads everything again. Needs root (debootstrap, chroot, mounts).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rebuild=0 apt_cache=1 rev=HEAD out="$here/.ci-fresh"
while [ $# -gt 0 ]; do
  case "$1" in
    --rebuild) rebuild=1 ;;
    --no-apt-cache) apt_cache=0 ;;
    --rev) rev=${2:?--rev needs a revision}; shift ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-fresh-machine: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "check-fresh-machine: needs root (debootstrap, chroot and mounts); run it with sudo" >&2; exit 2; }
commit=$(git -C "$here" rev-parse --verify "$rev^{commit}") || { echo "check-fresh-machine: '$rev' is not a commit of $here" >&2; exit 2; }
mkdir -p "$out"; out=$(cd "$out" && pwd)
rm -f "$out"/fresh-machine.json "$out"/*.log

base=${SKIPLAB_FRESH_DIR:-/var/tmp/skiplab-fresh}
pristine=$base/pristine
# the recipe below, as a stamp: a pristine root made by an older recipe is rebuilt
recipe=bookworm-minbase-v1
say() { echo "check-fresh-machine: $*" >&2; }

if [ $rebuild = 1 ] || [ "$(cat "$pristine/.skiplab-recipe" 2>/dev/null)" != "$recipe" ]; then
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null \
      || { say "could not install debootstrap (apt-get install debootstrap)"; exit 2; }
  fi
  say "building a clean Debian bookworm root (minbase) at $pristine (once; kept for later checks)"
  t=$(date +%s)
  rm -rf --one-file-system "$pristine" "$pristine.tmp"; mkdir -p "$base"
  debootstrap --variant=minbase bookworm "$pristine.tmp" http://deb.debian.org/debian >"$base/debootstrap.log" 2>&1 \
    || { say "debootstrap failed; its log: $base/debootstrap.log"; tail -20 "$base/debootstrap.log" >&2; exit 2; }
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$pristine.tmp/etc/hosts"
  echo fresh > "$pristine.tmp/etc/hostname"
  printf '%s\n' "deb http://deb.debian.org/debian-security bookworm-security main" \
    "deb http://deb.debian.org/debian bookworm-updates main" >> "$pristine.tmp/etc/apt/sources.list"
  echo "$recipe" > "$pristine.tmp/.skiplab-recipe"
  mv "$pristine.tmp" "$pristine"
  say "clean root built in $(( $(date +%s) - t )) s"
fi

root=$(mktemp -d "$base/run.XXXXXX")
cleanup() {
  for m in var/cache/apt/archives dev sys proc; do umount -R -l "$root/$m" 2>/dev/null || true; done
  # never delete through a mount that is still attached (that would reach the host's /dev, /sys or the apt cache)
  if grep -q " $root/" /proc/mounts; then say "mounts remain under $root; left in place"; else rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
cp -a "$pristine/." "$root/"

# what a new machine with Node has: Node and npm, DNS, trusted CAs, npm's registry configuration
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
for f in /etc/npmrc /usr/etc/npmrc; do [ -f "$f" ] && mkdir -p "$root$(dirname "$f")" && cp "$f" "$root$f"; done
cp "$(readlink -f "$(command -v node)")" "$root/usr/bin/node"
npmdir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$root/usr/lib/node_modules" && cp -a "$npmdir" "$root/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"

mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"; mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev"; mount --make-rslave "$root/dev"
if [ $apt_cache = 1 ]; then
  mkdir -p "$base/apt-archives/partial"
  mount --bind "$base/apt-archives" "$root/var/cache/apt/archives"
fi
in_root() { chroot "$root" env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb LANG=C.UTF-8 CI=true "$@"; }
in_root bash -c 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends git ca-certificates >/dev/null && update-ca-certificates >/dev/null' \
  || { say "could not install git and ca-certificates in the clean root"; exit 2; }
git clone -q --no-local "$here" "$root/root/repo"
git -C "$root/root/repo" checkout -q --detach "$commit"
say "testing commit $(git -C "$here" rev-parse --short "$commit") in a fresh bookworm root (Node $(node --version), npm $(npm --version))"

# The README's two quick-start commands, exactly, one after the other on the same new machine.
cmds=("scripts/setup.sh && npm run reproduce -- --scale smoke" "scripts/setup.sh && npm test")
logs=(main-job.log tests.log)
rcs=() secs=()
for i in 0 1; do
  say "\$ ${cmds[$i]}"
  t=$(date +%s)
  set +e
  in_root bash -o pipefail -c "cd /root/repo && ${cmds[$i]}" > "$out/${logs[$i]}" 2>&1
  rc=$?
  set -e
  rcs+=("$rc"); secs+=("$(( $(date +%s) - t ))")
  say "  exit $rc after ${secs[$i]} s (log: $out/${logs[$i]})"
  [ "$rc" = 0 ] || tail -30 "$out/${logs[$i]}" | sed 's/^/    | /' >&2
done

# what a reader needs from the logs: test counts, whether the float64 cross-checks ran, the notebooks' outcome
node - "$out" "${cmds[0]}" "${rcs[0]}" "${secs[0]}" "${cmds[1]}" "${rcs[1]}" "${secs[1]}" "$(git -C "$here" rev-parse --short "$commit")" <<'JS'
const fs = require("fs");
const [out, c0, r0, s0, c1, r1, s1, commit] = process.argv.slice(2);
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
const main = strip(fs.readFileSync(`${out}/main-job.log`, "utf8"));
const tests = strip(fs.readFileSync(`${out}/tests.log`, "utf8"));
const count = (re) => Number((tests.match(re) || [])[1] || 0);
const testsLine = (tests.match(/^\s*Tests\s+(.*)$/m) || [])[1] || null;
const ran = (file) => {
  const m = tests.match(new RegExp(`^\\s*(\\S)\\s+${file.replace(/[.]/g, "\\.")}\\s+\\((\\d+) tests?(?: \\| (\\d+) skipped)?\\)`, "m"));
  return m ? { ran: m[1] === "✓" && !m[3], line: m[0].trim() } : { ran: false, line: "not in the log" };
};
const nb = (main.match(/reproduce: (\d+)\/(\d+) notebooks ok/) || []);
const summary = {
  commit,
  commands: [
    { command: c0, exit: Number(r0), seconds: Number(s0), notebooks: nb.length ? { ok: Number(nb[1]), total: Number(nb[2]) } : null },
    { command: c1, exit: Number(r1), seconds: Number(s1), tests: testsLine, passed: count(/Tests\s+.*?(\d+) passed/), failed: count(/Tests\s+.*?(\d+) failed/), skipped: count(/Tests\s+.*?(\d+) skipped/) },
  ],
  independentChecks: {
    "torch float64 Hessian/Gauss-Newton": ran("tests/curvature/torch-float64.test.ts"),
    "numpy eigh/SVD": ran("tests/linalg/numpy.test.ts"),
    "scipy MAT files": ran("tests/data/formats.test.ts"),
  },
};
fs.writeFileSync(`${out}/fresh-machine.json`, JSON.stringify(summary, null, 2) + "\n");
for (const c of summary.commands) console.error(`check-fresh-machine: ${c.exit === 0 ? "PASS" : "FAIL"} (${c.seconds} s) ${c.command}${c.notebooks ? ` — notebooks ${c.notebooks.ok}/${c.notebooks.total} ok` : ""}${c.tests ? ` — ${c.tests}` : ""}`);
for (const [k, v] of Object.entries(summary.independentChecks)) console.error(`check-fresh-machine: ${v.ran ? "ran" : "DID NOT RUN"}: ${k} (${v.line})`);
JS
[ "${rcs[0]}" = 0 ] && [ "${rcs[1]}" = 0 ]
