#!/usr/bin/env bash
# The 30×128 MLP training step through WebGPU (dawn.node on the NVIDIA driver's Vulkan ICD) next to the same model in
# PyTorch CUDA, on a GPU machine that has no network and no Node: everything the WebGPU side needs comes in the bundle
# that bench/gpu/pack.sh makes (Node, the benchmark bundled with the lib and tfjs, dawn.node, the Vulkan loader).
#
#   bench/gpu/pack.sh                  here (with network): writes bench/gpu/.bundle/skiplab-gpu-bench.tar.xz (≈ 28 MiB)
#   bench/gpu/run.sh [options]         there: unpacks it, finds the Vulkan driver, runs both sides, prints the table
#
# Options: --quick (5 steps after 3 warm-up, batch 128 and 500, plain only) · --steps N · --warmup N · --batch 128,500
#          --arch plain,residual · --no-torch · --no-webgpu · --allow-software (accept lavapipe: for checking the
#          pieces on a machine without a GPU; the table then says the WebGPU numbers are not GPU numbers)
# Environment: SKIPLAB_GPU_BUNDLE (the .tar.xz/.tar.zst), SKIPLAB_PYTHON (a python3 with torch; default python3),
#              SKIPLAB_WEBGPU_FLAGS (dawn.node flags; default "backend=vulkan"), OUT (results folder; default
#              bench/gpu/results/<UTC time>): webgpu.jsonl, torch.jsonl, report.txt, report.md, env.txt
#
# What the machine needs: an NVIDIA driver with its Vulkan ICD (nvidia_icd.json, or libGLX_nvidia.so.0 from which this
# script writes one: in a container, NVIDIA_DRIVER_CAPABILITIES must include "graphics"), glibc ≥ 2.34 (dawn.node),
# python3 with torch (CUDA build) for the PyTorch side, and python3 or xz to unpack the bundle.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

steps=20; warmup=5; batch=128,500; arch=plain,residual
torch_side=1; webgpu_side=1; allow_software=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) steps=5; warmup=3; arch=plain ;;
    --steps) steps=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --batch) batch=$2; shift ;;
    --arch) arch=$2; shift ;;
    --no-torch) torch_side=0 ;;
    --no-webgpu) webgpu_side=0 ;;
    --allow-software) allow_software=1 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "run.sh: $*" >&2; }
py=${SKIPLAB_PYTHON:-python3}
out=${OUT:-$repo/bench/gpu/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
: > "$out/webgpu.jsonl"; : > "$out/torch.jsonl"
env_txt="$out/env.txt"
{ echo "# run.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm)"; } > "$env_txt"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >> "$env_txt" 2>&1 || echo "nvidia-smi: not found" >> "$env_txt"
echo "glibc: $(ldd --version 2>/dev/null | head -1)" >> "$env_txt"

# ---- 1. the bundle
bundle=${SKIPLAB_GPU_BUNDLE:-}
if [ -z "$bundle" ]; then
  for f in bench/gpu/.bundle/skiplab-gpu-bench.tar.xz bench/gpu/.bundle/skiplab-gpu-bench.tar.zst; do [ -f "$f" ] && { bundle=$f; break; }; done
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/skiplab-gpu-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ "$webgpu_side" = 1 ]; then
  [ -n "$bundle" ] && [ -f "$bundle" ] || { say "no bundle (make it with bench/gpu/pack.sh where there is network, carry bench/gpu/.bundle)"; exit 1; }
  t0=$(date +%s)
  case "$bundle" in
    *.zst)
      if command -v zstd >/dev/null; then zstd -dc --long=27 "$bundle" | tar -C "$work" -xf -
      else say "$bundle needs zstd, which is not installed here: make the bundle with xz (pack.sh without --zstd)"; exit 1; fi ;;
    *)
      if command -v xz >/dev/null; then xz -dc "$bundle" | tar -C "$work" -xf -
      else "$py" -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$bundle" "$work"; fi ;;
  esac
  say "unpacked $bundle in $(( $(date +%s) - t0 )) s"
  if command -v sha256sum >/dev/null; then
    (cd "$work" && grep -E '^[0-9a-f]{64}  ' MANIFEST.txt | sha256sum -c --quiet) || { say "bundle checksum mismatch"; exit 1; }
  fi
  head -4 "$work/MANIFEST.txt" >> "$env_txt"
fi

# ---- 2. the WebGPU side
webgpu_rc=0
if [ "$webgpu_side" = 1 ]; then
  node="$work/node/bin/node"
  libpath=""
  # dawn.node needs glibc ≥ 2.34 and GLIBCXX_3.4.30; the bundle's libstdc++ is used only when the host's is older.
  host_cxx=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !f {print $NF; f = 1}')
  if [ -z "$host_cxx" ] || ! grep -qa "GLIBCXX_3.4.30" "$host_cxx"; then libpath="$work/lib/fallback"; say "using the bundled libstdc++ (the host's lacks GLIBCXX_3.4.30)"; fi
  # libX11/libXext for NVIDIA's ICD, when the host has none (headless images).
  if ! ldconfig -p 2>/dev/null | grep -q "libX11\.so\.6 " || ! ldconfig -p 2>/dev/null | grep -q "libXext\.so\.6 "; then
    libpath="${libpath:+$libpath:}$work/lib/fallback-x11"; say "using the bundled libX11/libXext"
  fi
  # The Vulkan loader: the host's when it has one, else the bundled copy.
  if ! ldconfig -p 2>/dev/null | grep -q "libvulkan\.so\.1 "; then libpath="${libpath:+$libpath:}$work/lib"; say "using the bundled Vulkan loader (libvulkan.so.1)"; fi
  # The NVIDIA Vulkan ICD: its JSON manifest, or one written here for the driver's libGLX_nvidia.so.0.
  icd=""
  for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/share/vulkan/icd.d.nvidia; do
    for f in "$d"/nvidia_icd*.json; do [ -f "$f" ] && { icd=$f; break 2; }; done
  done
  if [ -z "$icd" ]; then
    glx=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0 .*x86-64/ && !f {print $NF; f = 1}')
    for f in /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 /usr/local/nvidia/lib64/libGLX_nvidia.so.0; do
      [ -z "$glx" ] && [ -f "$f" ] && glx=$f
    done
    if [ -n "$glx" ]; then
      icd="$work/nvidia_icd.json"
      printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$glx" > "$icd"
      say "no nvidia_icd.json on this machine: wrote one for $glx"
    fi
  fi
  if [ -n "$icd" ]; then
    export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd   # only NVIDIA's driver: never a software fallback
    echo "vulkan icd: $icd" >> "$env_txt"
  elif [ "$allow_software" = 1 ]; then
    say "no NVIDIA Vulkan driver: --allow-software, so whatever Vulkan driver is installed (lavapipe) is used"
  else
    say "no NVIDIA Vulkan driver found (no nvidia_icd.json, no libGLX_nvidia.so.0). In a container, NVIDIA_DRIVER_CAPABILITIES must include 'graphics' (or 'all'). Skipping the WebGPU side (--allow-software runs it on lavapipe)."
    webgpu_side=0; webgpu_rc=1
  fi
  if [ "$webgpu_side" = 1 ]; then
    say "WebGPU side: $steps steps after $warmup warm-up, batch $batch, arch $arch"
    set +e
    LD_LIBRARY_PATH="${libpath:+$libpath:}${LD_LIBRARY_PATH:-}" SKIPLAB_WEBGPU_FLAGS=${SKIPLAB_WEBGPU_FLAGS:-backend=vulkan} \
      timeout 300 "$node" "$work/app/bench.cjs" --backend webgpu --steps "$steps" --warmup "$warmup" --batch "$batch" --arch "$arch" \
      --json "$out/webgpu.jsonl" > /dev/null 2> >(grep -v "artificially reduced" >&2)
    webgpu_rc=$?
    set -e
    if [ $webgpu_rc -ne 0 ]; then
      # one more short try with the Vulkan loader's driver log, for the diagnosis
      say "the WebGPU side failed (exit $webgpu_rc): Vulkan loader log in $out/vulkan-debug.txt"
      LD_LIBRARY_PATH="${libpath:+$libpath:}${LD_LIBRARY_PATH:-}" SKIPLAB_WEBGPU_FLAGS=${SKIPLAB_WEBGPU_FLAGS:-backend=vulkan} VK_LOADER_DEBUG=error,warn,driver \
        timeout 60 "$node" "$work/app/bench.cjs" --backend webgpu --steps 1 --warmup 0 --batch 8 --arch plain > "$out/vulkan-debug.txt" 2>&1 || true
    fi
    if [ $webgpu_rc -eq 0 ] && grep -q '"software":true' "$out/webgpu.jsonl" && [ "$allow_software" = 0 ]; then
      say "the WebGPU adapter is a software one, not the GPU (see above); its numbers are not GPU numbers"; webgpu_rc=1
    fi
  fi
fi

# ---- 3. the PyTorch side (CUDA when torch sees it, else CPU, said in the table)
torch_rc=0
if [ "$torch_side" = 1 ]; then
  torch_py="$repo/bench/gpu/torch_bench.py"
  if "$py" -c "import torch" 2>/dev/null; then
    say "PyTorch side: $("$py" -c 'import torch; print(torch.__version__, "CUDA" if torch.cuda.is_available() else "no CUDA: CPU")')"
    set +e
    timeout 240 "$py" "$torch_py" --steps "$steps" --warmup "$warmup" --batch ${batch//,/ } --arch ${arch//,/ } > "$out/torch.jsonl"
    torch_rc=$?
    set -e
  else
    say "$py has no torch: skipping the PyTorch side (SKIPLAB_PYTHON=/path/to/python3 with torch)"; torch_rc=1
  fi
fi

# ---- 4. side by side
node_bin="${work}/node/bin/node"; [ -x "$node_bin" ] || node_bin=node
report="$work/app/report.cjs"; [ -f "$report" ] || report="$repo/bench/gpu/report.cjs"
if "$node_bin" "$report" "$out/webgpu.jsonl" "$out/torch.jsonl" > "$out/report.txt"; then
  "$node_bin" "$report" "$out/webgpu.jsonl" "$out/torch.jsonl" --markdown > "$out/report.md"
  cat "$env_txt"; echo; cat "$out/report.txt"
else
  say "no results to report"; cat "$env_txt"
fi
say "results in $out"
[ $webgpu_rc -eq 0 ] && [ $torch_rc -eq 0 ]
