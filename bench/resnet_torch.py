#!/usr/bin/python3
"""PyTorch CPU reference for bench/resnet.mjs: the same conv nets (models/convnet.ts), one SGD training step.

ResNet-<depth> / PlainNet-<depth> in He et al.'s CIFAR layout: 3x3 stem conv + BN + ReLU; three stages of basic
blocks (conv3x3-BN-ReLU-conv3x3-BN, + shortcut, ReLU) at widths w, 2w, 4w, stride 2 into stages 2 and 3, projection
shortcuts (1x1 conv + BN) where the shape changes (none for PlainNet); global average pooling; linear read-out.
Convs have no bias (BN follows). channels_last memory format, float32. One step = zero_grad + forward + softmax
cross-entropy + backward + SGD update (lr 0.1, no momentum) on a fixed random batch.

Prints one JSON object per (family, threads): {"impl": "torch", "family", "depth", "batch", "threads", "ms_min",
"ms_median", "params", "torch"}

With --hvp, the ResNet rows also carry "gradient_ms", "hvp_ms" (double backward through autograd, from scratch) and
"hvp_reuse_ms" (PyHessian's way: one create_graph gradient, each product a grad with retain_graph on it).

Usage: /usr/bin/python3 bench/resnet_torch.py --threads 1 2 --depth 20 --batch 64 --family resnet plain [--steps 20] [--hvp]
"""
import argparse
import json
import statistics
import time

import torch

from torch_threads import describe as threads_description
from torch_threads import set_threads
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride, residual):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.residual = residual
        self.proj = None
        if residual and (stride != 1 or cin != cout):
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        v = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        if self.residual:
            v = v + (self.proj(x) if self.proj is not None else x)
        return F.relu(v)


class Net(nn.Module):
    def __init__(self, depth, width, cin, classes, residual):
        super().__init__()
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(cin, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        blocks, c = [], width
        for s in range(3):
            out = width * 2 ** s
            for j in range(n):
                blocks.append(Block(c, out, 2 if s > 0 and j == 0 else 1, residual))
                c = out
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean(dim=(2, 3)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=28)
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--family", nargs="+", default=["resnet"])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--hvp", action="store_true", help="also time one gradient and one Hessian-vector product (resnet)")
    a = ap.parse_args()
    torch.manual_seed(0)
    for threads in a.threads:
        set_threads(threads)
        for family in a.family:
            net = Net(a.depth, a.width, a.channels, 10, family != "plain").to(memory_format=torch.channels_last)
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            x = torch.randn(a.batch, a.channels, a.size, a.size).contiguous(memory_format=torch.channels_last)
            y = torch.randint(0, 10, (a.batch,))
            ts = []
            for i in range(a.warmup + a.steps):
                t0 = time.perf_counter()
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(net(x), y)
                loss.backward()
                opt.step()
                if i >= a.warmup:
                    ts.append((time.perf_counter() - t0) * 1000)
            row = {"impl": "torch", "family": family, "depth": a.depth, "batch": a.batch, "threads": threads,
                   "ms_min": min(ts), "ms_median": statistics.median(ts),
                   "params": sum(p.numel() for p in net.parameters()), "torch": torch.__version__, "threading": threads_description()}
            if a.hvp and family == "resnet":
                # one gradient and one Hessian-vector product of the same loss (BN in training mode), as bench/resnet.mjs
                params = list(net.parameters())
                v = [torch.randn_like(p) for p in params]

                def grad():
                    return torch.autograd.grad(F.cross_entropy(net(x), y), params)

                def hvp():
                    g = torch.autograd.grad(F.cross_entropy(net(x), y), params, create_graph=True)
                    return torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params)

                # PyHessian's way: the create_graph gradient once, each product on that graph (retain_graph)
                g_once = torch.autograd.grad(F.cross_entropy(net(x), y), params, create_graph=True)

                def hvp_reuse():
                    return torch.autograd.grad(g_once, params, grad_outputs=v, retain_graph=True)

                for name, fn in (("gradient_ms", grad), ("hvp_ms", hvp), ("hvp_reuse_ms", hvp_reuse)):
                    fn()
                    times = []
                    for _ in range(5):
                        t0 = time.perf_counter()
                        fn()
                        times.append((time.perf_counter() - t0) * 1000)
                    row[name] = statistics.median(times)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
