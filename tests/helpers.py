"""Helpers shared by the rule tests."""

from __future__ import annotations

from model import RedCycleModel, load_scenario

EXACT = dict(rtol=1e-12, atol=1e-12)


def make(*on: str, n: int = 500, rng: int = 1, scenario: str = "baseline", under: dict | None = None,
         **params) -> RedCycleModel:
    """A model of the scenario with the named mechanisms switched on and the given overrides
    (``under``: defaults beneath the scenario's own values)."""
    p = {**(under or {}), **load_scenario(scenario)}
    p.update({f"{name}_on": True for name in on})
    p.update(n_residents=n, burn_in_weeks=0)  # unit tests start from the drawn state
    p.update(params)
    return RedCycleModel(**p, rng=rng)


def earlier(**params) -> dict:
    """The parameters of the model as its exact-rule tests were written for: every rule of
    docs/ODD.md 7.13 at its neutral value and the engine's hand-set values from before the
    calibration, under the given overrides. The equations those tests check are the ones of
    docs/ODD.md 7.1-7.10; the rules of 7.13 have their own tests (tests/test_rules.py)."""
    from experiments.calibration import START
    from model.params import RULES_NEUTRAL

    return {**START, **RULES_NEUTRAL, **params}


ISSUE_10_FIT = {"threshold_mean": 0.75, "threshold_sd": 1.0, "rung_step": 0.39, "decision_noise": 0.37, "slip_rate": 0.24,
                "slip_drive_weight": 5.1, "weight_social": 0.21, "weight_time": 1.1, "volunteer_hours": 10.0,
                "spirit_decay": 0.097}
"""The engine's values calibrated under issue 10, the defaults before issue 15 re-fitted them."""


def before_issue_15(**params) -> dict:
    """The parameters of the model as it was before issue 15: its calibrated engine (ISSUE_10_FIT) and
    every issue-15 rule at its neutral value (model.params.RULES_15_NEUTRAL), under the overrides.
    tests/test_baseline.py checks that it reproduces that model's stored final states bit for bit
    (tests/baseline/before_issue_15.json)."""
    from model.params import RULES_15_NEUTRAL

    return {**ISSUE_10_FIT, **RULES_15_NEUTRAL, **params}


def make_earlier(*on: str, **params) -> RedCycleModel:
    """``make`` on the earlier model (``earlier``), beneath the scenario's own values."""
    keep = {k: params.pop(k) for k in ("n", "rng", "scenario") if k in params}
    return make(*on, **keep, under=earlier(), **params)
