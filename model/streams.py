"""Random streams: one child generator per model part, spawned from the run's seed.

Each part (the graph, the initial state, the ladder, and each mechanism) draws only from its
own stream, keyed by the part's *name* rather than by the order in which parts are created, so
switching one part off, or adding a new one, leaves every other part's draws unchanged
(Starsim's practice; the opposite is Covasim issue #373). The key is a CRC-32 of the name, the
same in every process and on every machine (Python's ``hash`` is salted per process).
"""

from __future__ import annotations

import zlib
from typing import cast

import numpy as np

from .params import ParameterError

SEED_MAX = 2**63 - 1
"""Largest seed: seeds are stored as 64-bit signed integers in the results (parquet, CSV)."""


def resolve_seed(rng) -> int:
    """An integer seed from what a user passes as ``rng``: an int, None (fresh entropy) or a Generator."""
    match rng:
        case None:
            return cast(int, np.random.SeedSequence().entropy) % (SEED_MAX + 1)  # drawn entropy is an int
        case bool() | np.bool_():
            raise ParameterError(f"rng must be an integer seed, None or a numpy Generator, got {rng!r}")
        case int() | np.integer():
            return check_seed(int(rng))
        case np.random.Generator():
            return int(rng.integers(SEED_MAX + 1))
        case _:
            raise ParameterError(f"rng must be an integer seed, None or a numpy Generator, got {type(rng).__name__}")


def check_seed(seed: int, what: str = "the seed") -> int:
    """``seed`` if it is in [0, SEED_MAX], else a one-line ParameterError."""
    if not 0 <= seed <= SEED_MAX:
        raise ParameterError(f"{what} = {seed} is out of range; allowed: an integer in [0, {SEED_MAX}] (2^63 - 1)")
    return seed


def stream(seed: int, part: str) -> np.random.Generator:
    """The generator of one model part: ``SeedSequence(seed, spawn_key=(crc32(part),))``."""
    key = zlib.crc32(part.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))
