#!/usr/bin/python3
"""PyTorch reference for bench/hessian.mjs: the same ReLU MLP, weights, batch and probe vectors, curvature computed
the way PyHessian (Yao et al. 2020, github.com/amirgholami/PyHessian) does it.

Model: h_0 = x; h_l = relu(h_{l-1} W_l + b_l); logits = h_{L-1} W_L + b_L; mean softmax cross-entropy. W_l is stored
[fan_in, fan_out] row-major (tfjs' layout), so no transposes are needed to share the weights.

PyHessian's method: the gradient is computed once with create_graph=True, and every Hessian-vector product is
torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True) on that graph (no new forward or backward pass).
Every product here also splits a flat float64 vector into float32 per-parameter tensors and concatenates the result
back into a flat float64 vector, as bench/hessian.mjs's products do.

  - power iteration: fixed number of iterations from the given start vector, Rayleigh quotient (PyHessian's eigenvalues())
  - Hutchinson: the given Rademacher probes (PyHessian's trace())
  - Lanczos: full reorthogonalisation, float64 basis in one [steps, n] tensor, classical Gram-Schmidt as torch.mv
    (c = Q w; w -= Q^T c), a second pass only when the first removed much of w (the DGKS test) -- the same algorithm
    as skiplab's lanczos. PyHessian's own density() keeps a
    Python list of float32 per-parameter vectors and does one modified Gram-Schmidt pass with a Python loop.

Usage: /usr/bin/python3 bench/hessian_torch.py DIR
  DIR holds meta.json and the binary files bench/hessian.mjs writes; prints one JSON object on stdout and writes
  DIR/hv_torch.f32 (the product with the probe v).
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

from torch_threads import describe as threads_description
from torch_threads import set_threads


def read(d, name, dtype, shape=None):
    a = np.fromfile(os.path.join(d, name), dtype=dtype)
    return torch.from_numpy(a if shape is None else a.reshape(shape))


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "meta.json")))
    set_threads(meta["threads"])
    torch.manual_seed(0)
    layers, batch, dim = meta["layers"], meta["batch"], meta["dim"]
    params = []
    for l in range(len(layers) - 1):
        params.append(read(d, f"W{l}.f32", np.float32, (layers[l], layers[l + 1])).clone().requires_grad_(True))
        params.append(read(d, f"b{l}.f32", np.float32).clone().requires_grad_(True))
    assert sum(p.numel() for p in params) == dim
    x = read(d, "x.f32", np.float32, (batch, layers[0]))
    y = read(d, "y.i32", np.int32).long()
    sizes = [p.numel() for p in params]
    shapes = [p.shape for p in params]

    def loss_fn():
        h = x
        for l in range(0, len(params), 2):
            z = h @ params[l] + params[l + 1]
            h = z if l + 2 == len(params) else torch.relu(z)
        return torch.nn.functional.cross_entropy(h, y)

    def split(v):  # flat float64 -> per-parameter float32
        return [t.view(s) for t, s in zip(torch.split(v.float(), sizes), shapes)]

    def flat(ts):
        return torch.cat([t.reshape(-1) for t in ts]).double()

    def graph():  # PyHessian: gradient once, with create_graph
        return torch.autograd.grad(loss_fn(), params, create_graph=True)

    def hvp(grads, v):
        return flat(torch.autograd.grad(grads, params, grad_outputs=split(v), retain_graph=True))

    def gradient():
        return flat(torch.autograd.grad(loss_fn(), params))

    def hvp_scratch(v):  # forward + double backward every time (what skiplab's tfjs product does)
        return hvp(graph(), v)

    def median_ms(f, repeats, warmup):
        for _ in range(warmup):
            f()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f()
            ts.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(ts)

    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "threading": threads_description()}
    v = read(d, "v.f64", np.float64)
    grads = graph()
    hv = hvp(grads, v)
    hv.float().numpy().tofile(os.path.join(d, "hv_torch.f32"))
    out["loss"] = loss_fn().item()
    R, W = meta["repeats"], meta["warmup"]
    # interleave: alternate short blocks so that drift hits all three alike
    g_ms, h_ms, s_ms = [], [], []
    for _ in range(3):
        g_ms.append(median_ms(gradient, max(1, R // 3), W))
        h_ms.append(median_ms(lambda: hvp(grads, v), max(1, R // 3), W))
        s_ms.append(median_ms(lambda: hvp_scratch(v), max(1, R // 3), W))
    out["grad_ms"], out["hvp_ms"], out["hvp_scratch_ms"] = map(statistics.median, (g_ms, h_ms, s_ms))
    del grads

    # power iteration, fixed iterations (PyHessian eigenvalues(), top_n = 1)
    t0 = time.perf_counter()
    grads = graph()
    q = read(d, "power0.f64", np.float64).clone()
    q /= q.norm()
    theta = float("nan")
    for _ in range(meta["power_iters"]):
        w = hvp(grads, q)
        theta = torch.dot(q, w).item()
        q = w / w.norm()
    out["power_ms"] = (time.perf_counter() - t0) * 1e3
    out["power_value"] = theta
    del grads

    # Hutchinson with the same Rademacher probes (PyHessian trace())
    probes = meta["probes"]
    rad = np.memmap(os.path.join(d, "rademacher.i8"), dtype=np.int8, mode="r", shape=(probes, dim))
    t0 = time.perf_counter()
    grads = graph()
    s = 0.0
    for i in range(probes):
        z = torch.from_numpy(np.asarray(rad[i], dtype=np.float64))
        s += torch.dot(z, hvp(grads, z)).item()
    out["hutchinson_ms"] = (time.perf_counter() - t0) * 1e3
    out["trace"] = s / probes
    del grads

    # Lanczos, full reorthogonalisation (CGS with the DGKS test, float64 basis)
    m = meta["lanczos_steps"]
    t0 = time.perf_counter()
    grads = graph()
    Q = torch.empty((m, dim), dtype=torch.float64)
    q = read(d, "lanczos0.f64", np.float64).clone()
    Q[0] = q / q.norm()
    alpha, beta = [], []
    reorth = 0.0
    total_passes = 0
    for j in range(m):
        w = hvp(grads, Q[j])
        a = torch.dot(Q[j], w).item()
        w -= a * Q[j]
        if j > 0:
            w -= beta[j - 1] * Q[j - 1]
        r0 = time.perf_counter()
        passes = 0
        while True:  # CGS with the DGKS test: a second pass only when the first removed much of w
            before = w.norm().item()
            c = torch.mv(Q[: j + 1], w)
            w -= torch.mv(Q[: j + 1].t(), c)
            passes += 1
            if passes == 2 or w.norm().item() >= before / 2**0.5:
                break
        total_passes += passes
        reorth += time.perf_counter() - r0
        alpha.append(a)
        b = w.norm().item()
        if j + 1 == m:
            break
        beta.append(b)
        Q[j + 1] = w / b
    T = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    ritz = np.linalg.eigvalsh(T)
    out["lanczos_ms"] = (time.perf_counter() - t0) * 1e3
    out["lanczos_reorth_ms"] = reorth * 1e3
    out["lanczos_passes"] = total_passes
    out["ritz_min"], out["ritz_max"] = float(ritz[0]), float(ritz[-1])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
