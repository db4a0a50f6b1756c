#!/usr/bin/python3
"""PyTorch CPU reference for bench/train.mjs: the same fully connected model, loss and optimizer step.

Model: input 3072 -> depth x Linear(width) + ReLU (residual: x_l = relu(W_l x_{l-1} + b_l) + x_{l-1} for l >= 2)
       -> Linear(classes); softmax cross-entropy (mean over the batch); Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8).
One step = zero_grad + forward + backward + optimizer.step on a fixed random batch (the data pipeline is not timed).

Prints one JSON object per configuration on stdout:
  {"impl": "torch", "arch", "batch", "threads", "ms_min", "ms_median", "steps", "flops_per_step", "torch", "samples"}

Usage: /usr/bin/python3 bench/train_torch.py --threads 1 --batch 128 500 --arch plain residual [--steps 30]
"""
import argparse
import json
import statistics
import time

import torch


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
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for arch in a.arch:
        for batch in a.batch:
            model = MLP(a.input, a.width, a.depth, a.classes, arch == "residual")
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            x = torch.randn(batch, a.input)
            y = torch.randint(0, a.classes, (batch,))
            loss_fn = torch.nn.CrossEntropyLoss()

            def step():
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                return loss.item()

            for _ in range(a.warmup):
                step()
            ts = []
            for _ in range(a.steps):
                t0 = time.perf_counter()
                step()
                ts.append((time.perf_counter() - t0) * 1e3)
            print(json.dumps({
                "impl": "torch", "arch": arch, "batch": batch, "threads": torch.get_num_threads(),
                "ms_min": min(ts), "ms_median": statistics.median(ts), "steps": a.steps,
                "flops_per_step": flops_per_step(batch, a.input, a.width, a.depth, a.classes),
                "torch": torch.__version__, "samples": ts,
            }), flush=True)


if __name__ == "__main__":
    main()
