"""The questions of docs/questions.md, checked on fewer seeds and a smaller community.

Each statement is a 95% t interval over 5 paired seeds lying wholly on one side of zero (the
docs use 10 seeds and 2,000 residents). These tests can fail: a change to the rules that flips an
answer shows up here, and the docs must then say the new answer."""

import pytest

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
