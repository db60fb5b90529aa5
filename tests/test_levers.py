"""Levers without steps (issue 18, point 10): every continuous lever moves the participation index
at (nearly) every one of six evenly spaced values at 2,000 residents, with common random numbers.

A lever that reaches the model through round() or int() of a share of a small count (the
participatory projects, new teams, the projects the money buys, the points each resident redeems,
a team's places) turns into a staircase: the index stays put between the steps. Those counts are
made whole by ``model.counts.whole`` (⌊x + u⌋ on the mechanism's stream, expected value x), so the
index moves with the lever; the rule before issue 15 at 500 residents shows the staircase the
check catches (docs/ODD.md 7.14).
"""

import numpy as np
import pytest

from model import simulate
from model.params import BEFORE_ISSUE_15, PARAMS

N_RESIDENTS = 2000
STEPS = 156  # the default three years, six rounds of the cycle
SEEDS = (1, 2)  # the same seeds at every value: common random numbers
POINTS = 6
MONEY_AND_SHARES = (
    "seed_fund",
    "venture_fund",
    "project_cost",
    "point_value",
    "project_budget_share",
    "incentive_budget_share",
    "training_share",
    "backbone_share",
)
"""The funds, prices and shares a policy sets, besides the strategy levers."""
CONTINUOUS_LEVERS = (
    tuple(p.name for p in PARAMS.values() if p.group == "strategy" and p.kind == "float") + MONEY_AND_SHARES
)
MONOTONE = ("org_role", "three_downs", "mechanism_trust_weight", "seed_fund", "backbone_share")
"""Levers whose effect is far beyond the seeds' noise: the index moves one way all along (mean over SEEDS)."""


def span(name: str) -> tuple[float, float]:
    """The lever's range, or from its lowest value to twice its default when the range is open-ended
    (money: 1,000 units a year saturates everything)."""
    p = PARAMS[name]
    return (p.low, p.high) if p.high <= 1.0 else (p.low, 2.0 * p.default)


def index_along(name: str, base: dict | None = None, n: int = N_RESIDENTS) -> np.ndarray:
    """The participation index at week STEPS at POINTS evenly spaced values, one row per seed."""
    return np.array(
        [
            [
                simulate({**(base or {}), name: float(v), "n_residents": n}, seed=s, steps=STEPS)["participation_index"]
                for v in np.linspace(*span(name), POINTS)
            ]
            for s in SEEDS
        ]
    )


def moves(index: np.ndarray) -> int:
    """Between how many neighbouring values of the lever the index changes (of POINTS - 1)."""
    return int(np.count_nonzero(np.diff(index)))


def strictly_monotone(index: np.ndarray) -> bool:
    d = np.diff(index)
    return bool((d > 0).all() or (d < 0).all())


def without_steps(index: np.ndarray) -> bool:
    """Strictly monotone, or the index changes at 5 of the 6 values (one tie allowed: the index is
    a ratio of whole numbers, two runs can meet by chance)."""
    return strictly_monotone(index) or moves(index) >= POINTS - 2


@pytest.mark.slow
@pytest.mark.parametrize("name", CONTINUOUS_LEVERS)
def test_a_continuous_lever_moves_the_index_at_every_value(name):
    """Each seed's run of the index along the lever has no steps (a staircase shows in one seed's
    runs, which share every random number; a mean over seeds would blur it)."""
    index = index_along(name)
    for seed, row in zip(SEEDS, index, strict=True):
        assert without_steps(row), f"{name} over {span(name)}, seed {seed}: index {np.round(row, 5).tolist()} has steps"
    if name in MONOTONE:
        mean = index.mean(axis=0)
        assert strictly_monotone(mean), f"{name}: mean index {np.round(mean, 5).tolist()} is not monotone"


def test_the_check_catches_the_staircase_of_the_rule_before_issue_15():
    """The check can fail: before issue 15 (round of a share of a small count), at 500 residents,
    org_role leaves the index flat between neighbouring values."""
    index = index_along("org_role", BEFORE_ISSUE_15, n=500)
    assert not all(without_steps(row) for row in index), np.round(index, 5).tolist()
