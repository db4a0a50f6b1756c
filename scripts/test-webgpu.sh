#!/usr/bin/env bash
# The lib's tfjs tests on the webgpu backend (dawn.node + @tensorflow/tfjs-backend-webgpu; a software Vulkan adapter
# such as Mesa lavapipe is enough, only slower). Needs: scripts/install-webgpu.sh [--lavapipe].
#
#   scripts/test-webgpu.sh                        the webgpu subset (below): 35 tests, ≈ 25 s on lavapipe with 2 cores
#   scripts/test-webgpu.sh tests/models           other test paths instead of the subset
#   scripts/test-webgpu.sh --reporter=json …      options (arguments starting with '-') are passed on to vitest
#
# SKIPLAB_TEST_BACKEND=webgpu makes every test's `initBackend({ force: "wasm" })` initialise webgpu instead
# (tests/webgpu/test-backend.ts). The subset is the suites that read tensors only asynchronously — webgpu has no
# dataSync for GPU-resident tensors, and most older suites read with dataSync in the test code itself:
#   tests/webgpu/                    reads, Dense + second-order-safe ops, training/checkpoints/resume, cpu agreement,
#                                    the real adapter report
#   tests/models/skip-init.test.ts   skip matrices and initialisations built as tensors
#   tests/runs/sweep.test.ts         sharded sweeps: whole training runs with checkpoints, through the CLI
# The other tfjs suites (tests/models, tests/train, tests/engine/dense.test.ts, tests/curvature, tests/metrics) run on
# webgpu too, but fail where their test code reads with dataSync ("OffscreenCanvas is not defined").
set -euo pipefail
cd "$(dirname "$0")/.."

SUBSET=(tests/webgpu tests/models/skip-init.test.ts tests/runs/sweep.test.ts)

npm run build --silent
if ! SKIPLAB_BACKEND=webgpu node lib/dist/cli/main.js backend 2>/dev/null; then
  echo "test-webgpu: no webgpu backend here; install it with scripts/install-webgpu.sh (--lavapipe for a software Vulkan driver)" >&2
  SKIPLAB_BACKEND=webgpu node lib/dist/cli/main.js backend >&2 || true
  exit 1
fi
paths=()
opts=()
for a in "$@"; do
  case "$a" in -*) opts+=("$a") ;; *) paths+=("$a") ;; esac
done
[ ${#paths[@]} -gt 0 ] && SUBSET=("${paths[@]}")
SKIPLAB_TEST_BACKEND=webgpu npx vitest run "${SUBSET[@]}" "${opts[@]}"
