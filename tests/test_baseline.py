"""Fresh runs reproduce the stored baseline exactly (tests/baseline/runs.py says how to rewrite it).

Every stored column, round and state hash must match bit for bit; a column or field the code adds
after the baseline was written is allowed (an addition changes no old result), a missing one is not.
"""

import math

import pandas as pd
import pytest

from model.mechanisms import names as mechanism_names
from tests.baseline import runs


@pytest.fixture(scope="module")
def fresh_and_stored():
    return runs.collect(), runs.read_stored()


def _same_frames(fresh: pd.DataFrame, stored: pd.DataFrame, what: str) -> None:
    missing = [c for c in stored.columns if c not in fresh.columns]
    assert not missing, f"{what}: columns gone since the baseline was written: {missing}"
    assert len(fresh) == len(stored), f"{what}: {len(fresh)} rows, baseline has {len(stored)}"
    for col in stored.columns:
        a, b = fresh[col].tolist(), stored[col].tolist()
        diffs = [
            i
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            if not (x == y or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)))
        ]
        if diffs:
            i = diffs[0]
            row = stored.iloc[i]
            where = f"run {row.get('run')} seed {row.get('seed')} row {i}"
            pytest.fail(f"{what}: '{col}' differs in {len(diffs)} rows; first at {where}: {a[i]!r} != {b[i]!r}")


def test_weekly_outcomes_match_the_baseline(fresh_and_stored):
    (series, _, _), (stored, _, _) = fresh_and_stored
    fresh = pd.read_csv(__import__("io").StringIO(runs.to_csv(series)))
    _same_frames(fresh, stored, "timeseries")


def test_rounds_match_the_baseline(fresh_and_stored):
    (_, rounds, _), (_, stored, _) = fresh_and_stored
    fresh = pd.read_csv(__import__("io").StringIO(runs.to_csv(rounds)))
    _same_frames(fresh, stored, "rounds")


def test_final_state_matches_the_baseline(fresh_and_stored):
    (_, _, final), (_, _, stored) = fresh_and_stored
    assert sorted(final) == sorted(stored)
    for run, expected in stored.items():
        got = final[run]
        for key, value in expected["final"].items():
            assert key in got["final"], f"{run}: outcome '{key}' gone"
            assert got["final"][key] == value, f"{run}: final '{key}' {got['final'][key]!r} != {value!r}"
        for field, digest in expected["state"].items():
            assert field in got["state"], f"{run}: state field '{field}' gone"
            assert got["state"][field] == digest, f"{run}: final state of '{field}' differs from the baseline"


def test_baseline_covers_each_mechanism_off_and_the_limits():
    assert {"red_microcycle", "status_quo", "baseline", "threshold_limit"} <= set(runs.RUNS)
    stored = {key.split("/")[0] for key in runs.read_stored()[2]}
    assert {f"no_{m}" for m in mechanism_names()} <= stored  # a newly registered mechanism: rewrite it
    assert len(runs.SEEDS) == 2


def test_the_model_before_issue_15_is_still_reachable():
    """tests.helpers.before_issue_15() (the issue-10 fit, the issue-15 rules neutral) reproduces the final
    states that model had, bit for bit (stored before issue 15 changed the defaults)."""
    import json

    from tests.helpers import before_issue_15

    stored = json.loads((runs.HERE / "before_issue_15.json").read_text())
    for key, expected in stored.items():
        label, seed = key.split("/")
        scenario, overrides = runs.RUNS[label]
        m = runs.RedCycleModel(
            **before_issue_15(**{**runs.load_scenario(scenario), **overrides}),
            n_residents=runs.N_RESIDENTS,
            steps=runs.STEPS,
            rng=int(seed),
        ).run()
        got = runs.state_hashes(m)
        assert all(got[f] == d for f, d in expected["state"].items()), key
