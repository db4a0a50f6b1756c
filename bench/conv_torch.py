#!/usr/bin/python3
"""PyTorch CPU reference for bench/conv.mjs: one 3x3 (or 1x1) convolution's forward, input gradient and weight
gradient at the ResNet-20/56 shapes, channels-last (NHWC in memory, like tfjs), float32, no bias.

Each pass is timed on its own ATen kernel: forward = aten.convolution, backward-data and backward-weights =
aten.convolution_backward with one output mask each (what autograd calls).

Prints one JSON object per (case, threads) on stdout:
  {"impl": "torch", "case", "threads", "forward_ms", "backward_data_ms", "backward_weights_ms", "torch"}

Usage: /usr/bin/python3 bench/conv_torch.py --threads 1 2 --reps 20 --cases '<json list of cases>'
"""
import argparse
import json
import statistics
import time

import torch

from torch_threads import describe as threads_description
from torch_threads import set_threads


def median_ms(fn, reps, warmup=3):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--cases", required=True)
    a = ap.parse_args()
    torch.manual_seed(0)
    for threads in a.threads:
        set_threads(threads)
        for c in json.loads(a.cases):
            n, h, w, cin = c["x"]
            kh, kw, _, cout = c["w"]
            s, p = c["stride"], c["pad"]
            x = torch.randn(n, cin, h, w).contiguous(memory_format=torch.channels_last)
            wt = torch.randn(cout, cin, kh, kw).contiguous(memory_format=torch.channels_last)
            y = torch.ops.aten.convolution(x, wt, None, [s, s], [p, p], [1, 1], False, [0, 0], 1)
            dy = torch.randn_like(y).contiguous(memory_format=torch.channels_last)
            args = (dy, x, wt, None, [s, s], [p, p], [1, 1], False, [0, 0], 1)
            with torch.no_grad():
                fwd = median_ms(lambda: torch.ops.aten.convolution(x, wt, None, [s, s], [p, p], [1, 1], False, [0, 0], 1), a.reps)
                bd = median_ms(lambda: torch.ops.aten.convolution_backward(*args, [True, False, False]), a.reps)
                bw = median_ms(lambda: torch.ops.aten.convolution_backward(*args, [False, True, False]), a.reps)
            print(json.dumps({"impl": "torch", "case": c["name"], "threads": threads, "forward_ms": fwd,
                              "backward_data_ms": bd, "backward_weights_ms": bw, "torch": torch.__version__, "threading": threads_description()}), flush=True)


if __name__ == "__main__":
    main()
