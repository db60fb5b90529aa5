"""Random streams: one child generator per model part, spawned from the run's seed.

Each part (the graph, the initial state, the ladder, and each mechanism) draws only from its
own stream, keyed by the part's *name* rather than by the order in which parts are created, so
switching one part off, or adding a new one, leaves every other part's draws unchanged
(Starsim's practice; the opposite is Covasim issue #373). The key is a CRC-32 of the name, the
same in every process and on every machine (Python's ``hash`` is salted per process).
"""

from __future__ import annotations

import zlib

import numpy as np

PARTS: tuple[str, ...] = ("graph", "demography", "initial", "ladder")
"""The engine's parts. Mechanisms add their own names; the burn-in prefixes the dynamic ones with "burn_in/"."""


def resolve_seed(rng) -> int:
    """An integer seed from what a user passes as ``rng``: an int, None (fresh entropy) or a Generator."""
    match rng:
        case None:
            return int(np.random.SeedSequence().entropy % (2**63))
        case bool():
            raise ValueError(f"rng must be an integer seed, None or a numpy Generator, got {rng!r}")
        case int() | np.integer():
            if rng < 0:
                raise ValueError(f"rng (the seed) must be a non-negative integer, got {rng}")
            return int(rng)
        case np.random.Generator():
            return int(rng.integers(2**63))
        case _:
            raise ValueError(f"rng must be an integer seed, None or a numpy Generator, got {type(rng).__name__}")


def stream(seed: int, part: str) -> np.random.Generator:
    """The generator of one model part: ``SeedSequence(seed, spawn_key=(crc32(part),))``."""
    key = zlib.crc32(part.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))
