"""Mechanisms are data (docs/extending.md, "Adding a mechanism"): a seventh mechanism, written here
and not in the package, is registered through the public API and runs in a community, by the steps
the recipe lists; scenarios say which mechanisms run by name, "all" or "none"."""

from __future__ import annotations

import numpy as np
import pytest

from app import text as txt
from model import RedCycleModel, load_scenario, mechanisms
from model import params as schema
from model.cycle import phase_starts
from model.ladder import Rung
from model.mechanisms.base import Mechanism
from model.params import ASSUMPTION, Param, ParameterError
from model.scenarios import ScenarioError

SIX = ("backbone", "project", "convention", "resource", "team", "incentive")


class NeighbourhoodTea(Mechanism):
    """A seventh mechanism, for this test: every week the organisation's outreach invites the
    residents it reaches who are not engaged to a neighbourhood tea (邻里茶话会), which pulls them
    towards the first rung. It reads and writes only registry fields and draws from its own stream."""

    OUTCOMES = ("tea_guests",)

    def __init__(self, model, rng):
        super().__init__(model, rng)
        self.guests = 0

    def act(self) -> None:
        st = self.model.state
        guests = self.reached(st.adult & (st.rung == Rung.NOT_ENGAGED))
        st.boost[guests] += self.p["tea_pull"]
        self.guests = int(guests.sum())

    def record(self, out: dict) -> None:
        out["tea_guests"] = self.guests


TEA_PULL = Param(
    "tea_pull",
    0.8,
    "float",
    "drive a neighbourhood tea adds to each guest",
    unit="drive",
    low=0.0,
    high=5.0,
    source=ASSUMPTION,
)


@pytest.fixture
def tea():
    """The recipe's one step beyond writing the class: register it (and unregister it afterwards,
    so that no other test sees a seventh mechanism)."""
    spec = mechanisms.register(
        "tea", NeighbourhoodTea, zh="邻里茶话会", en="neighbourhood teas", term="neighbourhood tea", params=[TEA_PULL]
    )
    yield spec
    mechanisms.unregister("tea")


def test_the_essay_six_are_registered_once_in_the_cycles_order():
    assert mechanisms.names() == SIX
    assert schema.MECHANISM_SWITCHES == tuple(f"{m}_on" for m in SIX)
    for s in mechanisms.specs():
        assert s.cls.name == s.name and s.params[0] == s.switch
        assert schema.PARAMS[s.switch].term_zh == f"{s.zh}机制" and schema.PARAMS[s.switch].group == s.name
        assert all(schema.PARAMS[p].group == s.name for p in s.params)
        assert [p.name for p in schema.PARAMS.values() if p.group == s.name] == list(s.params)


def test_a_seventh_mechanism_registered_from_outside_runs_and_acts(tea):
    assert mechanisms.names() == (*SIX, "tea") and tea.switch == "tea_on"
    assert schema.PARAMS["tea_pull"].group == "tea" and schema.DEFAULTS["tea_on"] is True
    assert schema.GROUPS[-2:] == ("tea", "run")
    assert len(phase_starts(28)) == 7  # the round now has seven phases
    with_tea = RedCycleModel(n_residents=400, steps=52, rng=5).run()
    without = RedCycleModel(n_residents=400, steps=52, rng=5, tea_on=False).run()
    assert list(with_tea.mechanisms) == [*SIX, "tea"] and "tea" not in without.mechanisms
    assert with_tea.mechanisms["tea"].phase.zh == "邻里茶话会"
    # the app names it and its parameter from the registry and the schema (no words of its own there)
    assert txt.param_label("tea_on", "zh") == "邻里茶话会" and txt.param_label("tea_pull", "en") == "tea pull"
    assert "tea" in txt.mechanisms()
    guests = with_tea.datacollector.get_model_vars_dataframe()["tea_guests"]
    assert guests.iloc[1:].min() > 0
    assert (without.datacollector.get_model_vars_dataframe()["tea_guests"] == 0).all()
    # it acts: fewer residents stay not engaged (6% against 11%), and participation is higher
    a, b = with_tea.final_outcomes(), without.final_outcomes()
    assert a["share_not_engaged"] < b["share_not_engaged"] - 0.02, (a["share_not_engaged"], b["share_not_engaged"])
    assert a["participation_index"] > b["participation_index"]
    # its pull is a parameter like any other; at 0 the run is the run without it, bit for bit: the
    # tea draws whom it reaches from its own stream and reshuffles no other part's draws
    no_pull = RedCycleModel(n_residents=400, steps=52, rng=5, tea_pull=0.0).run()
    assert all(
        np.array_equal(x, y)
        for x, y in zip(no_pull.state.arrays().values(), without.state.arrays().values(), strict=True)
    )


def test_scenarios_select_the_seventh_mechanism_by_name(tea, tmp_path):
    path = tmp_path / "tea_only.toml"
    path.write_text('[parameters]\nmechanisms = ["tea"]\n', encoding="utf-8")
    assert load_scenario(path) == {**{f"{m}_on": False for m in SIX}, "tea_on": True}
    assert load_scenario("red_microcycle")["tea_on"] is True  # "all": every registered mechanism
    assert load_scenario("status_quo")["tea_on"] is False  # the burn-in's ordinary life has no tea
    assert load_scenario("baseline")["tea_on"] is False
    m = RedCycleModel(**load_scenario(path), n_residents=200, steps=4, rng=1).run()
    assert list(m.mechanisms) == ["tea"]


def test_old_switches_and_the_selection_say_the_same():
    on = {f"{m}_on": True for m in SIX}
    assert load_scenario("red_microcycle") == {**on, "org_role": 0.8, "three_downs": 0.8, "resident_voice": 0.8}
    assert {k: v for k, v in load_scenario("status_quo").items() if k.endswith("_on")} == {
        **{k: False for k in on},
        "project_on": True,
    }
    assert mechanisms.switches_for("none") == {k: False for k in on}
    assert mechanisms.switches_for(["team", "team"]) == {**{k: False for k in on}, "team_on": True}
    event = load_scenario("policy_from_year2")["events"][0]
    assert {k: v for k, v in event.items() if k.endswith("_on")} == on


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('mechanisms = ["backbone", "tea"]', "unknown mechanism 'tea'"),
        ('mechanisms = "every"', "'mechanisms' = 'every' is not allowed"),
        ("mechanisms = true", "'mechanisms' = 'True' is not allowed"),
        ('mechanisms = "none"\nteam_on = true', "sets both 'mechanisms' and 'team_on'"),
    ],
)
def test_a_bad_selection_is_one_line(text, fragment, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(f"[parameters]\n{text}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert fragment in message and "\n" not in message and str(path) in message


def test_unregistering_leaves_the_schema_as_it_was():
    before = (
        dict(schema.PARAMS),
        dict(schema.DEFAULTS),
        schema.GROUPS,
        schema.MECHANISM_SWITCHES,
        schema.markdown_table(),
    )
    mechanisms.register("tea", NeighbourhoodTea, zh="邻里茶话会", en="neighbourhood teas", params=[TEA_PULL])
    assert schema.markdown_table() != before[-1] and "`tea_pull`" in schema.markdown_table()
    mechanisms.unregister("tea")
    after = (
        dict(schema.PARAMS),
        dict(schema.DEFAULTS),
        schema.GROUPS,
        schema.MECHANISM_SWITCHES,
        schema.markdown_table(),
    )
    assert after == before and list(after[0]) == list(before[0])


@pytest.mark.parametrize(
    ("name", "cls", "params", "fragment"),
    [
        ("team", NeighbourhoodTea, (), "'team' is already registered"),
        ("all", NeighbourhoodTea, (), "mechanism name 'all' is taken"),
        ("ladder", NeighbourhoodTea, (), "mechanism name 'ladder' is taken"),
        ("Tea party", NeighbourhoodTea, (), "is not allowed; allowed: lower-case letters"),
        ("tea", object, (), "is not a subclass of model.mechanisms.base.Mechanism"),
        (
            "tea",
            NeighbourhoodTea,
            (Param("slip_rate", 0.1, "float", "clash", low=0.0, high=1.0),),
            "parameter 'slip_rate' is already in the schema",
        ),
    ],
)
def test_a_refused_registration_is_one_line_and_changes_nothing(name, cls, params, fragment):
    before = (list(schema.PARAMS), mechanisms.names(), schema.GROUPS)
    with pytest.raises(ParameterError) as err:
        mechanisms.register(name, cls, zh="茶", en="teas", params=params)
    assert fragment in str(err.value) and "\n" not in str(err.value)
    assert (list(schema.PARAMS), mechanisms.names(), schema.GROUPS) == before


def test_the_state_registry_declares_its_fields_for_type_checkers():
    """ResidentState's class annotations (what mypy reads) name exactly the fields of FIELDS (what builds
    the arrays), each an array; a field added to one list and not the other fails here."""
    from model.state import FIELD_NAMES, FIELDS, ResidentState

    declared = {k: v for k, v in ResidentState.__annotations__.items() if k != "n"}
    assert list(declared) == list(FIELD_NAMES)
    assert set(declared.values()) == {"np.ndarray"}
    st = ResidentState(4)
    assert all(isinstance(getattr(st, f.name), np.ndarray) and getattr(st, f.name).dtype == f.dtype for f in FIELDS)
