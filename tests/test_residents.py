"""Residents as they are (issue 9): demography, the rules it drives, outcomes by group, community
types, the burn-in to a steady starting state, and communities read from a survey."""

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import PARAMS, RedCycleModel, ResidentsFileError, burnin, generate_community, load_scenario, read_residents
from model.demography import (
    AGE_GROUPS,
    EMPLOYED,
    HOUSEHOLD_TYPES,
    MIGRANT,
    OLD,
    OWNER,
    RENTER,
    RETIRED_WORK,
    TENURES,
    WORKING_AGE,
    YOUNG_OLD,
)
from model.graph import IN_SERVICE, MOBILE, RETIRED
from model.ladder import Rung
from model.scenarios import read_scenario
from model.streams import stream

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "residents_example.csv"
SEEDS = range(1, 6)


@pytest.fixture(scope="module")
def big():
    return RedCycleModel(n_residents=30_000, rng=11, burn_in_weeks=0, agent_objects="lazy")


# ---------------------------------------------------------------- 1. residents with a life -----
def test_demography_follows_the_census_shares(big):
    st, n = big.state, big.community.n
    age = np.bincount(st.age_group, minlength=4) / n
    assert abs(age[YOUNG_OLD] + age[OLD] - PARAMS["aged_60_plus_share"].default) < 0.01
    assert abs(age[OLD] - PARAMS["aged_65_plus_share"].default) < 0.015
    assert abs(age[0] - PARAMS["aged_0_14_share"].default) < 0.015
    assert abs(np.mean(st.tenure == MIGRANT) - PARAMS["migrant_share"].default) < 0.03
    assert abs(np.mean(st.tenure == RENTER) - PARAMS["renter_share"].default) < 0.03
    working = st.age_group == WORKING_AGE
    assert abs(np.mean(st.work_status[working] == EMPLOYED) - PARAMS["employment_rate"].default) < 0.05
    assert (st.work_status[st.age_group >= YOUNG_OLD] == RETIRED_WORK).all()  # retirement at 60
    assert (st.work_hours[st.work_status != EMPLOYED] == 0).all()
    assert abs(st.work_hours[st.work_status == EMPLOYED].mean() - PARAMS["work_hours_mean"].default) < 1.0
    # tenure is a household's; no household is headed by a child
    hh = pd.DataFrame({"h": st.household, "t": st.tenure, "a": st.age_group})
    assert (hh.groupby("h")["t"].nunique() == 1).all()
    assert (hh.groupby("h")["a"].first() != 0).all()


def test_household_types_follow_the_members_ages(big):
    st = big.state
    df = pd.DataFrame({"h": st.household, "old": st.age_group >= YOUNG_OLD, "type": st.household_type})
    g = df.groupby("h").agg(size=("old", "size"), old=("old", "sum"), type=("type", "first"))
    alone = HOUSEHOLD_TYPES.index("elderly_alone")
    assert ((g["type"] == alone) == ((g["size"] == 1) & (g["old"] == 1))).all()
    assert ((g["type"] == HOUSEHOLD_TYPES.index("elderly_only")) == ((g["size"] > 1) & (g["old"] == g["size"]))).all()
    assert (g["type"] == alone).mean() > 0.05  # elderly living alone exist in numbers


def test_party_members_keep_categories_consistent_with_their_age(big):
    st = big.state
    retired, in_service, mobile = (st.party_category == k for k in (RETIRED, IN_SERVICE, MOBILE))
    assert retired.sum() > 100 and in_service.sum() > 100 and mobile.sum() > 10
    assert (st.age_group[retired] >= YOUNG_OLD).all() and (st.work_status[retired] == RETIRED_WORK).all()
    assert (st.age_group[in_service] == WORKING_AGE).all() and (st.work_status[in_service] == EMPLOYED).all()
    assert (st.tenure[mobile] == MIGRANT).all() and (st.age_group[mobile] == WORKING_AGE).all()
    # the graph's draws are untouched: same members as the generator gives on the same stream
    c = generate_community(30_000, stream(11, "graph"))
    assert np.array_equal(c.party_category, st.party_category)


def test_demography_drives_time_needs_ties_and_trust(big):
    st, c = big.state, big.community
    retired = st.work_status == RETIRED_WORK
    employed = st.work_status == EMPLOYED
    idle = (st.age_group == WORKING_AGE) & ~employed & (st.party_category != MOBILE)
    assert st.time_budget[retired].mean() > 1.5 * st.time_budget[idle].mean() > 2 * st.time_budget[employed].mean()
    old = st.age_group == OLD
    assert st.need_growth[old, 0].mean() > 1.4 * st.need_growth[st.age_group == WORKING_AGE, 0].mean()
    alone = st.household_type == HOUSEHOLD_TYPES.index("elderly_alone")
    assert st.need_growth[alone & old, 0].mean() > st.need_growth[~alone & old, 0].mean()
    owner, migrant = st.tenure == OWNER, st.tenure == MIGRANT
    assert c.degree[migrant].mean() < 0.85 * c.degree[owner].mean()
    assert st.trust[migrant].mean() < 0.85 * st.trust[owner].mean()
    assert st.public_spirit[migrant].mean() < st.public_spirit[owner].mean()
    assert st.reach_probability[migrant].mean() < st.reach_probability[owner].mean()


def test_outcomes_are_recorded_by_group():
    m = RedCycleModel(n_residents=600, rng=2, steps=10, burn_in_weeks=0).run()
    df = m.datacollector.get_model_vars_dataframe()
    for groups in (AGE_GROUPS, TENURES, ("non_member", "party_member")):
        for g in groups:
            cols = [f"{g}_share_{r.key}" for r in Rung]
            assert np.allclose(df[cols].sum(axis=1), 1.0)
    st = m.state
    assert df["migrant_share_volunteering"].iloc[-1] == np.mean(st.rung[st.tenure == MIGRANT] == Rung.VOLUNTEERING)


# ---------------------------------------------------------------- 2. community types ------------
TYPES = ("old_neighbourhood", "commercial_estate", "resettlement_community", "mixed_migrant")


@pytest.mark.parametrize("name", TYPES)
def test_community_types_are_presets_with_sources(name):
    s = read_scenario(name)
    assert s["name"] == name and s["name_zh"] and s["description"] and s["question"]
    assert s["sources"] and all(isinstance(x, str) and len(x) > 20 for x in s["sources"])
    assert s["parameters"]["backbone_on"] is True  # the full cycle, on this community


def test_community_types_differ_as_described():
    def community(name):
        m = RedCycleModel(**load_scenario(name), n_residents=6000, rng=3, burn_in_weeks=0, agent_objects="lazy")
        st = m.state
        return dict(
            old=np.mean(st.age_group >= YOUNG_OLD),
            degree=m.community.degree.mean(),
            migrant=np.mean(st.tenure == MIGRANT),
            owner=np.mean(st.tenure == OWNER),
            working=np.mean(st.age_group == WORKING_AGE),
        )

    old, estate, resettled, mixed = (community(t) for t in TYPES)
    assert old["old"] > 0.25 > 0.15 > estate["old"]
    assert old["degree"] > 1.5 * estate["degree"]
    assert estate["owner"] > 0.7 and old["owner"] > 0.75
    assert mixed["migrant"] > 0.45 and resettled["migrant"] > 0.3 > estate["migrant"]
    assert mixed["working"] > old["working"]


def test_diversity_acts_through_the_tenure_mix():
    shares = []
    for d in (0.0, 1.0):
        st = RedCycleModel(n_residents=20_000, rng=4, diversity=d, burn_in_weeks=0, agent_objects="lazy").state
        shares.append(np.bincount(st.tenure, minlength=3) / st.n)
    assert shares[0][OWNER] > 0.55
    assert np.allclose(shares[1], 1 / 3, atol=0.03)  # an even mix of owners, renters and migrants


# ---------------------------------------------------------------- 3. a steady starting state -----
RUNGS = [f"share_{r.key}" for r in Rung]


def _drift(burn_in_weeks):
    """Largest change of a rung share between week 0 and weeks 27-52 of the status quo, mean of seeds."""
    drifts = []
    for seed in (1, 2, 3):
        m = RedCycleModel(**load_scenario("status_quo"), n_residents=2000, rng=seed, burn_in_weeks=burn_in_weeks)
        df = m.run(52).datacollector.get_model_vars_dataframe()
        drifts.append((df[RUNGS].iloc[27:].mean() - df[RUNGS].iloc[0]).to_numpy())
    return np.abs(np.mean(drifts, axis=0)).max()


def test_rung_shares_are_steady_by_week_0():
    """With the default burn-in, no rung share moves more than 2 points in the first year of the
    status quo; without it the drawn community drifts by more than 20 points (so the test can fail)."""
    assert _drift(PARAMS["burn_in_weeks"].default) < 0.02
    assert _drift(0) > 0.2


def test_every_scenario_starts_from_the_same_settled_community():
    burnin.clear_cache()
    states = [
        RedCycleModel(**load_scenario(s), n_residents=800, rng=5).state
        for s in ("red_microcycle", "status_quo", "baseline", "provider_cycle")
    ]
    for st in states[1:]:
        for name in burnin.CARRIED:
            assert np.array_equal(getattr(st, name), getattr(states[0], name)), name
    assert burnin.stats == {"hits": 3, "misses": 1}  # settled once, then cached
    fresh = RedCycleModel(n_residents=800, rng=5, burn_in_weeks=0).state
    assert not np.array_equal(fresh.rung, states[0].rung)
    assert (states[0].points == 0).all() and (states[0].place == 0).all()  # the organisation starts fresh


def test_cached_burn_in_equals_a_fresh_one():
    kw = dict(n_residents=500, rng=6, steps=30)
    burnin.clear_cache()
    a = RedCycleModel(**kw).run()
    b = RedCycleModel(**kw).run()  # from the cache
    burnin.clear_cache()
    c = RedCycleModel(**kw).run()
    assert burnin.stats["misses"] == 1
    for m in (b, c):
        assert a.datacollector.get_model_vars_dataframe().equals(m.datacollector.get_model_vars_dataframe())


def test_a_sweep_settles_each_community_once():
    """Configurations that differ in levers share the burn-in of their seed's community."""
    from experiments.replications import run_many

    burnin.clear_cache()
    levers = {
        "full": {"n_residents": 300},
        "provider": {"n_residents": 300, "org_role": 0.0, "resident_voice": 0.0},
        "no_team": {"n_residents": 300, "team_on": False},
    }
    run_many(levers, [1, 2], 5, processes=1)
    assert burnin.stats == {"misses": 2, "hits": 4}


def test_burn_in_volunteering_counts_as_past_year():
    m = RedCycleModel(**load_scenario("status_quo"), n_residents=2000, rng=7)
    st = m.state
    assert (st.last_volunteered <= 0).all()
    assert m.outcomes["volunteered_past_year"] >= m.outcomes["share_volunteering"]
    assert m.outcomes["volunteered_past_year"] == np.mean(st.last_volunteered[st.adult] > -52)  # a share of adults


# ---------------------------------------------------------------- 5. patterns --------------------
@pytest.fixture(scope="module")
def status_quo_residents():
    """The status quo after the burn-in: every seed's residents, pooled."""
    frames = []
    for seed in SEEDS:
        st = RedCycleModel(**load_scenario("status_quo"), n_residents=3000, rng=seed).state
        frames.append(
            pd.DataFrame(
                {
                    "upper": st.rung >= Rung.PUBLIC_AFFAIRS,
                    "retired": st.work_status == RETIRED_WORK,
                    "member": st.party_category > 0,
                    "tenure": st.tenure,
                    "household_type": st.household_type,
                    "elder_care": st.needs[:, 0],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_retirees_and_party_members_are_over_represented_on_the_upper_rungs(status_quo_residents):
    """Tolerance: their share on rungs 3-4 is at least 1.1 times the community's (5 seeds, 3,000 residents)."""
    df = status_quo_residents
    everyone = df["upper"].mean()
    assert df.loc[df["retired"], "upper"].mean() > 1.1 * everyone
    assert df.loc[df["member"], "upper"].mean() > 1.1 * everyone


def test_migrants_are_under_represented_on_the_upper_rungs(status_quo_residents):
    """Tolerance: their share on rungs 3-4 is at most 0.93 times the community's."""
    df = status_quo_residents
    assert df.loc[df["tenure"] == MIGRANT, "upper"].mean() < 0.93 * df["upper"].mean()


@pytest.mark.xfail(
    strict=True,
    reason="finding of the calibration (since issue 10, still at the search's best fit): "
    "renters' fewer ties barely hold them back; their share on rungs 3-4 is about 0.97 of the "
    "community's, not under 0.93 (migrants, with less time and trust, still are: about 0.91)",
)
def test_renters_are_under_represented_on_the_upper_rungs(status_quo_residents):
    """Tolerance: their share on rungs 3-4 is at most 0.93 times the community's."""
    df = status_quo_residents
    assert df.loc[df["tenure"] == RENTER, "upper"].mean() < 0.93 * df["upper"].mean()


def test_unmet_elder_care_need_is_highest_among_elderly_living_alone(status_quo_residents):
    """Tolerance: at least 0.02 above every other household type's mean."""
    means = status_quo_residents.groupby("household_type")["elder_care"].mean()
    alone = HOUSEHOLD_TYPES.index("elderly_alone")
    assert means[alone] > means.drop(alone).max() + 0.02


# ---------------------------------------------------------------- 4. a community from a survey ---
def test_the_example_survey_is_read_and_kept():
    survey = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)
    m = RedCycleModel(residents=EXAMPLE, rng=1)
    st = m.state
    assert m.community.n == len(survey)
    ages = survey["age_group"].map({"0-14": 0, "15-59": 1, "60-64": 2, "65+": 3}).to_numpy()
    assert np.array_equal(st.age_group, ages)
    assert np.array_equal(st.tenure, survey["tenure"].map(TENURES.index).to_numpy())
    assert np.array_equal(st.party_category > 0, (survey["party_member"] == "yes").to_numpy())
    given = survey["rung"] != ""
    assert not (given & (ages == 0)).any()  # the example gives no child a rung: children hold none (docs/ODD.md 4)
    assert np.array_equal(
        st.rung[given.to_numpy()], survey.loc[given, "rung"].astype(int).to_numpy()
    )  # after the burn-in
    assert not st.rung[ages == 0].any()
    ec = survey["need_elder_care"] != ""
    assert np.allclose(st.needs[ec.to_numpy(), 0], survey.loc[ec, "need_elder_care"].astype(float))
    # households from the file: members of one household are tied to each other
    rows = np.repeat(np.arange(m.community.n), m.community.degree)
    tied = set(zip(rows.tolist(), m.community.indices.tolist(), strict=True))
    for _, members in survey.groupby("household").groups.items():
        members = list(members)
        assert all((a, b) in tied for a in members for b in members if a != b)
    assert np.array_equal(st.household, pd.factorize(survey["household"].astype(int), sort=True)[0])
    assert any("need_medical_care" in note and "drawn from the defaults" in note for note in m.residents_notes)


def test_a_survey_without_ids_or_with_a_graph(tmp_path):
    import networkx as nx

    df = pd.DataFrame(
        {"age_group": ["65+", "15-59", "0-14", "65+"] * 25, "tenure": ["owner", "migrant", "", "renter"] * 25}
    )
    m = RedCycleModel(residents=df, rng=2, steps=5).run()
    assert m.community.n == 100 and (m.state.age_group[::4] == OLD).all()
    assert any("1 empty" not in n and "'tenure'" in n for n in m.residents_notes)
    g = nx.watts_strogatz_graph(100, 4, 0.1, seed=1)
    m = RedCycleModel(residents=df, graph=g, rng=2)
    assert m.community.n_ties == g.number_of_edges()  # a loaded graph keeps its ties
    with_ids = RedCycleModel(residents=df.assign(household=range(100)), graph=g, rng=2)
    assert any("household and building ids are not used with a graph" in n for n in with_ids.residents_notes)
    assert (with_ids.state.household == -1).all()  # the graph has no household attribute
    with pytest.raises(ResidentsFileError, match="has 100 residents but the graph has 99 nodes"):
        RedCycleModel(residents=df, graph=nx.path_graph(99), rng=2)


def test_household_rows_stand_for_their_members():
    """One row per household: the respondent's values, the household's tenure and ids for all."""
    df = pd.DataFrame(
        {
            "members": ["3", "1", "2", "", "4"],
            "tenure": ["migrant", "owner", "renter", "owner", "owner"],
            "age_group": ["15-59", "65+", "65+", "15-59", "15-59"],
            "party_member": ["yes", "", "no", "", "no"],
            "rung": ["4", "1", "", "0", "2"],
        }
    )
    survey = read_residents(df)
    assert survey.n == 11
    assert survey.household.tolist() == [0, 0, 0, 1, 2, 2, 3, 4, 4, 4, 4]
    assert survey.given["tenure"].tolist() == [2, 2, 2, 0, 1, 1, 0, 0, 0, 0, 0]
    assert survey.given["age_group"].tolist() == [1, -1, -1, 3, 3, -1, 1, 1, -1, -1, -1]  # respondents only
    assert any("3 household row(s) stand for 9 residents" in note for note in survey.notes)
    assert any("2 empty cell(s) in 'party_member'" in note for note in survey.notes)  # drawn, not an error
    m = RedCycleModel(residents=df, rng=1)
    st = m.state
    assert st.rung[0] == Rung.VOLUNTEERING and st.rung[6] == Rung.NOT_ENGAGED  # respondents' rungs kept
    assert st.party_category[0] == MOBILE  # a member without a category, a migrant: mobile
    assert (st.tenure[7:] == OWNER).all() and len(set(st.household[7:].tolist())) == 1
    rows = np.repeat(np.arange(m.community.n), m.community.degree)
    tied = set(zip(rows.tolist(), m.community.indices.tolist(), strict=True))
    assert all((a, b) in tied for a in range(7, 11) for b in range(7, 11) if a != b)  # a household is a clique


BAD = {
    "unknown column": (
        "age_group,colour\n65+,red\n15-59,blue\n",
        "unknown column 'colour'; allowed: members, household, building",
    ),
    "bad cell": (
        "age_group,tenure\n65+,owner\n15-59,owned\n",
        "row 2, column 'tenure': 'owned' is not allowed; allowed: owner, renter, migrant",
    ),
    "bad number": (
        "work,work_hours\nemployed,40\nemployed,90\n",
        "row 2, column 'work_hours': '90' is not allowed; allowed: a number in [0, 84]",
    ),
    "short row": ("age_group,tenure\n65+,owner\n15-59\n", "row 2: 1 cells, the header has 2"),
    "one row": ("age_group\n65+\n", "has 1 resident row(s); allowed: at least 2"),
    "empty": ("", "is empty"),
    "repeated column": ("tenure,tenure\nowner,owner\nowner,owner\n", "column 'tenure' twice"),
    "category without membership": (
        "party_member,party_category\nno,retired\nyes,\n",
        "row 1, column 'party_category': a category needs party_member = yes",
    ),
    "hours without work": (
        "work,work_hours\nretired,30\nemployed,40\n",
        "row 1, column 'work_hours': hours > 0 need work = employed",
    ),
    "rung": ("rung\n5\n1\n", "row 1, column 'rung': '5' is not allowed; allowed: 0-4 or not_engaged"),
    "members": (
        "members,tenure\n2,owner\n0,renter\n",
        "row 2, column 'members': '0' is not allowed; allowed: an integer in [1, 50]",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_survey_files_give_one_line_errors(case, tmp_path):
    text, message = BAD[case]
    path = tmp_path / "survey.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ResidentsFileError) as err:
        read_residents(path)
    assert "\n" not in str(err.value)
    assert message in str(err.value), str(err.value)


def test_not_found_and_not_utf8(tmp_path):
    with pytest.raises(ResidentsFileError, match="not found"):
        read_residents(tmp_path / "none.csv")
    bad = tmp_path / "latin.csv"
    bad.write_bytes("age_group\n65+\n\xe9\n".encode("latin-1"))
    with pytest.raises(ResidentsFileError, match="not UTF-8"):
        read_residents(bad)


def _cli(*args, cwd):
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_cli_reads_a_survey_and_says_what_it_drew(tmp_path):
    out = _cli("run", "--residents", str(EXAMPLE), "--steps", "8", "--out", "res", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "note: residents file" in out.stdout and "drawn from the defaults" in out.stdout
    assert "61 residents" in out.stdout
    assert len(pd.read_csv(tmp_path / "res" / "timeseries.csv")) == 9


@pytest.mark.slow
def test_cli_rejects_a_bad_survey_and_writes_nothing(tmp_path):
    """Hostile input against a sentinel tree: one line, exit 2, the tree unchanged byte for byte."""
    sentinel = tmp_path / "sentinel"
    (sentinel / "keep").mkdir(parents=True)
    (sentinel / "keep" / "data.txt").write_text("not the tool's\n", encoding="utf-8")
    before = tmp_path / "before"
    shutil.copytree(sentinel, before)
    bad = tmp_path / "bad.csv"
    bad.write_text("age_group,tenure\n65+,owner\n15-59,castle\n", encoding="utf-8")
    for args in (
        ("--residents", str(bad)),
        ("--residents", str(tmp_path / "missing.csv")),
        ("--residents", str(EXAMPLE), "--graph", str(ROOT / "tests" / "data" / "nothing.edgelist")),
    ):
        out = _cli("run", *args, "--steps", "2", "--out", str(sentinel / "results"), cwd=tmp_path)
        assert out.returncode == 2, out.stderr
        assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
        assert out.stderr.startswith("run.py: error: ")
    out = _cli("run", "--residents", str(bad), "--steps", "2", "--out", str(sentinel / "results"), cwd=tmp_path)
    assert "row 2, column 'tenure': 'castle' is not allowed; allowed: owner, renter, migrant" in out.stderr
    cmp = filecmp.dircmp(sentinel, before)
    assert not (cmp.left_only or cmp.right_only or cmp.diff_files)
    assert filecmp.cmp(sentinel / "keep" / "data.txt", before / "keep" / "data.txt", shallow=False)
    assert sorted(p.name for p in sentinel.rglob("*")) == ["data.txt", "keep"]


def test_docs_residents_command_runs(tmp_path):
    """The command shown in docs/residents.md, run from a scratch folder."""
    text = (ROOT / "docs" / "residents.md").read_text(encoding="utf-8")
    commands = [line.strip() for line in text.splitlines() if line.strip().startswith("uv run run.py")]
    assert commands
    for command in commands:
        args = command.split()[3:]
        args = [str(ROOT / a) if a.startswith("docs/") else a for a in args]
        out = _cli(*args, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
