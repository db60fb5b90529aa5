"""The questions under the calibration's uncertainty (experiments/uncertainty.py), at a tiny size:
the machinery, not the answers (docs/questions.md is generated at full size)."""

import numpy as np
import pandas as pd
import pytest

from experiments import questions as q
from experiments import uncertainty as u


@pytest.fixture(scope="module")
def posterior_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("posterior") / "posterior.csv"
    pd.DataFrame(
        {"set": [0, 1, 2], "weight": [0.2, 0.3, 0.5], "threshold_mean": [0.7, 0.8, 0.9], "slip_rate": [0.05, 0.08, 0.1]}
    ).to_csv(path, index=False)
    return path


def test_posterior_sets_are_read_by_weight_and_reproducibly(posterior_file):
    many = u.read_posterior(posterior_file, 2000)
    share = np.mean([s["threshold_mean"] == 0.9 for s in many])
    assert share == pytest.approx(0.5, abs=0.04)  # drawn by weight, with replacement
    assert {s["threshold_mean"] for s in many} == {0.7, 0.8, 0.9} and set(many[0]) == {"threshold_mean", "slip_rate"}
    two = u.read_posterior(posterior_file, 2, seed=3)
    assert len(two) == 2 and two == u.read_posterior(posterior_file, 2, seed=3)


@pytest.mark.slow
def test_every_question_is_answered_under_the_posterior(posterior_file):
    """Two sets, one seed each, 150 residents: every claim, the spiral and the lever audit come back
    with effects, intervals, the share of sets and a label; each set runs with its own seed."""
    r = u.answer_under_posterior(posterior_file, 2, 150, workers=2)
    assert r["spiral"]["verdict"] in ("spirals", "a lasting lift, not a spiral", "no lift", "depends on the set")
    assert len(r["claims"]) == len(u.CLAIMS) and len(r["levers"]) == len(q.LEVERS)
    for row in [*r["claims"], *r["levers"]]:
        assert row["low"] <= row["mean"] <= row["high"] and 0 <= row["holds"] <= 1 and row["n"] == 2
        assert row["label"] in ("holds", "does not hold", "depends on the set")
    text = u.report(
        r,
        None,
        {
            "command": "test",
            "sets": 2,
            "seeds_per_set": 1,
            "n_residents": 150,
            "grid_seeds": 0,
            "posterior": str(posterior_file),
            "seconds": 1.0,
        },
    )
    assert "## (a) Does the full cycle spiral upward?" in text and "(i) Which levers" in text
    # a posterior resting on few particles is said so, with its effective sample size and how many
    # distinct particles the sets are; a well-spread one is not
    meta = {"command": "test", "sets": 30, "seeds_per_set": 1, "n_residents": 150, "grid_seeds": 0}
    meta |= {"posterior": str(posterior_file), "seconds": 1.0, "ess": 1.2}
    assert "effective sample size 1.2), so the 30 sets drawn by weight are 4 distinct" in u.report(
        r, None, {**meta, "distinct": 4}
    )
    assert "Read the shares with care" not in u.report(r, None, {**meta, "distinct": 20})


def test_the_posteriors_effective_sample_size(posterior_file, tmp_path):
    assert u.posterior_ess(posterior_file) == pytest.approx(1 / (0.2**2 + 0.3**2 + 0.5**2))
    one = tmp_path / "one.csv"
    pd.DataFrame({"set": [0, 1], "weight": [1.0, 0.0], "slip_rate": [0.1, 0.2]}).to_csv(one, index=False)
    assert u.posterior_ess(one) == pytest.approx(1.0)


def test_labels_follow_the_share_of_sets():
    assert u.label(0.8) == "holds" and u.label(0.2) == "does not hold" and u.label(0.5) == "depends on the set"
    s = u.summarise(np.array([0.02, 0.03, -0.02, 0.05]))
    assert s["holds"] == 0.75 and s["p05"] < s["mean"] < s["p95"]


def test_the_grid_states_a_verdict_only_where_it_agrees():
    table = pd.DataFrame(
        {
            "500 residents": ["+0.020 [+0.015, +0.025] yes", "+0.001 [-0.004, +0.006] no effect"],
            "2,000 residents": ["+0.030 [+0.020, +0.040] yes", "+0.020 [+0.015, +0.025] yes"],
        },
        index=["(c) claim", "(d) claim"],
    )
    said = u.grid_agreement(table)
    assert said["(c) claim"] == "yes"
    assert said["(d) claim"].endswith("(no effect)") or said["(d) claim"].endswith("(yes)")
    assert "except" in said["(d) claim"]


def test_the_grid_has_sizes_round_lengths_and_community_types():
    cells = u.grid_cells()
    assert {n for n, _ in cells.values()} == {500, 2000, 5000}
    assert {over.get("round_weeks") for _, over in cells.values()} >= {13, 52}
    assert sum(1 for name in cells if name.replace(" ", "_") in u.COMMUNITY_TYPES) == 4
    assert all(
        "aged_0_14_share" in over or "households_per_building" in over or "round_weeks" in over or not over
        for _, over in cells.values()
    )
