"""The burn-in's cache (model/burnin.py): keyed on exactly what the burn-in reads, bounded, thread-safe.

A key that left out a parameter the burn-in reads would hand one run another's settled state;
these tests make that visible: a spy lists what a burn-in reads, and changing any parameter
outside the key leaves the settled state the same bit for bit.
"""

import threading

import numpy as np
import pytest

import model.model as model_module
import model.params as schema
from model import RedCycleModel, burnin
from model.model import SettlingModel
from model.parameters import Parameters
from model.scenarios import load_scenario

N, WEEKS = 200, 156
READ_BUT_IDLE = {"agent_objects", "record_groups"}  # the burn-in builds no agents and records nothing


class Reads(Parameters):
    """A run's parameters that note every parameter read, as an attribute or by name."""

    def __init__(self, values):
        object.__setattr__(self, "read", set())
        super().__init__(values)

    def __getattribute__(self, name):
        if name in schema.PARAMS:
            object.__getattribute__(self, "read").add(name)
        return object.__getattribute__(self, name)

    def __getitem__(self, key):
        object.__getattribute__(self, "read").add(key)
        return super().__getitem__(key)

    def __iter__(self):  # items(), keys(), dict(p), {**p}
        object.__getattribute__(self, "read").add("(every parameter: iterated)")
        return super().__iter__()


def unsettled(**params) -> RedCycleModel:
    """A community and its initial state, not yet burnt in (the burn-in's parent)."""
    m = RedCycleModel(**{**params, "n_residents": N, "burn_in_weeks": 0}, rng=1)
    m.p._replace({"burn_in_weeks": WEEKS})
    return m


def settled_state(parent: RedCycleModel, q: dict) -> dict[str, np.ndarray]:
    burn = SettlingModel(parent, q).run(WEEKS)
    return {name: getattr(burn.state, name).copy() for name in burnin.CARRIED}


@pytest.mark.parametrize("variant", ["red_microcycle", "status_quo", "baseline", "old_neighbourhood", "two_rungs"])
def test_a_burn_in_reads_no_parameter_outside_its_key(variant, monkeypatch):
    params = (
        {"n_rungs": 2, **{k: False for k in schema.MECHANISM_SWITCHES}}
        if variant == "two_rungs"
        else {k: v for k, v in load_scenario(variant).items() if k != "events"}
    )
    parent = unsettled(**params)
    spies = []

    class Spy(SettlingModel):
        def __init__(self, parent, q):
            monkeypatch.setattr(model_module, "Parameters", Reads)
            spies.append(self)
            super().__init__(parent, q)
            monkeypatch.setattr(model_module, "Parameters", Parameters)

    Spy(parent, burnin.ordinary_life(parent.p)).run(WEEKS)
    read = spies[0].p.read
    assert read, "the spy saw nothing: the burn-in no longer builds its parameters as model.model.Parameters"
    assert read - burnin.reads() - READ_BUT_IDLE == set()


def other_value(p: schema.Param):
    match p.kind:
        case "bool":
            return not p.default
        case "choice":
            return next(c for c in p.choices if c != p.default)
        case "float?":
            return p.low if p.default is None else None
        case "int" | "float":
            far = p.high if p.default != p.high else p.low
            return int(far) if p.kind == "int" else float(far)
    raise AssertionError(p.kind)


def test_any_parameter_outside_the_key_leaves_the_settled_state_the_same():
    """Each parameter the key leaves out, moved to another allowed value in the burn-in's own
    parameters, settles the same community to the same state bit for bit."""
    parent = unsettled()
    q = burnin.ordinary_life(parent.p)
    reference = settled_state(parent, q)
    checked = []
    for name, p in schema.PARAMS.items():
        if name in burnin.reads() or name in ("agent_objects", "burn_in_weeks"):
            continue
        try:
            changed = schema.validate({**q, name: other_value(p)})
        except schema.ParameterError:  # a combination the schema refuses (e.g. shares summing over 1)
            continue
        state = settled_state(parent, changed)
        assert all(np.array_equal(state[k], reference[k]) for k in reference), (
            f"'{name}' changes the burn-in, so it belongs in burnin.READS"
        )
        checked.append(name)
    assert {"point_value", "record_groups", "team_size", "incentive_pull"} <= set(checked)
    assert len(checked) >= 60


def test_a_sweep_over_levers_the_burn_in_never_reads_settles_once():
    burnin.clear_cache()
    a = RedCycleModel(n_residents=N, rng=3, point_value=0.5)
    b = RedCycleModel(n_residents=N, rng=3, point_value=2.0, record_groups=False)
    assert burnin.stats == {"hits": 1, "misses": 1}
    assert all(np.array_equal(getattr(a.state, k), getattr(b.state, k)) for k in burnin.CARRIED)
    RedCycleModel(n_residents=N, rng=3, slip_rate=0.5 * schema.DEFAULTS["slip_rate"])  # read: a new burn-in
    assert burnin.stats == {"hits": 1, "misses": 2}


def test_the_cache_is_bounded(monkeypatch):
    burnin.clear_cache()
    monkeypatch.setattr(burnin, "CACHE_BYTES", 1)  # room for one burn-in only
    for seed in (1, 2, 3):
        RedCycleModel(n_residents=N, rng=seed)
    assert len(burnin._cache) == 1
    RedCycleModel(n_residents=N, rng=3)
    assert burnin.stats == {"hits": 1, "misses": 3}


def test_models_built_in_threads_at_once_share_the_cache_and_agree():
    """The app builds models in threads: the same community settled in eight threads at once is
    the same state as one built alone, and the cache holds it once."""
    burnin.clear_cache()
    alone = RedCycleModel(n_residents=N, rng=5).state.rung.copy()
    burnin.clear_cache()
    rungs: list[np.ndarray] = []
    start = threading.Barrier(8)

    def build():
        start.wait()
        rungs.append(RedCycleModel(n_residents=N, rng=5).state.rung.copy())

    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rungs) == 8 and all(np.array_equal(r, alone) for r in rungs)
    assert len(burnin._cache) == 1 and burnin.stats["hits"] + burnin.stats["misses"] == 8
