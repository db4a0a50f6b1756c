#!/usr/bin/python3
"""PyTorch CPU reference for bench/train.mjs: the same fully connected model, loss and optimizer step.

Model: input 3072 -> depth x Linear(width) + ReLU (residual: x_l = relu(W_l x_{l-1} + b_l) + x_{l-1} for l >= 2)
       -> Linear(classes); softmax cross-entropy (mean over the batch); Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8).
One step = zero_grad + forward + backward + optimizer.step on a fixed random batch (the data pipeline is not timed).

Prints one JSON object per configuration on stdout:
  {"impl": "torch", "arch", "batch", "threads", "ms_min", "ms_median", "steps", "flops_per_step", "torch", "samples"}

Usage: /usr/bin/python3 bench/train_torch.py --threads 1 --batch 128 500 --arch plain residual [--steps 30]
       /usr/bin/python3 bench/train_torch.py --serve
  --serve reads one JSON request per line on stdin, {"arch", "batch", "threads", "steps"}, and answers each with the
  object above. Models stay built between requests, so bench/train.mjs can alternate short blocks of PyTorch steps
  with its own on the same machine seconds apart (paired timing on a noisy, shared machine).
"""
import argparse
import json
import statistics
import sys
import time

import torch

from torch_threads import describe as threads_description
from torch_threads import set_threads


class MLP(torch.nn.Module):
    def __init__(self, d_in, width, depth, classes, residual):
        super().__init__()
        self.layers = torch.nn.ModuleList(
            [torch.nn.Linear(d_in if l == 0 else width, width) for l in range(depth)]
        )
        self.out = torch.nn.Linear(width, classes)
        self.residual = residual
        for lin in self.layers:  # He-normal, zero bias (as skiplab's default init)
            torch.nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
            torch.nn.init.zeros_(lin.bias)

    def forward(self, x):
        for l, lin in enumerate(self.layers):
            h = torch.relu(lin(x))
            x = h + x if (self.residual and l > 0) else h
        return self.out(x)


def flops_per_step(batch, d_in, width, depth, classes):
    # forward 2*B*params_w, backward 2x that for dW and dx, minus the input layer's dx (torch skips it)
    w = d_in * width + (depth - 1) * width * width + width * classes
    return 6 * batch * w - 2 * batch * d_in * width


class Case:
    """One (arch, batch) configuration, built once: model, Adam, a fixed batch, and its step function."""

    def __init__(self, a, arch, batch):
        torch.manual_seed(0)
        self.model = MLP(a.input, a.width, a.depth, a.classes, arch == "residual")
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.x = torch.randn(batch, a.input)
        self.y = torch.randint(0, a.classes, (batch,))
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.threads = None

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def time(self, a, arch, batch, threads, steps, warmup):
        set_threads(threads)
        if self.threads != threads:  # a new thread count: warm its thread pool up first
            for _ in range(warmup):
                self.step()
            self.threads = threads
        ts = []
        for _ in range(steps):
            t0 = time.perf_counter()
            self.step()
            ts.append((time.perf_counter() - t0) * 1e3)
        return {
            "impl": "torch", "arch": arch, "batch": batch, "threads": torch.get_num_threads(),
            "ms_min": min(ts), "ms_median": statistics.median(ts), "steps": steps,
            "flops_per_step": flops_per_step(batch, a.input, a.width, a.depth, a.classes),
            "torch": torch.__version__, "threading": threads_description(), "samples": ts,
        }


def serve(a):
    cases = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        r = json.loads(line)
        key = (r["arch"], int(r["batch"]))
        if key not in cases:
            cases[key] = Case(a, *key)
        out = cases[key].time(a, key[0], key[1], int(r["threads"]), int(r["steps"]), a.warmup)
        print(json.dumps(out), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, nargs="+", default=[128, 500])
    p.add_argument("--arch", nargs="+", default=["plain", "residual"])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--depth", type=int, default=30)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--input", type=int, default=3072)
    p.add_argument("--classes", type=int, default=100)
    p.add_argument("--serve", action="store_true")
    a = p.parse_args()
    if a.serve:
        return serve(a)
    for arch in a.arch:
        for batch in a.batch:
            print(json.dumps(Case(a, arch, batch).time(a, arch, batch, a.threads, a.steps, a.warmup)), flush=True)


if __name__ == "__main__":
    main()
