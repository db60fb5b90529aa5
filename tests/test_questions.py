"""The questions of docs/questions.md, checked on fewer seeds and a smaller community.

The docs use 10 seeds and 2,000 residents; here every configuration runs once for ten years on
5 seeds and 800 residents (one shared set of runs), and each test checks the part of an answer
that is decisive at that size. These tests can fail: a change to the rules that flips an answer
shows up here, and the docs must then say the new answer. Each claim test has its control beside
it: the loop-cut twin for the spiral, the ablated model for a mechanism, the provider for the
empowerer, the continued cycle for withdrawal."""

import pytest

from experiments.questions import (
    HORIZONS,
    LATE_ROUNDS,
    LEVERS,
    QUESTIONS,
    TOL,
    config_table,
    growth,
    lead_by_round,
    lever_label,
    lever_verdict,
    levers,
    run_configs,
    verdict,
    window,
)
from experiments.replications import paired_difference
from model import load_scenario
from model.mechanisms import names as mechanism_names

SEEDS = range(1, 6)
N = 800
AUDITED = ("org_role", "dialogue_gain", "survey_method")  # of the lever audit (i): two that move, one that does not


@pytest.fixture(scope="module")
def runs():
    labels = [label for key, q in QUESTIONS.items() if key != "i" for label in q.labels]
    labels += [lever_label(name, v) for name in AUDITED for v in LEVERS[name]]
    return run_configs(labels, SEEDS, N, processes=2)


def answer(runs, key):
    return QUESTIONS[key](*runs)


def diff(runs, a, b, outcome="participation_index", horizon="10 years"):
    return paired_difference(window(runs[0], outcome, HORIZONS[horizon]), a, b)


@pytest.mark.slow
def test_a_the_lead_over_the_loop_cut_twin_lasts_and_grows_slowly(runs):
    """At the issue-15 defaults (rungs held for months) the feedback keeps the full cycle above its
    twin for ten years and the lead keeps growing after round 6 (at the issue-10 fit it grew by less
    than 0.025 from round 6 to 20: the late growth comes with the slower turnover). On 5 seeds of 800
    residents: +0.046 [+0.023, ...] from round 6 to round 20. The spiral criterion itself (over
    posterior sets) is docs/ODD.md 7.14's, asked by experiments/uncertainty.py."""
    lead = lead_by_round(runs[1])
    assert diff(runs, "full", "loop-cut twin")["low"] > 0
    assert growth(lead, 2, 20)["low"] > 0
    assert growth(lead, *LATE_ROUNDS)["low"] > 0
    r = answer(runs, "a")
    assert len(r["table"]) == 6  # the twin and each of the five loops cut alone


@pytest.mark.slow
def test_b_ablations_with_the_budget_held(runs):
    """The convention and the resources carry participation at ten years, and the red
    teams cost more than they give (removing them, budget held, raises it: a mechanism that can hurt);
    the table has every mechanism with the budget held, the funded two without their money, and each
    defunded."""
    for m in ("convention", "resource"):
        assert verdict(diff(runs, "full", f"without {m}")) == "yes", m
    assert verdict(diff(runs, "full", "without team")) == "reverse"
    r = answer(runs, "b")
    assert len(r["table"]) == 6 + 2 + 6


@pytest.mark.slow
def test_c_empowerer_against_provider(runs):
    assert verdict(diff(runs, "full", "provider")) == "yes"


@pytest.mark.slow
def test_e_points_without_supply_lose_their_credibility(runs):
    s = runs[0]
    unfunded = s[s["config"] == "unfunded"]
    assert unfunded["pool_balance"].max() > 0.0  # only the incentive's money is withdrawn (issue 15)
    cred = window(s, "incentive_credibility", HORIZONS["10 years"])
    assert (cred["unfunded"] < 0.05).all() and (cred["full"] > cred["unfunded"]).all()


@pytest.mark.slow
def test_g_participation_falls_once_support_is_withdrawn(runs):
    assert verdict(diff(runs, "full", "support withdrawn")) == "yes"
    s = runs[0]
    w = {h: window(s, "participation_index", week)["support withdrawn"] for h, week in HORIZONS.items()}
    assert (w["10 years"] < w["3 years"]).mean() >= 0.8  # it falls back after week 157


@pytest.mark.slow
def test_i_the_lever_audit_names_the_idle_levers(runs):
    """The empowering role moves participation, and so does the dialogue's pace (issue 15: it sets how
    strongly a dialogue binds those who took part; at the issue-10 fit it fed only a norm that bound no
    one and the audit named it idle); the survey method moves it by less than the tolerance. Each would
    fail if the rules changed."""
    r = levers(*runs, names=AUDITED)
    assert r["verdicts"] == {"moving": ["org_role", "dialogue_gain"], "idle": []}
    assert list(r["table"]["lever"]) == list(AUDITED)
    assert r["answer"].startswith("2 of 3 levers")


def test_each_registered_mechanism_is_ablated_and_defunded_with_no_file_of_its_own():
    """The questions read the mechanisms from their registry; "defund X" is made in code, and for the
    essay's six it is exactly the scenario file users run (scenarios/defund_X.toml)."""
    table = config_table()
    for m in mechanism_names():
        assert table[f"without {m}"][f"{m}_on"] is False
        assert table[f"defund {m}"] == load_scenario(f"defund_{m}")


def test_lever_verdicts_are_two_sided():
    assert lever_verdict({"low": 0.02, "high": 0.05}) == "raises"
    assert lever_verdict({"low": -0.05, "high": -0.02}) == "lowers"
    assert lever_verdict({"low": -0.005, "high": 0.005}) == "no effect"
    assert lever_verdict({"low": 0.001, "high": 0.02}) == "raises a little"
    assert lever_verdict({"low": -0.02, "high": -0.001}) == "lowers a little"
    assert lever_verdict({"low": -0.05, "high": 0.05}) == "unclear"
    assert set(LEVERS) >= {
        "org_role",
        "three_downs",
        "resident_voice",
        "diversity",
        "renewal_bar",
        "willingness_min",
        "weight_need",
        "survey_method",
    }


@pytest.mark.slow
def test_every_question_answers(runs):
    for key in QUESTIONS:
        if key == "i":
            continue  # the audit needs every lever's runs; test_i checks it on two
        r = answer(runs, key)
        assert r["answer"] in (
            "yes",
            "no",
            "no: a lasting lift, not a spiral",
            "depends on the horizon",
            "for the first years, then it levels off",
            "barely: a lasting lift that grows slowly",
            "for some mechanisms",
            "depends",
        ), key
        assert not r["table"].empty


def test_verdicts_read_the_interval_against_the_tolerance():
    assert verdict({"low": 0.02, "high": 0.05}) == "yes"
    assert verdict({"low": 0.001, "high": 0.05}) == "small"
    assert verdict({"low": -0.005, "high": 0.005}) == "no effect"
    assert verdict({"low": -0.05, "high": -0.02}) == "reverse"
    assert verdict({"low": -0.05, "high": 0.05}) == "unclear"
    assert verdict({"low": -0.05, "high": -0.02}, claim=-1) == "yes"
    assert TOL == 0.01
