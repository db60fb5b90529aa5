"""The compiled weekly kernel (model/rule.py): the same code without numba, its cache folder, and
the names it gives rungs. That the kernel and the Mesa agents apply one rule is tests/test_ladder.py;
that it reproduces the earlier results bit for bit is tests/test_baseline.py."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numba
import numpy as np
import pytest

from model import RedCycleModel, jit, rule
from model.ladder import Rung

ROOT = Path(__file__).resolve().parent.parent

SMALL_CASE = """
import json, sys
from model import RedCycleModel
from model import rule
from tests.baseline.runs import state_hashes
m = RedCycleModel(n_residents=150, rng=3, burn_in_weeks=6, steps=10).run()
print(json.dumps({"kernel": type(rule.ladder_week).__name__, "state": state_hashes(m),
                  "outcomes": m.final_outcomes()}))
"""


def run_small_case(**env) -> dict:
    """SMALL_CASE in a fresh interpreter with ``env`` added to (None: removed from) the environment."""
    full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    out = subprocess.run(
        [sys.executable, "-c", SMALL_CASE], cwd=ROOT, env=full, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_numba_disable_jit_runs_the_same_code_as_plain_python():
    """NUMBA_DISABLE_JIT=1 (for debugging: breakpoints and prints work in the kernel) runs the very
    same functions as plain Python, and the results are the same bit for bit."""
    from tests.baseline.runs import state_hashes

    plain = run_small_case(NUMBA_DISABLE_JIT="1")
    m = RedCycleModel(n_residents=150, rng=3, burn_in_weeks=6, steps=10).run()
    assert isinstance(rule.ladder_week, numba.core.registry.CPUDispatcher)
    assert plain["kernel"] == "function"  # really not compiled
    assert plain["state"] == state_hashes(m)
    assert plain["outcomes"] == json.loads(json.dumps(m.final_outcomes()))
    assert m.final_outcomes()["climbs"] + m.final_outcomes()["slips"] > 0


def test_compiled_code_is_cached_in_a_folder_the_project_controls(tmp_path):
    """Without NUMBA_CACHE_DIR the cache goes to $XDG_CACHE_HOME/redcycle/numba, never beside the
    source; a second process loads it (the same results)."""
    xdg = tmp_path / "xdg"
    beside = {p for p in (ROOT / "model").rglob("*.nbi")}
    first = run_small_case(NUMBA_CACHE_DIR=None, NUMBA_DISABLE_JIT=None, XDG_CACHE_HOME=str(xdg))
    cached = sorted(p.name for p in (xdg / "redcycle" / "numba").rglob("*.nbi"))
    assert any(name.startswith("rule.week_kernel.locals.ladder_week") for name in cached), cached
    assert {p for p in (ROOT / "model").rglob("*.nbi")} == beside  # nothing written beside the code
    assert first["kernel"] == "CPUDispatcher"
    again = run_small_case(NUMBA_CACHE_DIR=None, NUMBA_DISABLE_JIT=None, XDG_CACHE_HOME=str(xdg))
    assert again == first


def test_numba_cache_dir_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert jit.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert jit.cache_dir() == tmp_path / "xdg" / "redcycle" / "numba"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert jit.cache_dir() == Path.home() / ".cache" / "redcycle" / "numba"
    # this process (tests/conftest.py chose the folder) compiles into the folder numba was given
    assert numba.config.CACHE_DIR == os.environ.get("NUMBA_CACHE_DIR", numba.config.CACHE_DIR) != ""


def test_a_cache_folder_that_cannot_be_written_falls_back_to_the_temporary_folder(monkeypatch, tmp_path):
    """numba would otherwise write beside the source (the installed package's folder)."""
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert jit.chosen_cache_dir() == Path(tempfile.gettempdir()) / "redcycle-numba"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fine"))
    assert jit.chosen_cache_dir() == tmp_path / "fine" / "redcycle" / "numba"
    assert (tmp_path / "fine" / "redcycle" / "numba").is_dir()
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_the_rule_names_the_rungs_as_the_enum_does():
    assert (rule.NOT_ENGAGED, rule.SELF_HELP, rule.MUTUAL_AID) == (Rung.NOT_ENGAGED, Rung.SELF_HELP, Rung.MUTUAL_AID)


def test_the_rule_takes_each_constant_from_the_parameters():
    m = RedCycleModel(n_residents=100, rng=1, burn_in_weeks=0)
    r = m.ladder.rule
    assert r.top == m.p["n_rungs"] - 1 and r.mechanisms is bool(m.mechanisms)
    assert all(getattr(r, name) == m.p[name] for name in rule.LadderRule._fields[1:-1])
    m.update(slip_drive_weight=1.5)  # a policy change reaches the next week's rule
    assert m.ladder.rule.slip_drive_weight == 1.5


def _counts_from_scratch(m, rung):
    """How many of each resident's neighbours are on each level or above, counted over every tie."""
    a = m.adjacency
    return np.column_stack([a @ (rung >= level).astype(np.int64) for level in range(1, m.p.n_rungs)])


def test_neighbour_counts_kept_from_who_moved_equal_a_count_from_scratch():
    """The kernel's table of neighbours by rung (rule.recount) is updated only from the residents
    whose rung changed. It equals a count over every tie after the kernel's own moves, after rungs
    written from outside (a survey, the Mesa agents, a test)."""
    m = RedCycleModel(n_residents=400, rng=7, burn_in_weeks=0, steps=30)
    for _ in range(5):
        m.step()
        assert (m.ladder.neighbour_counts(m.state.rung) == _counts_from_scratch(m, m.state.rung)).all()
    rng = np.random.default_rng(1)
    for _ in range(3):  # rungs written from outside: every resident anywhere on the ladder
        m.state.rung[:] = rng.integers(0, m.p.n_rungs, m.state.n)
        assert (m.ladder.neighbour_counts(m.state.rung) == _counts_from_scratch(m, m.state.rung)).all()
    m.step()
    assert (m.ladder.neighbour_counts(m.state.rung) == _counts_from_scratch(m, m.state.rung)).all()
    table = m.ladder.neighbour_counts(m.state.rung)
    assert m.ladder.neighbour_counts(m.state.rung) is table  # kept, not rebuilt, while nothing moves


def test_the_kernel_moves_residents_as_a_count_over_every_tie_would():
    """Counting only the movers' ties is an optimisation, not a different rule: a week run with the
    table rebuilt from zero before every step (a count over every tie) ends in the same state."""
    from tests.baseline.runs import state_hashes

    kept = RedCycleModel(n_residents=300, rng=4, burn_in_weeks=8, steps=25).run()
    fresh = RedCycleModel(n_residents=300, rng=4, burn_in_weeks=8, steps=25)
    while fresh.running:
        fresh.ladder._at_least = np.zeros((0, 0), dtype=np.int32)  # forget the table: recount every tie
        fresh.step()
    assert state_hashes(fresh) == state_hashes(kept)
    assert kept.final_outcomes()["climbs"] + kept.final_outcomes()["slips"] > 0


def test_a_resident_with_more_ties_than_two_bytes_hold_gets_a_wide_table():
    """Counts take two bytes while no resident has 32,767 ties; a hub with more gets four."""
    import networkx as nx

    from model import load_scenario

    m = RedCycleModel(**load_scenario("threshold_limit"), graph=nx.star_graph(33_000), initially_active=[0], rng=1)
    m.step()
    table = m.ladder.neighbour_counts(m.state.rung)
    assert table.dtype == np.int32 and table[0, 0] == np.count_nonzero(m.state.rung[1:] >= 1) > 0
    assert (table == _counts_from_scratch(m, m.state.rung)).all()
    small = RedCycleModel(n_residents=200, rng=1, burn_in_weeks=0)
    small.step()
    assert small.ladder.neighbour_counts(small.state.rung).dtype == np.int16


def _week_inputs(n_rungs: int, everyone: bool, seed: int = 5) -> dict:
    """A small community's week as the engine's pass takes it: a random graph, residents on every
    rung, every field and draw random (noise and slip draws given), the neighbour table counted."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    n, top = 400, n_rungs - 1
    a = nx.to_scipy_sparse_array(nx.watts_strogatz_graph(n, 6, 0.2, seed=seed), format="csr")
    rung = rng.integers(0, n_rungs, n).astype(np.int8)
    adult = np.empty(0, dtype=np.bool_) if everyone else rng.random(n) < 0.8
    if not everyone:
        rung[~adult] = 0
    at_least = np.zeros((n, top), dtype=np.int16)
    rule.recount(a.indptr, a.indices, rung, np.zeros(n, dtype=np.int8), at_least)
    return dict(
        at_least=at_least,
        degree=np.diff(a.indptr).astype(np.int64),
        adult=adult,
        rung=rung,
        weeks_on_rung=rng.integers(0, 50, n).astype(np.int32),
        last_volunteered=rng.integers(-60, 10, n).astype(np.int32),
        week=12,
        capacity=rng.random(n),
        public_spirit=rng.random(n),
        time_budget=rng.random(n) * 20,
        threshold=rng.random(n) * 0.6,
        boost=rng.random(n) * 0.2,
        retention=rng.random(n) * 0.5,
        needs=rng.random((n, 4)),
        need_growth=rng.random((n, 4)) * 0.1,
        need_factor=0.8 ** np.arange(n_rungs),
        noise=rng.normal(0.0, 0.3, n),
        uniform=rng.random(n),
        commitment=rng.random(n),
    )


def _a_rule(n_rungs: int, **off) -> "rule.LadderRule":
    """A rule with every switch on (each at a value that moves residents), less those in ``off``; every
    constant has a value of its own, so a field handed to the rule in the wrong place shows."""
    on = dict(
        weight_capacity=0.3,
        weight_spirit=0.2,
        weight_need=0.25,
        weight_time=0.15,
        decision_noise=0.35,
        slip_rate=0.22,
        slip_drive_weight=2.0,
        need_growth=0.05,
        self_help_efficacy=0.32,
        mutual_aid_efficacy=0.18,
        commitment_rate=0.07,
        commitment_hold=0.6,
        commitment_loss=0.5,
        mechanisms=True,
    )
    assert set(on) == set(rule.SWITCHES)
    values = {**on, **off, "top": n_rungs - 1, "weight_social": 1.0, "volunteer_hours": 8.0, "rung_step": 0.1}
    distinct = [v for k, v in values.items() if k not in off and k not in ("top", "mechanisms")]
    assert len(set(distinct)) == len(distinct)
    return rule.LadderRule(**values)


def _run_week(kernel, r, inputs: dict) -> tuple:
    week = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
    moves = kernel(r, **week)
    return tuple(int(x) for x in moves), week


CASES = [
    *((5, False, {name: False if name == "mechanisms" else 0.0}) for name in rule.SWITCHES),  # each off alone
    (5, True, {}),  # everyone on the ladder, every switch on
    (5, False, {name: False if name == "mechanisms" else 0.0 for name in rule.SWITCHES}),  # every switch off
    (3, False, {"slip_rate": 0.0, "decision_noise": 0.0}),
    # the threshold limit: two rungs, everyone, only commitment (which it still updates) on
    (2, True, {name: False if name == "mechanisms" else 0.0 for name in rule.SWITCHES if "commitment" not in name}),
]


@pytest.mark.parametrize("n_rungs, everyone, off", CASES)
def test_each_compiled_variant_of_the_pass_gives_the_generic_pass_bit_for_bit(n_rungs, everyone, off):
    """The engine's pass compiled with a rule's top rung and its switches that are off as constants
    (rule.week_kernel, what Ladder.step runs) moves every resident and writes every field exactly as
    the generic pass (nothing fixed) does, on a week with noise, slip draws and residents on every rung."""
    inputs = _week_inputs(n_rungs, everyone)
    r = _a_rule(n_rungs, **off)
    fixed = rule.variant(r, everyone)
    assert fixed.top == n_rungs - 1 and fixed.everyone == everyone
    assert {name for name, live in zip(rule.SWITCHES, fixed.live, strict=True) if not live} == set(off)
    generic_moves, generic = _run_week(rule.ladder_week, r, inputs)
    moves, week = _run_week(rule.week_kernel(fixed), r, inputs)
    assert moves == generic_moves
    for name, values in generic.items():
        assert np.array_equal(week[name], values), name
    changed = generic["rung"] != inputs["rung"]
    assert changed.any()  # the week moved someone
    if n_rungs == 5 and "slip_rate" not in off:
        assert generic_moves[0] > 0 and generic_moves[1] > 0  # climbs and slips both exercised


def test_the_switches_are_the_constants_the_rule_reads_only_when_not_zero():
    """rule.SWITCHES (what a compiled variant may fix as 0) are exactly the rule's constants that
    decide, serve and commit test against 0 (or, for mechanisms, test as a flag) before reading."""
    import inspect
    import re

    source = "".join(
        inspect.getsource(f.py_func if hasattr(f, "py_func") else f) for f in (rule.decide, rule.serve, rule.commit)
    )
    tested = set(re.findall(r"rule\.(\w+) [!=]= 0\.0", source)) | set(re.findall(r"if rule\.(mechanisms)\b", source))
    assert tested == set(rule.SWITCHES)
    assert set(rule.SWITCHES) <= set(rule.LadderRule._fields)


def test_the_ladder_runs_the_variant_of_its_rule():
    """Ladder.step runs the pass compiled for this week's rule, chosen again after a change."""
    from model import load_scenario

    m = RedCycleModel(**load_scenario("threshold_limit"), n_residents=300, rng=1)
    m.step()
    assert m.ladder._kernel is rule.week_kernel(rule.variant(m.ladder.rule, True))
    assert m.ladder._kernel is not rule.ladder_week
    m.update(decision_noise=0.1)
    m.step()
    assert rule.variant(m.ladder.rule, True).live[rule.SWITCHES.index("decision_noise")]
    assert m.ladder._kernel is rule.week_kernel(rule.variant(m.ladder.rule, True))
