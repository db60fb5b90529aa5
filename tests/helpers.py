"""Helpers shared by the rule tests."""

from __future__ import annotations

from model import RedCycleModel, load_scenario

EXACT = dict(rtol=1e-12, atol=1e-12)


def make(*on: str, n: int = 500, rng: int = 1, scenario: str = "baseline", **params) -> RedCycleModel:
    """A model of the scenario with the named mechanisms switched on and the given overrides."""
    p = load_scenario(scenario)
    p.update({f"{name}_on": True for name in on})
    p.update(n_residents=n, burn_in_weeks=0)  # unit tests start from the drawn state
    p.update(params)
    return RedCycleModel(**p, rng=rng)
