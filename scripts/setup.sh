#!/usr/bin/env bash
# One-time setup on a fresh machine: system packages (when missing) and the project's node dependencies.
#   Debian/Ubuntu as root: installs Jupyter's nbconvert/nbclient, Chromium, Fashion-MNIST, LAPACK/OpenBLAS, numpy and poppler-utils (to join the PDF report) with apt.
#   Otherwise: says what is missing and how to get it (conda: environment.yml), then installs node dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

py=${SKIPLAB_PYTHON:-/usr/bin/python3}
need=()
[ -x "$py" ] && "$py" -c "import nbclient, nbconvert, jupyter_client" 2>/dev/null || need+=(jupyter-nbconvert jupyter-client python3-nbclient)
[ -x "$py" ] && "$py" -c "import numpy" 2>/dev/null || need+=(python3-numpy)
command -v pdfunite >/dev/null || need+=(poppler-utils)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "${SKIPLAB_CHROMIUM:-}" ] || need+=(chromium)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
ldconfig -p 2>/dev/null | grep -c "liblapacke\.so" >/dev/null || need+=(liblapacke)
ldconfig -p 2>/dev/null | grep -c "libopenblas\.so" >/dev/null || need+=(libopenblas0)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: apt-get install ${need[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
  elif [ -n "${CONDA_PREFIX:-}" ]; then
    echo "setup: using the conda environment at $CONDA_PREFIX (missing Debian packages ignored: ${need[*]})"
  else
    cat >&2 <<MSG
setup: these are missing: ${need[*]}
  Debian/Ubuntu: sudo apt-get install ${need[*]}
  conda:         conda env create -f environment.yml && conda activate skip-singularities
Continuing with the node dependencies; the tests that need a missing piece are skipped with a message,
and 'npm run reproduce' says exactly what it lacks.
MSG
  fi
fi

npm ci --no-audit --no-fund
# Optional accelerators are not installed here (they must never break or slow this install): WebGPU with
# scripts/install-webgpu.sh [--lavapipe], tfjs-node-gpu by hand (CUDA 11.2 + cuDNN 8.1); README "Running on a GPU".
echo "setup: done. Optional GPU path: scripts/install-webgpu.sh (README, 'Running on a GPU'); npm ci removed it if it was installed."
