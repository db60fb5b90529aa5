"""Helpers shared by the rule tests."""

from __future__ import annotations

from model import RedCycleModel, load_scenario
from model.params import BEFORE_ISSUE_15, EARLIER

EXACT = dict(rtol=1e-12, atol=1e-12)


def make(
    *on: str, n: int = 500, rng: int = 1, scenario: str = "baseline", under: dict | None = None, **params
) -> RedCycleModel:
    """A model of the scenario with the named mechanisms switched on and the given overrides
    (``under``: defaults beneath the scenario's own values)."""
    p = {**(under or {}), **load_scenario(scenario)}
    p.update({f"{name}_on": True for name in on})
    p.update(n_residents=n, burn_in_weeks=0)  # unit tests start from the drawn state
    p.update(params)
    return RedCycleModel(**p, rng=rng)


def earlier(**params) -> dict:
    """The parameters of the model as its exact-rule tests were written for (``model.params.EARLIER``:
    every rule of docs/ODD.md 7.13 at its neutral value and the engine's hand-set values from before
    the calibration), under the given overrides. The equations those tests check are the ones of
    docs/ODD.md 7.1-7.10; the rules of 7.13 have their own tests (tests/test_rules.py)."""
    return {**EARLIER, **params}


def before_issue_15(**params) -> dict:
    """The parameters of the model as it was before issue 15 (``model.params.BEFORE_ISSUE_15``: the
    issue-10 fit, every issue-15 rule neutral), under the overrides. tests/test_baseline.py checks that
    it reproduces that model's stored final states bit for bit (tests/baseline/before_issue_15.json)."""
    return {**BEFORE_ISSUE_15, **params}


def make_earlier(*on: str, **params) -> RedCycleModel:
    """``make`` on the earlier model (``earlier``), beneath the scenario's own values."""
    keep = {k: params.pop(k) for k in ("n", "rng", "scenario") if k in params}
    return make(*on, **keep, under=earlier(), **params)
