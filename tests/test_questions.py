"""The questions of docs/questions.md, checked on fewer seeds and a smaller community.

Each statement is a 95% t interval over 5 paired seeds lying wholly on one side of zero (the
docs use 10 seeds and 2,000 residents). These tests can fail: a change to the rules that flips an
answer shows up here, and the docs must then say the new answer."""

import numpy as np
import pytest

from model import RedCycleModel, load_scenario
from experiments.calibration import TARGET
from experiments.questions import ablation, backbones, incentives, roles, spiral

SEEDS = range(1, 6)
N = 1200


@pytest.mark.slow
def test_a_full_cycle_spirals_upward_over_the_first_rounds():
    r = spiral(SEEDS, n_residents=N, rounds=4, processes=2)
    assert r["answer"] == "yes", r["detail"]
    rounds = r["raw"]
    full = rounds[rounds["config"] == "red_microcycle"]
    assert full.groupby("round")["spiral_up"].mean().min() == 1.0  # every seed, every round
    base = rounds[(rounds["config"] == "baseline") & (rounds["round"] >= 2)]
    assert base["gain_participation_index"].mean() < 0.01  # the engine alone does not keep rising


@pytest.mark.slow
def test_b_removing_any_one_mechanism_lowers_long_run_participation():
    r = ablation(SEEDS, n_residents=N, processes=2)
    assert r["answer"] == "yes", r["detail"]
    table = r["table"].set_index("configuration")
    assert (table.loc[[c for c in table.index if c.startswith("without")], "lowers it?"] == "yes").all()


@pytest.mark.slow
def test_c_empowering_organisation_beats_provider_in_the_long_run():
    r = roles(SEEDS, n_residents=N, processes=2)
    assert r["answer"] == "yes", r["detail"]


@pytest.mark.slow
def test_d_emergent_backbones_win_more_trust_than_appointed():
    r = backbones(SEEDS, n_residents=N, processes=2)
    assert r["answer"] == "yes", r["detail"]


@pytest.mark.slow
def test_e_incentives_without_resource_supply_do_not_last():
    r = incentives(SEEDS, n_residents=N, processes=2)
    assert r["answer"] == "yes", r["detail"]
    s = r["raw"]
    unfunded = s[s["config"] == "unfunded"]
    assert unfunded.groupby("week")["pool_balance"].max().max() == 0.0  # nothing ever paid in


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 9 (residents with age, work, tenure; the burn-in) moved the full "
                   "cycle to about 21% volunteered in the past year; issue 10 recalibrates incentive_pull, and this "
                   "test then passes again (strict: an unexpected pass fails, so the marker must go)")
def test_calibrated_default_volunteering_is_on_target():
    """Pattern 2: about 30% volunteered in the past year after three years of the full cycle
    (tolerance: within 0.05 of the target, mean of 5 seeds at 2,000 residents)."""
    full = [RedCycleModel(rng=s, **load_scenario("red_microcycle")).run(156).outcomes["volunteered_past_year"]
            for s in SEEDS]
    assert abs(np.mean(full) - TARGET) < 0.05


@pytest.mark.slow
def test_status_quo_keeps_the_lower_rungs_fuller():
    """Pattern 1: in the status quo the shares on rungs 1..4 decrease."""
    shares = np.mean([RedCycleModel(rng=s, **load_scenario("status_quo")).run(156).rung_counts() / 2000
                      for s in SEEDS], axis=0)
    assert (np.diff(shares[1:]) < 0).all(), shares
    assert shares[4] < 0.1
