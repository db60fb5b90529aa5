"""The action ladder rule: the vectorised step against the one-agent-at-a-time form, and the
parts of the rule one at a time."""

import networkx as nx
import numpy as np
import pytest

from agents import PartyMember, Resident
from model import DEFAULTS, RedCycleModel, load_scenario
from model.model import AgentLadderModel
from model.params import RULES_15_NEUTRAL

# the engine alone, from the drawn state, with the rules of docs/ODD.md 7.14 (adults only, commitment,
# lasting noise) neutral: these tests check the equations of 7.1-7.2 one part at a time; 7.14 has
# its own (tests/test_holding.py), and the docking test below runs everything at the defaults
ENGINE = {**RULES_15_NEUTRAL, **load_scenario("baseline"), "burn_in_weeks": 0}


def engine(**kw) -> RedCycleModel:
    return RedCycleModel(**{**ENGINE, **kw})


DETERMINISTIC = dict(decision_noise=0.0, slip_rate=0.0)


@pytest.mark.parametrize("scenario", ["red_microcycle", "baseline"])
def test_one_rule_mesa_agents_and_the_kernel_agree_at_the_defaults(scenario):
    """The rule is written once (model/rule.py): the compiled kernel (RedCycleModel) and the Mesa
    agents stepping one at a time (AgentLadderModel: Resident.step then advance) put every
    resident on the same rung every week, from the same draws, at the scenario's defaults with
    decision noise, slip and its drive term on (and, with the full cycle, every mechanism)."""
    kw = dict(load_scenario(scenario), n_residents=500, rng=4, agent_objects="eager")
    assert kw.get("decision_noise", DEFAULTS["decision_noise"]) > 0 and DEFAULTS["slip_rate"] > 0
    assert DEFAULTS["slip_drive_weight"] > 0 and "slip_rate" not in kw and "slip_drive_weight" not in kw
    fast, slow = RedCycleModel(**kw), AgentLadderModel(**kw)
    assert np.array_equal(fast.state.rung, slow.state.rung)
    climbs = slips = 0
    for _ in range(30):  # past the second round's launch (26 weeks a round)
        fast.step()
        slow.step()
        for name, values in fast.state.arrays().items():  # bit for bit, every field
            assert np.array_equal(values, getattr(slow.state, name)), f"week {fast.steps}: {name} differs"
        assert fast.outcomes == slow.outcomes
        climbs += fast.outcomes["climbs"]
        slips += fast.outcomes["slips"]
    assert climbs > 200 and slips > 200  # the comparison exercised real moves both ways


def test_the_agent_form_reads_this_weeks_draws_not_its_own():
    """The agents take the ladder's draws for the week: redrawing them changes who moves (so the
    docking above compares the rule, not two copies of one random sequence read the same way)."""
    kw = dict(n_residents=300, rng=2, agent_objects="eager", burn_in_weeks=0)
    m = AgentLadderModel(**kw)
    before = m.state.rung.copy()
    m.ladder.draw(m.state)
    for a in m.residents:
        a.step()
    planned = np.array([a._next_rung for a in m.residents])
    m.ladder.draws.uniform[:] = 0.0  # every engaged resident who does not climb now slips
    m.ladder.draws.noise[:] = -10.0  # and nobody climbs
    for a in m.residents:
        a.step()
    replanned = np.array([a._next_rung for a in m.residents])
    assert (planned != before).any()
    assert np.array_equal(replanned, np.maximum(before.astype(int) - 1, 0))


def test_at_most_one_rung_per_week_and_within_the_ladder():
    m = engine(n_residents=1000, rng=2, decision_noise=0.5, slip_rate=0.3)
    for _ in range(20):
        before = m.state.rung.astype(int)
        m.step()
        after = m.state.rung.astype(int)
        assert np.abs(after - before).max() <= 1
        assert after.min() >= 0 and after.max() <= 4
        assert m.rung_counts().sum() == 1000


def test_threshold_boundary_is_inclusive_and_rung_step_raises_the_bar():
    """drive >= threshold + rung_step * r climbs; just below does not."""
    g = nx.path_graph(3)  # 0 - 1 - 2
    base = dict(
        n_rungs=5,
        weight_social=1.0,
        weight_capacity=0,
        weight_spirit=0,
        weight_need=0,
        weight_time=0,
        initial_engagement=0.0,
        need_growth=0,
        self_help_efficacy=0,
        mutual_aid_efficacy=0,
        **DETERMINISTIC,
    )
    # node 1 has neighbours 0 and 2; put 0 on rung 2 and 1 on rung 1: social share for 1 is 1/2
    m = engine(graph=g, threshold=0.25, rung_step=0.25, rng=1, **base)
    m.state.rung[:] = [2, 1, 0]
    m.step()
    assert m.state.rung[1] == 2  # 0.5 >= 0.25 + 0.25 * 1
    m = engine(graph=g, threshold=0.25, rung_step=0.2500001, rng=1, **base)
    m.state.rung[:] = [2, 1, 0]
    m.step()
    assert m.state.rung[1] == 1


def test_isolated_resident_feels_no_social_influence():
    g = nx.Graph()
    g.add_nodes_from(range(3))
    g.add_edge(0, 1)
    m = engine(
        graph=g,
        n_rungs=2,
        weight_social=1,
        weight_capacity=0,
        weight_spirit=0,
        weight_need=0,
        weight_time=0,
        threshold=0.0001,
        initially_active=[0],
        rng=1,
        initial_engagement=0.0,
        **DETERMINISTIC,
    )
    m.run(5)
    assert m.state.rung.tolist() == [1, 1, 0]


def test_slip_rate_is_the_weekly_slip_probability():
    """With nothing able to climb, each engaged resident slips with probability slip_rate.
    Tolerance: 4 standard errors of a binomial proportion."""
    n, rate = 20_000, 0.2
    m = engine(
        n_residents=n,
        rng=9,
        threshold=9.0,
        decision_noise=0.0,
        slip_rate=rate,
        slip_drive_weight=0.0,
        initial_engagement=0.9,
        agent_objects="lazy",
    )
    engaged = int((m.state.rung > 0).sum())
    m.step()
    slips = m.outcomes["slips"]
    se = np.sqrt(rate * (1 - rate) / engaged)
    assert abs(slips / engaged - rate) < 4 * se
    assert m.outcomes["climbs"] == 0


def test_retention_removes_slip_risk():
    m = engine(n_residents=3000, rng=9, threshold=9.0, slip_rate=0.5, initial_engagement=0.9)
    m.ladder.mechanisms = True  # what a mechanism declares when it writes boost/retention
    m.state.retention[:] = 1.0
    m.step()
    assert m.outcomes["slips"] == 0


def test_boost_is_added_to_the_drive():
    """A mechanism's boost alone can lift residents: with all weights 0 only boost drives."""
    zero = dict(weight_social=0, weight_capacity=0, weight_spirit=0, weight_need=0, weight_time=0)
    m = engine(n_residents=500, rng=1, threshold=0.5, rung_step=0, initial_engagement=0.0, **zero, **DETERMINISTIC)
    m.step()
    assert m.outcomes["climbs"] == 0
    m.ladder.mechanisms = True
    m.state.boost[:250] = 0.5
    m.step()
    assert m.outcomes["climbs"] == 250 and (m.state.rung[:250] == 1).all()


def test_noise_makes_climbing_probabilistic_with_normal_cdf():
    """drive - bar = -0.1 for everyone; with noise sd 0.1 a share Phi(-1) ~ 0.159 climbs.
    Tolerance: 4 binomial standard errors."""
    zero = dict(weight_social=0, weight_capacity=0, weight_spirit=0, weight_need=0, weight_time=0)
    n = 20_000
    m = engine(
        n_residents=n,
        rng=3,
        threshold=0.1,
        rung_step=0,
        initial_engagement=0.0,
        decision_noise=0.1,
        slip_rate=0.0,
        agent_objects="lazy",
        **zero,
    )
    m.step()
    p = 0.15865525393145707
    assert abs(m.outcomes["climbs"] / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_needs_grow_and_are_met_by_self_help_and_mutual_aid():
    still = dict(threshold=9.0, slip_rate=0.0, decision_noise=0.0, n_residents=800)
    grow = engine(rng=1, need_growth=0.1, self_help_efficacy=0, mutual_aid_efficacy=0, **still)
    before = grow.state.needs.copy()
    grow.step()
    assert np.allclose(grow.state.needs, before + grow.state.need_growth * (1 - before))
    # 1 - (1 - g)^phi, phi the need factor: 1 for residents under 60, more for elder and medical care at 60+
    young = grow.state.age_group <= 1
    assert np.allclose(grow.state.need_growth[young], 0.1) and (grow.state.need_growth[~young, :2] > 0.1).all()
    assert np.allclose(grow.state.need_growth[:, 2:], 0.1)
    helped = engine(rng=1, need_growth=0.0, self_help_efficacy=0.5, mutual_aid_efficacy=0, **still)
    before = helped.state.needs.copy()
    helped.step()
    engaged = helped.state.rung >= 1
    expect = before * (1 - 0.5 * helped.state.capacity * engaged)[:, None]
    assert np.allclose(helped.state.needs, expect)
    assert (helped.state.needs[~engaged] == before[~engaged]).all()
    aided = engine(rng=1, need_growth=0.0, self_help_efficacy=0.0, mutual_aid_efficacy=0.5, **still)
    rung = aided.state.rung.copy()
    before = aided.state.needs.copy()
    aided.step()
    adj = aided.adjacency
    deg = np.diff(adj.indptr)
    share = np.divide(adj @ (rung >= 2).astype(float), deg, out=np.zeros(len(deg)), where=deg > 0)
    assert np.allclose(aided.state.needs, before * (1 - 0.5 * share)[:, None])


def test_agents_read_and_write_through_the_registry():
    m = engine(n_residents=300, rng=1)
    a = m.resident(17)
    assert isinstance(a, Resident) and a.index == 17 and a.cell is m.space[17]
    a.rung = 3
    assert m.state.rung[17] == 3
    m.state.capacity[17] = 0.125
    assert a.capacity == 0.125
    assert a.state()["rung"] == 3
    members = [r for r in m.residents if isinstance(r, PartyMember)]
    assert len(members) == int(m.community.party_member.sum()) == 21
    assert {r.category for r in members} <= {"in_service", "retired", "mobile"}
    assert all(r.branch >= 0 for r in members)
    # neighbours through Mesa's Network are the graph's neighbours
    assert sorted(x.index for x in a.neighbours()) == sorted(m.graph.neighbors(17))
    # organisations are Mesa agents too
    kinds = {o.kind for o in m.agents if hasattr(o, "kind")}
    assert kinds == {"party_organisation", "government"}


def test_lazy_agent_objects_are_built_on_first_use():
    m = engine(n_residents=300, rng=1, agent_objects="lazy")
    assert m._residents is None
    m.run(3)
    r = m.resident(5)
    assert r.rung == m.state.rung[5]
    assert len(m.space.all_cells) == 300


@pytest.mark.parametrize("n_rungs", [2, 3, 4, 5])
def test_every_ladder_length_runs_and_records_each_rung(n_rungs):
    m = engine(n_residents=300, rng=1, n_rungs=n_rungs).run(10)
    df = m.datacollector.get_model_vars_dataframe()
    shares = df[[c for c in df.columns if c.startswith("share_") and c != "share_engaged"]]
    assert shares.shape[1] == n_rungs
    assert np.allclose(shares.sum(axis=1), 1.0)
