"""Thread control for the PyTorch references of bench/*.mjs.

Debian's python3-torch is built with BLAS_INFO=generic: its float32 GEMMs (Linear, matmul) call the system OpenBLAS,
and `torch.set_num_threads(n)` does not reach OpenBLAS, which keeps its own default (every core). Measured on the
2-core development machine: a 500x3072 @ 3072x128 GEMM loop after set_num_threads(1) used 2.85 s of CPU in 1.42 s of
wall time. A "1 thread" PyTorch number was then a 2-thread one. `set_threads` sets both.
"""
import ctypes
import ctypes.util

import torch

_openblas = None
for _name in ("libopenblas.so.0", ctypes.util.find_library("openblas"), "libblas.so.3"):
    if not _name:
        continue
    try:
        _lib = ctypes.CDLL(_name)
        _lib.openblas_set_num_threads  # raises AttributeError when this BLAS is not OpenBLAS
        _openblas = _lib
        break
    except (OSError, AttributeError):
        continue


def set_threads(n):
    """torch.set_num_threads(n), and the same count for OpenBLAS when torch's process has it loaded."""
    torch.set_num_threads(n)
    if _openblas is not None:
        _openblas.openblas_set_num_threads(int(n))


def describe():
    """How the thread count is applied, for the benchmark's output."""
    if _openblas is None:
        return "torch.set_num_threads(n) (no OpenBLAS found in this process)"
    return "torch.set_num_threads(n) and openblas_set_num_threads(n)"
