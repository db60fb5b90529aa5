"""Invariants that must hold every week, for every parameter set the schema allows.

The property test draws a full parameter set from the schema itself (``model.params.PARAMS``):
every float in its declared [low, high], every int in [low, high], every bool and every choice,
``threshold`` either None or a float in its range, and ``mobile_share`` in
[0, 1 - retired_share] (the schema's one cross-parameter rule). Three parameters are held back
to keep each example cheap: ``n_residents`` is drawn from [2, 300] instead of [2, 5,000,000],
``steps`` (only run()'s default length; the test steps the model itself) and ``agent_objects``
("lazy": the Mesa objects do not take part in the dynamics) are fixed. The model is then stepped
WEEKS weeks with every invariant checked after construction and after every step:

* rung counts sum to the residents who can hold a rung (``state.adult``; children stay on rung 0
  and are not counted) and equal ``np.bincount`` of their rungs; rungs in 0..n_rungs-1;
* no NaN/inf in the state (``state.nonfinite()``) or in any numeric outcome;
* the pool: balance >= 0, the exact micro-unit ledger identity (``pool.balanced()``), and
  balance == total in - total out as floats (1e-9, or 1e-12 relative once the totals are so
  large that one float rounding of the totals exceeds 1e-9);
* points issued == points redeemed + points held (all zero when the incentive is off);
* red teams: members are valid residents, nobody is in two teams, ``state.team`` names the
  member's team, and nobody outside a team carries a team id;
* trust, capacity, public spirit, needs and retention within [0, 1].

A second, deterministic test runs the default model (2,000 residents, all six mechanisms) for
five years (260 weeks) with the same checks, for two seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import RedCycleModel
from model.demography import GROUPINGS
from model.params import MECHANISM_SWITCHES, PARAMS, Param

WEEKS = 40
N_RESIDENTS_MAX = 300
BURN_IN_MAX = 26  # the burn-in is the same weekly step; longer ones only cost time
FIXED = {"steps": PARAMS["steps"].default, "agent_objects": "lazy"}
UNIT_FIELDS = ("trust", "capacity", "public_spirit", "needs", "retention")


# ------------------------------------------------------------------------- strategies --------
def _strategy(p: Param) -> st.SearchStrategy:
    match p.kind:
        case "float":
            return st.floats(min_value=float(p.low), max_value=float(p.high), allow_nan=False, allow_infinity=False)
        case "float?":
            return st.none() | st.floats(
                min_value=float(p.low), max_value=float(p.high), allow_nan=False, allow_infinity=False
            )
        case "int":
            high = {"n_residents": N_RESIDENTS_MAX, "burn_in_weeks": BURN_IN_MAX}.get(p.name, int(p.high))
            return st.integers(min_value=int(p.low), max_value=high)
        case "bool":
            return st.booleans()
        case "choice":
            return st.sampled_from(p.choices)
        case other:
            raise AssertionError(f"unknown parameter kind {other!r} of {p.name}")


# drawn after the share they are bounded by (the schema's sum and order rules)
DEPENDENT = {"mobile_share": "retired_share", "migrant_share": "renter_share", "aged_60_plus_share": "aged_0_14_share"}
DRAWN = [name for name in PARAMS if name not in FIXED and name not in DEPENDENT and name != "aged_65_plus_share"]


@st.composite
def parameter_sets(draw) -> dict:
    params = {name: draw(_strategy(PARAMS[name]), label=name) for name in DRAWN}
    for name, other in DEPENDENT.items():
        high = min(PARAMS[name].high, 1.0 - params[other])
        params[name] = draw(st.floats(min_value=0.0, max_value=high, allow_nan=False), label=name)
    params["aged_65_plus_share"] = draw(
        st.floats(min_value=0.0, max_value=params["aged_60_plus_share"], allow_nan=False), label="aged_65_plus_share"
    )
    if params["n_rungs"] != 5:  # the schema allows fewer rungs only with every mechanism off
        params.update({name: False for name in MECHANISM_SWITCHES})
    params.update(FIXED)
    return params


# ------------------------------------------------------------------------- the checks --------
def check_invariants(m: RedCycleModel) -> None:
    s = m.state
    n = m.community.n
    n_rungs = m.p["n_rungs"]
    week = m.steps

    # rungs
    assert s.rung.min() >= 0 and s.rung.max() <= n_rungs - 1, f"week {week}: rung outside 0..{n_rungs - 1}"
    counts = m.rung_counts()
    assert len(counts) == n_rungs
    holders = int(np.count_nonzero(s.adult))
    assert not s.rung[~s.adult].any(), f"week {week}: a resident who cannot hold a rung stands on one"
    assert int(counts.sum()) == max(1, holders), f"week {week}: rung counts sum to {counts.sum()}, not {holders}"
    assert (
        holders == 0 or counts.tolist() == np.bincount(s.rung[s.adult].astype(np.intp), minlength=n_rungs).tolist()
    ), f"week {week}: rung_counts() {counts.tolist()} != bincount"

    # finiteness
    assert s.nonfinite() == [], f"week {week}: non-finite state {s.nonfinite()}"
    # a group's rung shares are NaN exactly when the group is empty, else they sum to 1
    empty = set()
    for field, keys in GROUPINGS.values() if m.p["record_groups"] else ():
        codes = s.party_category != 0 if field == "party_member" else getattr(s, field)
        sizes = np.bincount(codes.astype(np.intp), minlength=len(keys))
        shares = np.array([[m.outcomes[f"{g}_share_{r}"] for r in m.rung_names] for g in keys])
        assert (np.isnan(shares).all(axis=1) == (sizes == 0)).all(), f"week {week}: {field} shares vs group sizes"
        assert np.allclose(shares[sizes > 0].sum(axis=1), 1.0), f"week {week}: {field} shares do not sum to 1"
        empty |= {f"{g}_share_{r}" for g, size in zip(keys, sizes, strict=True) if size == 0 for r in m.rung_names}
    bad = {
        k: v
        for k, v in m.outcomes.items()
        if k not in empty and isinstance(v, int | float | np.integer | np.floating) and not math.isfinite(float(v))
    }
    assert not bad, f"week {week}: non-finite outcomes {bad}"

    # the pool ledger
    pool = m.pool
    assert pool.balance >= 0.0, f"week {week}: pool balance {pool.balance} < 0"
    assert pool.balanced(), f"week {week}: pool ledger identity broken"
    t_in, t_out = pool.total_in(), pool.total_out()
    assert math.isclose(pool.balance, t_in - t_out, rel_tol=1e-12, abs_tol=1e-9), (
        f"week {week}: balance {pool.balance} != in {t_in} - out {t_out}"
    )

    # points
    held = int(s.points.sum())
    inc = m.mechanisms.get("incentive")
    if inc is not None:
        assert inc.issued == inc.redeemed + held, (
            f"week {week}: points issued {inc.issued} != redeemed {inc.redeemed} + held {held}"
        )
        assert s.points.min() >= 0, f"week {week}: negative points"
    else:
        assert held == 0 and not s.points.any(), f"week {week}: points without the incentive"

    # red teams
    team_mech = m.mechanisms.get("team")
    seen: dict[int, int] = {}
    if team_mech is not None:
        for team in team_mech.teams:
            for i in team.members:
                assert isinstance(i, int | np.integer) and 0 <= i < n, (
                    f"week {week}: team {team.unique_id} has invalid member {i!r}"
                )
                assert i not in seen, f"week {week}: resident {i} in teams {seen[i]} and {team.unique_id}"
                seen[i] = team.unique_id
                assert s.team[i] == team.unique_id, (
                    f"week {week}: state.team[{i}] = {s.team[i]}, but it is a member of team {team.unique_id}"
                )
    orphans = np.flatnonzero(s.team >= 0)
    orphans = [int(i) for i in orphans if int(i) not in seen]
    assert not orphans, f"week {week}: residents {orphans[:5]} carry a team id but are in no team"

    # 0-1 quantities
    for name in UNIT_FIELDS:
        a = getattr(s, name)
        lo, hi = float(a.min()), float(a.max())
        assert 0.0 <= lo and hi <= 1.0, f"week {week}: {name} outside [0, 1]: min {lo!r}, max {hi!r}"


def run_checked(m: RedCycleModel, weeks: int) -> None:
    check_invariants(m)
    for _ in range(weeks):
        m.step()
        check_invariants(m)


# ------------------------------------------------------------------------- the tests ---------
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
@given(params=parameter_sets(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_invariants_hold_every_week_over_the_whole_schema(params, seed):
    m = RedCycleModel(rng=seed, **params)
    run_checked(m, WEEKS)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_invariants_hold_every_week_of_the_default_model_for_five_years(seed):
    m = RedCycleModel(rng=seed)
    assert len(m.mechanisms) == 6
    run_checked(m, 260)
    assert m.steps == 260


# ------------------------------------------------------------------------- regressions --------
# Cases the property test found (minimised), fixed in the model; kept so they stay fixed.


@pytest.mark.parametrize("points_per_week", [64, 128, 1000])
def test_regression_points_do_not_overflow(points_per_week):
    """Points were computed in int8 (state.rung's dtype) and wrapped from 64 a week."""
    m = RedCycleModel(n_residents=200, rng=1, agent_objects="lazy", points_per_week=points_per_week)
    run_checked(m, 3)


def test_regression_beta_of_subnormal_mean():
    """mean * kappa underflowed to 0 and Generator.beta(0, b) raised."""
    m = RedCycleModel(n_residents=2, rng=0, agent_objects="lazy", capacity_mean=5e-324, trait_concentration=0.1)
    run_checked(m, 1)


def test_regression_team_maturity_stays_within_one():
    """The maturity step could exceed 1 with a backbone leader, pushing maturity and what it
    drives (capacity, needs, retention) outside [0, 1]."""
    m = RedCycleModel(rng=1, agent_objects="lazy", maturity_rate=1.0, capacity_gain=1.0, org_role=1.0)
    run_checked(m, 104)


@pytest.mark.parametrize("k", range(1, 10))
def test_row_mean_is_numpy_mean_bit_for_bit(k):
    """model.state.row_mean replaces needs.mean(axis=1) on the hot path; it must give the same bits
    (the stored baseline depends on it): values of every scale, zeros, ones, tiny and huge rows."""
    from model.state import row_mean

    rng = np.random.default_rng(k)
    a = rng.random((5000, k)) * 10.0 ** rng.integers(-300, 300, size=(5000, 1))
    a[::7] = 0.0
    a[1::11] = 1.0
    a[2::13, 0] = 5e-324
    assert np.array_equal(row_mean(a), a.mean(axis=1))
    b = rng.random((3, k))
    before = b.copy()
    assert row_mean(b) is not b
    assert np.array_equal(b, before)  # never writes its argument
