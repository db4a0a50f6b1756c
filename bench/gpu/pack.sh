#!/usr/bin/env bash
# Prepares the self-contained bundle that bench/gpu/run.sh unpacks on a GPU machine without network or Node:
#
#   bench/gpu/.bundle/skiplab-gpu-bench.tar.xz   (≈ 28 MiB; must stay under 64 MiB, the device tool's carry limit)
#     node/bin/node                 this machine's Node (≥ 20.19, needs glibc ≥ 2.28), debug info stripped
#     app/bench.cjs                 webgpu-bench.cjs bundled by esbuild with the lib, tfjs and tfjs-backend-webgpu (minified)
#     app/node_modules/webgpu/      dawn.node for linux-x64 only (+ index.js, package.json, licence); needs glibc ≥ 2.34
#                                   and GLIBCXX_3.4.30 (GCC 12's libstdc++)
#     app/report.cjs, app/torch_bench.py
#     lib/libvulkan.so.1            the Khronos Vulkan loader (Debian libvulkan1), used when the host has none
#     lib/fallback/libstdc++.so.6   GCC 12's libstdc++, used only when the host's lacks GLIBCXX_3.4.30
#     lib/fallback-x11/             libX11, libXext and their dependencies (Debian 12, ≤ GLIBC_2.34), used only when the
#                                   host lacks them: NVIDIA's Vulkan ICD (libGLX_nvidia.so.0) links libX11/libXext, which
#                                   headless CUDA images may not have
#     MANIFEST.txt                  versions and sha256 of every file
#
# Needs: npm ci, scripts/install-webgpu.sh (the webgpu packages), libvulkan1 (apt), xz. Compression: xz -9e, because
# run.sh can then unpack with Python's standard library (tarfile + lzma) where neither xz nor zstd is installed;
# `--zstd` writes .tar.zst instead (zstd -19 --long; faster to unpack, ≈ 10 % larger, needs zstd there).
#
# Carry it to the device machine with the device tool's carry: ["bench/gpu/.bundle"] (the folder is git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUTDIR=bench/gpu/.bundle
LIMIT=$((64 * 1024 * 1024))
comp=xz
[ "${1:-}" = "--zstd" ] && comp=zstd

[ -f node_modules/webgpu/dist/linux-x64/dawn.node ] || { echo "pack: run scripts/install-webgpu.sh first" >&2; exit 1; }
# (awk reads all of ldconfig's output: exiting early would SIGPIPE ldconfig and fail the pipeline under pipefail)
vk=$(ldconfig -p | awk '/libvulkan\.so\.1 .*x86-64/ && !f {print $NF; f = 1}')
[ -n "$vk" ] || { echo "pack: no libvulkan.so.1 here: apt-get install libvulkan1" >&2; exit 1; }
cxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !f {print $NF; f = 1}')

npm run build --silent
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/node/bin" "$stage/app/node_modules/webgpu/dist/linux-x64" "$stage/lib/fallback" "$stage/lib/fallback-x11"

# 1. the benchmark with the lib, tfjs and tfjs-backend-webgpu in one file; dawn.node stays a module of its own
npx esbuild bench/gpu/webgpu-bench.cjs --bundle --platform=node --target=node20 --format=cjs --minify --log-level=error \
  --external:webgpu --external:koffi --external:@tensorflow/tfjs-backend-wasm --outfile="$stage/app/bench.cjs"
cp bench/gpu/report.cjs bench/gpu/torch_bench.py "$stage/app/"
# 2. dawn.node for linux-x64 (the npm package carries every platform: 132 MB unpacked)
for f in package.json index.js LICENSE.md; do cp "node_modules/webgpu/$f" "$stage/app/node_modules/webgpu/"; done
cp node_modules/webgpu/dist/linux-x64/* "$stage/app/node_modules/webgpu/dist/linux-x64/"
# 3. Node itself, without debug info
cp "$(command -v node)" "$stage/node/bin/node"
command -v strip >/dev/null && strip --strip-debug "$stage/node/bin/node"
# 4. the Vulkan loader and a fallback libstdc++
cp -L "$vk" "$stage/lib/libvulkan.so.1"
[ -n "$cxx" ] && cp -L "$cxx" "$stage/lib/fallback/libstdc++.so.6"
for l in libX11.so.6 libXext.so.6 libxcb.so.1 libXau.so.6 libXdmcp.so.6 libbsd.so.0 libmd.so.0; do
  p=$(ldconfig -p | awk -v L="$l" '$1 == L && /x86-64/ && !f {print $NF; f = 1}')
  if [ -n "$p" ]; then cp -L "$p" "$stage/lib/fallback-x11/$l"; else echo "pack: $l not found here (optional; apt-get install libx11-6 libxext6)" >&2; fi
done

{
  echo "skiplab GPU benchmark bundle, made $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm)"
  echo "node $(node --version); webgpu $(node -p 'require("./node_modules/webgpu/package.json").version'); tfjs-backend-webgpu $(node -p 'require("./node_modules/@tensorflow/tfjs-backend-webgpu/package.json").version'); tfjs $(node -p 'require("@tensorflow/tfjs/package.json").version')"
  echo "libvulkan $(readlink -f "$vk")"
  echo "git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  (cd "$stage" && find . -type f ! -name MANIFEST.txt | sort | xargs sha256sum)
} > "$stage/MANIFEST.txt"

mkdir -p "$OUTDIR"
rm -f "$OUTDIR"/skiplab-gpu-bench.tar.*
if [ "$comp" = zstd ]; then
  out="$OUTDIR/skiplab-gpu-bench.tar.zst"
  tar -C "$stage" -cf - . | zstd -19 --long=27 -T0 -q -o "$out"
else
  out="$OUTDIR/skiplab-gpu-bench.tar.xz"
  tar -C "$stage" -cf - . | xz -9e -T0 > "$out"
fi
size=$(stat -c %s "$out")
echo "pack: $out: $((size / 1024 / 1024)) MiB ($(du -sh "$stage" | cut -f1) unpacked)"
[ "$size" -lt "$LIMIT" ] || { echo "pack: larger than the 64 MiB carry limit" >&2; exit 1; }
