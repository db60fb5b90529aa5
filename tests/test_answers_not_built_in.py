"""No answer follows from a rule by construction (issue 15, point 3; docs/ODD.md 7.14).

Each question the essay poses gets a mechanism with a channel, a cost and a way to fail, so both
answers are reachable: for each, one setting where the essay's answer comes out and one where the
other does, paired over seeds. The settings are chosen to make the direction clear, not to be
realistic; docs/questions.md reports what the calibrated model says.

The runs use the hand-set engine (experiments.calibration.START) with every issue-15 rule on, so
the directions tested here are properties of the rules, not of one calibration.
"""

import numpy as np
import pytest

from experiments.calibration import START
from model import RedCycleModel, load_scenario

SEEDS = (1, 2, 3, 4)
N = 600
WEEKS = 156


def mean_outcomes(scenario: str, seeds=SEEDS, weeks: int = WEEKS, **over) -> dict[str, np.ndarray]:
    rows = []
    for seed in seeds:
        m = RedCycleModel(
            rng=seed, **{**load_scenario(scenario), **START, **over, "n_residents": N, "record_groups": False}
        ).run(weeks)
        rows.append(dict(m.outcomes))
    return {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]}


def paired(a: dict, b: dict, key: str) -> float:
    """Mean over seeds of a - b (the same seeds: common random numbers)."""
    return float(np.mean(a[key] - b[key]))


# ------------------------------------------------------------------ (c) empowerer or provider ----
SLOW_EMPOWERMENT = dict(
    maturity_rate=0.002,
    provider_team_cost=0.5,
    participatory_cost=3.0,
    participatory_delay=26,
    team_pull=1.0,
    teams_max_per_1000=8.0,
)


def test_a_provider_has_teams_of_its_own():
    """With org_role = 0 the provider runs appointed teams (it had none by rule before issue 15)."""
    m = RedCycleModel(rng=1, **{**load_scenario("provider_cycle"), **START, "n_residents": N}).run(WEEKS)
    assert m.outcomes["n_teams"] > 0 and m.outcomes["provider_run_teams"] == m.outcomes["n_teams"]
    earlier = RedCycleModel(
        rng=1, **{**load_scenario("provider_cycle"), **START, "n_residents": N, "provider_teams": False}
    ).run(WEEKS)
    assert earlier.outcomes["n_teams"] == 0


def test_c_either_strategy_can_lead():
    """The empowerer leads at the defaults; with slow, costly empowerment and cheap appointed teams the
    provider leads in participation."""
    lead = paired(mean_outcomes("red_microcycle"), mean_outcomes("provider_cycle"), "participation_index")
    assert lead > 0.005, f"empowerer minus provider at the defaults: {lead:+.4f}"
    lead = paired(
        mean_outcomes("red_microcycle", **SLOW_EMPOWERMENT),
        mean_outcomes("provider_cycle", **SLOW_EMPOWERMENT),
        "participation_index",
    )
    assert lead < -0.005, f"empowerer minus provider with slow empowerment: {lead:+.4f}"


# ------------------------------------------------------------------ (d) emergent or appointed ----
def test_d_backbone_credibility_is_what_residents_see():
    """A backbone's credibility is the service residents have seen it give (and its mandate), not its
    rung: a backbone that has served nothing yet is worth only its mandate."""
    m = RedCycleModel(
        rng=2,
        **{**load_scenario("red_microcycle"), **START, "n_residents": N, "backbone_mandate": 0.0, "burn_in_weeks": 0},
    )
    mech = m.mechanisms["backbone"]
    st = m.state
    st.backbone[:] = False
    who = np.flatnonzero(st.rung == 4)[:3]
    st.backbone[who] = True
    st.service_seen[who] = [0.0, 0.5, 1.0]
    assert mech._credibility()[who].tolist() == [0.0, 0.5, 1.0]


def test_d_either_kind_of_backbone_can_win_more_trust():
    """Found in shared action wins more trust where a backbone's credibility comes only from the
    service residents see it give (backbone_mandate 0; at the default 0.3 the two are within 0.003
    of each other since issue 18's continuous counts); when few residents reach the volunteering rung (a high bar) and the mandate carries
    weight, appointed backbones (always enough of them) win more."""
    no_mandate = dict(backbone_mandate=0.0)
    gap = paired(
        mean_outcomes("red_microcycle", **no_mandate), mean_outcomes("appointed_backbones", **no_mandate), "mean_trust"
    )
    assert gap > 0.002, f"emergent minus appointed trust without the mandate: {gap:+.4f}"
    scarce = dict(
        backbone_min_rung=4, backbone_mandate=0.8, threshold_mean=1.6, backbone_trust=1.0, backbone_share=0.05
    )
    gap = paired(
        mean_outcomes("red_microcycle", **scarce), mean_outcomes("appointed_backbones", **scarce), "mean_trust"
    )
    assert gap < -0.01, f"emergent minus appointed trust with scarce volunteers: {gap:+.4f}"


# ------------------------------------------------------------------ (e) incentives ---------------
def test_e_the_size_of_a_reward_has_a_sign_the_run_decides():
    """A bigger point value helps where the pool can honour it and crowding out is weak, and hurts
    where it cannot (credibility collapses) and payment crowds out public spirit."""
    rich = dict(seed_fund=40.0, reward_half_value=0.0002, points_crowding=0.0, incentive_pull=1.0)
    up = paired(
        mean_outcomes("red_microcycle", point_value=0.0001, **rich),
        mean_outcomes("red_microcycle", point_value=0.00002, **rich),
        "participation_index",
    )
    assert up > 0.005, f"a bigger reward in a rich pool: {up:+.4f}"
    down = paired(
        mean_outcomes("red_microcycle", point_value=0.0004),
        mean_outcomes("red_microcycle", point_value=0.00005),
        "participation_index",
    )
    assert down < -0.005, f"a bigger reward the pool cannot honour: {down:+.4f}"


def test_e_unfunded_removes_only_the_incentives_money():
    from model.params import DEFAULTS

    full, unfunded = ({**DEFAULTS, **load_scenario(s)} for s in ("red_microcycle", "unfunded_incentives"))
    assert {k for k in full if full[k] != unfunded[k]} == {"incentive_budget_share"}
    assert unfunded["incentive_budget_share"] == 0.0


def test_e_credibility_is_learnt_at_a_stated_rate():
    """Credibility moves a share credibility_learning of the way to the share last honoured."""
    m = RedCycleModel(
        rng=3,
        **{
            **load_scenario("unfunded_incentives"),
            **START,
            "n_residents": N,
            "credibility_learning": 0.2,
            "initial_credibility": 1.0,
        },
    )
    for _ in range(WEEKS):
        m.step()
        if m.mechanisms["incentive"].redeemed or m.state.points.sum() == 0:
            continue
    # nothing is ever honoured: after r redemptions credibility is 0.8^r exactly (not halved each time)
    cred = m.outcomes["incentive_credibility"]
    r = round(np.log(cred) / np.log(0.8))
    assert r >= 2 and cred == pytest.approx(0.8**r, rel=1e-12)


# ------------------------------------------------------------------ the convention ---------------
def test_the_dialogue_gain_changes_what_residents_do():
    """Before issue 15 `dialogue_gain` 0.5 and 2 gave bit-identical participation (it fed only a norm
    that bound no one); now it sets how strongly the dialogue binds its participants. The direction is
    the run's to decide (here, with the hand-set engine, a stronger bond ends lower)."""
    a = mean_outcomes("red_microcycle", seeds=(1, 2), dialogue_gain=0.5)
    b = mean_outcomes("red_microcycle", seeds=(1, 2), dialogue_gain=2.0)
    assert abs(paired(b, a, "participation_index")) > 0.002
    assert paired(b, a, "norm") > 0.01  # the outcome `norm`: the bond residents feel, on average


def test_the_convention_can_cost_more_than_it_gives():
    """The dialogue takes its participants' hours and the pool's money: when it takes much of both, the
    cycle with it does worse than without it."""
    costly = dict(dialogue_hours=20.0, dialogue_cost=5.0, dialogue_gain=0.05)
    loss = paired(
        mean_outcomes("red_microcycle", **costly),
        mean_outcomes("red_microcycle", convention_on=False, **costly),
        "participation_index",
    )
    assert loss < -0.002, f"with a costly convention minus without: {loss:+.4f}"
    gain = paired(
        mean_outcomes("red_microcycle"), mean_outcomes("red_microcycle", convention_on=False), "participation_index"
    )
    assert gain > 0.005


# ------------------------------------------------------------------ (g) withdrawal ---------------
def test_money_and_outreach_are_withdrawn_apart_and_together():
    from model.scenarios import read_scenario

    read = {name: read_scenario(name) for name in ("support_withdrawn", "money_withdrawn", "outreach_withdrawn")}
    changed = {name: set(r["events"][0]) - {"week"} for name, r in read.items()}
    assert changed["money_withdrawn"] == {"seed_fund", "venture_fund", "training_rate"}
    assert changed["outreach_withdrawn"] == {"three_downs"}
    assert changed["support_withdrawn"] == changed["money_withdrawn"] | changed["outreach_withdrawn"]
    assert {r["events"][0]["week"] for r in read.values()} == {157}
    # the same community and cycle until week 157
    assert (
        read["support_withdrawn"]["parameters"]
        == read["money_withdrawn"]["parameters"]
        == read["outreach_withdrawn"]["parameters"]
    )
