#!/usr/bin/env python3
"""PyTorch side of bench/gpu/run.sh: the 30x128 MLP training step on CUDA (CPU when CUDA is absent).

Same model, loss, optimizer and FLOP count as bench/train_torch.py and bench/gpu/webgpu-bench.cjs:
input 3072 -> 30 x Linear(128) + ReLU (residual: x_l = relu(W_l x_{l-1} + b_l) + x_{l-1} for l >= 2) -> Linear(100);
softmax cross-entropy (mean); Adam (lr 1e-3). float32 throughout: TF32 matmuls are switched off (PyTorch's default for
matmul since 1.12, set explicitly here) so the comparison with WebGPU's float32 shaders is like for like.

One step = zero_grad + forward + backward + optimizer.step + loss.item() (a device sync, as the tfjs step's read).
Variants: "device" keeps the batch on the device (PyTorch's usual setup); "upload" copies the batch from host memory
each step, as skiplab's TrainStep does (it uploads x and the one-hot targets every step).

Prints one JSON line per configuration on stdout; a human summary on stderr.
Usage: python3 bench/gpu/torch_bench.py [--device cuda|cpu] [--batch 128 500] [--arch plain residual]
                                        [--steps 20] [--warmup 5] [--threads N]
"""
import argparse
import json
import statistics
import sys
import time

import torch


class MLP(torch.nn.Module):
    def __init__(self, d_in, width, depth, classes, residual):
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.Linear(d_in if l == 0 else width, width) for l in range(depth)])
        self.out = torch.nn.Linear(width, classes)
        self.residual = residual
        for lin in self.layers:  # He-normal, zero bias (skiplab's default init)
            torch.nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
            torch.nn.init.zeros_(lin.bias)

    def forward(self, x):
        for l, lin in enumerate(self.layers):
            h = torch.relu(lin(x))
            x = h + x if (self.residual and l > 0) else h
        return self.out(x)


def flops_per_step(batch, d_in, width, depth, classes):
    w = d_in * width + (depth - 1) * width * width + width * classes
    return 6 * batch * w - 2 * batch * d_in * width


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch", type=int, nargs="+", default=[128, 500])
    p.add_argument("--arch", nargs="+", default=["plain", "residual"])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    p.add_argument("--variants", nargs="+", default=None, help="device, upload (default: both on CUDA, device on CPU)")
    a = p.parse_args()
    if a.variants is None:
        a.variants = ["device", "upload"] if a.device.startswith("cuda") else ["device"]
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("torch_bench: CUDA requested but torch.cuda.is_available() is False")
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    name = torch.cuda.get_device_name(dev) if cuda else f"CPU ({torch.get_num_threads()} threads)"
    print(f"# torch {torch.__version__} on {name}" + (f", CUDA {torch.version.cuda}" if cuda else ""), file=sys.stderr)
    torch.manual_seed(0)
    d_in, width, depth, classes = 3072, 128, 30, 100
    for arch in a.arch:
        for batch in a.batch:
            for variant in a.variants:
                model = MLP(d_in, width, depth, classes, arch == "residual").to(dev)
                opt = torch.optim.Adam(model.parameters(), lr=1e-3)
                x_host = torch.randn(batch, d_in)
                y_host = torch.randint(0, classes, (batch,))
                if cuda:
                    x_host, y_host = x_host.pin_memory(), y_host.pin_memory()
                x_dev, y_dev = x_host.to(dev), y_host.to(dev)
                loss_fn = torch.nn.CrossEntropyLoss()

                def step():
                    x, y = (x_host.to(dev, non_blocking=True), y_host.to(dev, non_blocking=True)) if variant == "upload" else (x_dev, y_dev)
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(model(x), y)
                    loss.backward()
                    opt.step()
                    return loss.item()  # device sync

                tw = time.perf_counter()
                for _ in range(a.warmup):
                    step()
                warmup_ms = (time.perf_counter() - tw) * 1e3
                ts = []
                loss = float("nan")
                for _ in range(a.steps):
                    t0 = time.perf_counter()
                    loss = step()
                    ts.append((time.perf_counter() - t0) * 1e3)
                flops = flops_per_step(batch, d_in, width, depth, classes)
                row = {
                    "impl": f"torch-{dev.type}", "variant": variant, "device": name, "arch": arch, "batch": batch,
                    "ms_min": min(ts), "ms_median": statistics.median(ts), "steps": a.steps, "warmup": a.warmup,
                    "warmup_ms": warmup_ms, "flops_per_step": flops, "gflops": flops / (min(ts) * 1e6),
                    "final_loss": loss, "torch": torch.__version__, "cuda": torch.version.cuda if cuda else None,
                    "tf32": False,
                }
                print(json.dumps(row), flush=True)
                print(f"# torch-{dev.type} {variant:6s} {arch} batch {batch}: {row['ms_min']:.2f} / {row['ms_median']:.2f} ms, {row['gflops']:.1f} GFLOP/s", file=sys.stderr)


if __name__ == "__main__":
    main()
