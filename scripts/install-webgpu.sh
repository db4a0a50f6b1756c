#!/usr/bin/env bash
# Optional WebGPU accelerator: dawn.node (npm 'webgpu') + @tensorflow/tfjs-backend-webgpu, installed next to the
# project without touching package.json or package-lock.json, and, with --lavapipe, a software Vulkan driver.
#
#   scripts/install-webgpu.sh              the two npm packages (≈ 54 MB download, 151 MB on disk; no install-time
#                                          downloads: dawn.node ships prebuilt for linux/darwin/win32 x64+arm64)
#   scripts/install-webgpu.sh --lavapipe   also Mesa 25 lavapipe (Vulkan on the CPU) from Debian bookworm-backports,
#                                          as root: a slow software adapter, to check the webgpu code paths without a GPU
#
# A GPU needs its own Vulkan driver: NVIDIA's proprietary driver ships the ICD (/usr/share/vulkan/icd.d/nvidia_icd.json;
# Debian: nvidia-driver + libvulkan1), AMD/Intel use Mesa's radv/anv (mesa-vulkan-drivers). Bookworm's own Mesa 22 lavapipe is
# rejected by dawn; backports' Mesa 25 works.
# `npm ci` removes what this installs (the packages are not in the lockfile): run it again after `npm ci`.
# Check with: SKIPLAB_BACKEND=webgpu npm run skiplab -- backend
set -euo pipefail
cd "$(dirname "$0")/.."

WEBGPU_VERSION=${WEBGPU_VERSION:-0.6.2}
TFJS_WEBGPU_VERSION=4.22.0   # must equal the project's @tensorflow/tfjs version

lavapipe=0
for a in "$@"; do
  case "$a" in
    --lavapipe) lavapipe=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install-webgpu: unknown argument '$a' (use --lavapipe or nothing)" >&2; exit 2 ;;
  esac
done

# Mesa lavapipe from bookworm-backports, installing only what it needs from there (mesa-vulkan-drivers and the newer
# libdrm it depends on), not the whole Mesa stack.
install_lavapipe() {
  if [ -f /usr/share/vulkan/icd.d/lvp_icd.json ] && dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -qv '^22\.'; then
    echo "install-webgpu: lavapipe already installed (mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))"
    return
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-webgpu: --lavapipe needs root and apt-get. On Debian bookworm run as root:" >&2
    echo "  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends mesa-vulkan-drivers/bookworm-backports libvulkan1" >&2
    echo "  (Ubuntu 24.04 and Debian trixie: apt-get install mesa-vulkan-drivers libvulkan1 — their Mesa is new enough)" >&2
    exit 1
  fi
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = bookworm ]; then
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo "install-webgpu: adding Debian bookworm-backports to apt's sources"
      cat > /etc/apt/sources.list.d/bookworm-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mesa-vulkan-drivers/bookworm-backports libvulkan1
  else
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mesa-vulkan-drivers libvulkan1
  fi
}

[ "$lavapipe" = 1 ] && install_lavapipe

if [ -f node_modules/webgpu/package.json ] && [ -f node_modules/@tensorflow/tfjs-backend-webgpu/package.json ] &&
   grep -q "\"version\": \"$WEBGPU_VERSION\"" node_modules/webgpu/package.json &&
   grep -q "\"version\": \"$TFJS_WEBGPU_VERSION\"" node_modules/@tensorflow/tfjs-backend-webgpu/package.json; then
  echo "install-webgpu: webgpu@$WEBGPU_VERSION and @tensorflow/tfjs-backend-webgpu@$TFJS_WEBGPU_VERSION already installed"
else
  echo "install-webgpu: npm install --no-save webgpu@$WEBGPU_VERSION @tensorflow/tfjs-backend-webgpu@$TFJS_WEBGPU_VERSION"
  npm install --no-save --no-audit --no-fund "webgpu@$WEBGPU_VERSION" "@tensorflow/tfjs-backend-webgpu@$TFJS_WEBGPU_VERSION"
fi

# dawn.node is an ES module: Node must be able to require() one (Node >= 20.19 / 22.12).
node -e 'require("webgpu")' 2>/dev/null || { echo "install-webgpu: require('webgpu') fails on Node $(node --version): use Node >= 20.19" >&2; exit 1; }
if [ -f lib/dist/cli/main.js ]; then
  SKIPLAB_BACKEND=webgpu node lib/dist/cli/main.js backend || echo "install-webgpu: installed, but no WebGPU adapter yet (see the message above; --lavapipe gives a software one)" >&2
else
  echo "install-webgpu: installed. Build (npm run build), then check: SKIPLAB_BACKEND=webgpu npm run skiplab -- backend"
fi
