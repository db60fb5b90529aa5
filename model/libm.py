"""Elementwise power, exp, log and expm1 that give the same bits on every machine.

numpy picks its inner loops by the CPU it runs on: on a machine with AVX-512 its float64 ``power``,
``exp``, ``log`` and ``expm1`` are vectorised approximations that differ from the C library's in the
last bit of a few values in a hundred (measured here: 5% of ``x ** y`` on uniform inputs). A run
would then depend on the machine (docs/ODD.md 7.12: parameters and seed determine a run exactly,
on any machine). The model's few transcendental array operations go through these
functions instead: compiled loops that call the C library's ``pow``, ``exp``, ``log`` and
``expm1`` one value at a time, as numpy does on machines without those vector loops (numba
vectorises no call to them without Intel's SVML, which the project does not install; a test checks).
Scalars use Python's ``math``, which calls the same C library.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import njit


@njit
def _power(base, exponent, out):
    for i in range(out.shape[0]):
        out[i] = math.pow(base[i], exponent[i])


@njit
def _log(x, out):
    for i in range(out.shape[0]):
        out[i] = math.log(x[i]) if x[i] > 0.0 else (-math.inf if x[i] == 0.0 else math.nan)


def _flat(*arrays):
    shaped = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in arrays))
    return shaped[0].shape, [np.ascontiguousarray(a).ravel() for a in shaped]


def power(base, exponent) -> np.ndarray:
    """``base ** exponent`` elementwise (numpy's broadcasting), float64, C library ``pow``."""
    shape, (b, e) = _flat(base, exponent)
    out = np.empty(b.shape[0])
    _power(b, e, out)
    return out.reshape(shape)


def log(x) -> np.ndarray:
    """Natural logarithm elementwise, float64, C library ``log`` (0 gives -inf, a negative nan)."""
    shape, (v,) = _flat(x)
    out = np.empty(v.shape[0])
    _log(v, out)
    return out.reshape(shape)
