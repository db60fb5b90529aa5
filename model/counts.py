"""Counts that scale with the community, made whole without integer cliffs.

A count the model derives from the community's size or from a lever (co-building units, projects,
participatory projects, teams, backbones; the projects the money buys, a team's places, the points
each resident redeems) is a real number x; a community has whole teams. Rounding x (the rule
before issue 15) makes capacities jump: a 500-resident community had no co-building unit at all,
project places per 1,000 residents jumped 19% between 1,499 and 1,500 residents. With
``counts = "stochastic"`` x is made whole as floor(x + u), u uniform on [0, 1) from the calling
mechanism's own stream: x's floor, plus one more with the chance of x's fraction, so the expected
count is x exactly and every capacity per resident is continuous in the community's size
(tests/test_counts.py scans sizes for jumps), and every lever acting through a count acts without
steps (tests/test_levers.py). docs/ODD.md 7.14.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .parameters import Parameters


def whole(
    x, p: Parameters, u=None, rng: np.random.Generator | None = None, earlier: Callable = lambda x: int(round(x))
):
    """``x`` made whole: floor(x + u) under ``counts = "stochastic"`` (``u`` given, or drawn from
    ``rng``), else the site's earlier rule (``earlier``, by default round). ``x`` may be an array
    (one count per resident): then each is made whole with its own draw, an int64 array."""
    if p.counts == "rounded":
        return earlier(x)
    if np.ndim(x):
        x = np.asarray(x, dtype=float)
        if u is None:
            assert rng is not None, "whole(): give u or rng"
            u = rng.random(x.shape)
        return np.maximum(0, np.floor(x + u)).astype(np.int64)
    if u is None:
        assert rng is not None, "whole(): give u or rng"
        u = float(rng.random())
    return max(0, math.floor(x + u))


def unit_weights(x: float, p: Parameters) -> list[float]:
    """Weights of the co-building units of an expected count ``x``: whole units of weight 1 and, under
    ``counts = "stochastic"``, one more unit carrying the fraction (a 500-resident community has half a
    unit's worth of co-building); else round(x) whole units."""
    if p.counts == "rounded":
        return [1.0] * int(round(x))
    full = math.floor(x)
    frac = x - full
    return [1.0] * full + ([frac] if frac > 1e-12 else [])


COUNTS = ("units", "projects_wanted", "teams_possible", "teams_cap", "backbones")
"""The counts that scale with the community."""


def expected_count(kind: str, n: int, p: Parameters, org_capacity: float = 1.0, skill: float = 1.0) -> float:
    """The real-valued count of ``kind`` the mechanisms make whole, for a community of ``n`` residents:
    the one place these formulas live (the mechanisms call it; tests/test_counts.py scans it for
    cliffs). ``skill`` is the social workers' skill (teams they can start). Reads only the parameters
    of ``kind``."""
    match kind:
        case "units":
            return p.units_per_1000 * n / 1000.0
        case "projects_wanted":
            return n / p.project_served
        case "teams_possible":
            return skill * p.teams_per_1000 * n / 1000.0
        case "teams_cap":
            cap = p.teams_max_per_1000
            return cap * n / 1000.0 if cap is not None else float("inf")
        case "backbones":
            return p.backbone_share * n * org_capacity
        case other:
            raise ValueError(f"unknown count {other!r}; allowed: {', '.join(COUNTS)}")
