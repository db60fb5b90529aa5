"""Parameters + seed determine a run exactly; each model part has its own random stream."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from model import RedCycleModel
from model.streams import resolve_seed, stream

ROOT = Path(__file__).resolve().parent.parent


def fingerprint(m: RedCycleModel) -> str:
    h = hashlib.sha256()
    for name, arr in m.state.arrays().items():
        h.update(name.encode())
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(m.community.indptr.tobytes())
    h.update(m.community.indices.tobytes())
    h.update(m.datacollector.get_model_vars_dataframe().to_csv().encode())
    return h.hexdigest()


CODE = """
import sys, json; sys.path.insert(0, {root!r})
from tests.test_reproducibility import fingerprint
from model import RedCycleModel
print(fingerprint(RedCycleModel(n_residents=700, rng=11).run(40)))
"""


def test_same_seed_same_run_in_this_process():
    a = RedCycleModel(n_residents=700, rng=11).run(40)
    b = RedCycleModel(n_residents=700, rng=11).run(40)
    assert fingerprint(a) == fingerprint(b)


def test_different_seed_different_run():
    a = RedCycleModel(n_residents=700, rng=11).run(40)
    b = RedCycleModel(n_residents=700, rng=12).run(40)
    assert fingerprint(a) != fingerprint(b)


def test_same_seed_same_run_in_other_processes():
    """Fresh interpreters with different hash salts reproduce the run bit for bit."""
    here = fingerprint(RedCycleModel(n_residents=700, rng=11).run(40))
    for salt in ("0", "12345"):
        out = subprocess.run(
            [sys.executable, "-c", CODE.format(root=str(ROOT))],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": salt, "PATH": "/usr/bin:/bin"},
        )
        assert out.stdout.strip() == here


def test_switching_the_ladder_noise_off_leaves_graph_and_initial_state_alone():
    # the drawn initial state (the burn-in, which runs the ladder, is switched off)
    a = RedCycleModel(n_residents=900, rng=5, decision_noise=0.3, burn_in_weeks=0)
    b = RedCycleModel(n_residents=900, rng=5, decision_noise=0.0, slip_rate=0.0, burn_in_weeks=0)
    assert np.array_equal(a.community.indices, b.community.indices)
    for name in ("rung", "capacity", "public_spirit", "trust", "needs", "time_budget", "threshold"):
        assert np.array_equal(getattr(a.state, name), getattr(b.state, name)), name


def test_changing_the_graph_leaves_the_initial_state_draws_alone():
    a = RedCycleModel(n_residents=900, rng=5, building_ties=3.0, burn_in_weeks=0)
    b = RedCycleModel(n_residents=900, rng=5, building_ties=6.0, burn_in_weeks=0)
    assert not np.array_equal(a.community.indptr, b.community.indptr)
    # the graph's Party members can differ, and with them some residents' demography (a mobile
    # member's household is a migrant household): residents alike in both get the same traits
    alike = np.ones(900, dtype=bool)
    for name in ("age_group", "work_status", "tenure", "household_type", "party_category"):
        alike &= getattr(a.state, name) == getattr(b.state, name)
    assert alike.mean() > 0.5
    for name in ("capacity", "threshold"):
        assert np.array_equal(getattr(a.state, name), getattr(b.state, name)), name
    for name in ("trust", "needs"):
        assert np.array_equal(getattr(a.state, name)[alike], getattr(b.state, name)[alike]), name


def test_streams_are_keyed_by_name_and_independent():
    x = stream(7, "ladder").random(5)
    assert np.array_equal(x, stream(7, "ladder").random(5))
    assert not np.array_equal(x, stream(7, "initial").random(5))
    assert not np.array_equal(x, stream(8, "ladder").random(5))


def test_seed_resolution():
    assert resolve_seed(3) == 3
    assert resolve_seed(np.int64(3)) == 3
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert resolve_seed(g1) == resolve_seed(g2)
    assert resolve_seed(None) != resolve_seed(None)
    m = RedCycleModel(n_residents=100, rng=None)
    again = RedCycleModel(n_residents=100, rng=m.seed)
    assert np.array_equal(m.state.capacity, again.state.capacity)  # a drawn seed is recorded and reusable


def test_manifest_parameters_reproduce_the_run(tmp_path):
    """summary.json carries everything needed: re-running from it gives the same time series."""
    out = tmp_path / "r"
    subprocess.run(
        [
            sys.executable,
            "run.py",
            "--set",
            "n_residents=400",
            "--steps",
            "15",
            "--seed",
            "3",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
    )
    summary = json.loads((out / "summary.json").read_text())
    m = RedCycleModel(rng=summary["seed"], **summary["parameters"]).run()
    ours = m.datacollector.get_model_vars_dataframe()
    import pandas as pd

    theirs = pd.read_csv(out / "timeseries.csv")
    assert np.allclose(ours["participation_index"].to_numpy(), theirs["participation_index"].to_numpy())
    assert len(theirs) == 16


def _frame_and_state(m: RedCycleModel):
    return (
        m.datacollector.get_model_vars_dataframe(),
        m.rounds,
        m.steps,
        m.changes,
        m.pool.inflows(),
        m.pool.outflows(),
        {name: arr.copy() for name, arr in m.state.arrays().items()},
    )


def _same(a, b) -> None:
    import pandas as pd

    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert a[2:6] == b[2:6]
    assert a[6].keys() == b[6].keys() and all(np.array_equal(a[6][k], b[6][k], equal_nan=True) for k in a[6])


def test_a_copied_or_pickled_model_continues_exactly_as_the_original_and_independently():
    """copy.deepcopy and pickle give independent models (their weeks land in their own tables, their
    draws come from their own streams) whose runs continue exactly as the original's would; an
    uninterrupted run is the reference. With a policy timeline still to come and agent objects built."""
    import copy
    import pickle

    params = dict(
        n_residents=300,
        rng=4,
        agent_objects="eager",
        steps=60,
        events=[{"week": 30, "org_role": 0.2, "team_on": False}],
    )
    reference = _frame_and_state(RedCycleModel(**params).run(60))
    original = RedCycleModel(**params).run(20)
    weeks_before = len(original.datacollector.get_model_vars_dataframe())
    copies = [copy.deepcopy(original), pickle.loads(pickle.dumps(original))]
    for c in copies:
        c.run(40)
        assert len(original.datacollector.get_model_vars_dataframe()) == weeks_before  # nothing shared
        assert original.steps == 20 and c.residents[0].model is c
        _same(_frame_and_state(c), reference)
    original.run(40)
    _same(_frame_and_state(original), reference)


BOTH = """
import sys, json; sys.path.insert(0, {root!r})
from tests.test_reproducibility import fingerprint
from model import RedCycleModel, load_scenario
print(json.dumps([fingerprint(RedCycleModel(n_residents=700, rng=11).run(40)),
                  fingerprint(RedCycleModel(**load_scenario("threshold_limit"), n_residents=700, rng=11).run(20))]))
"""


def _wide_vector_loops() -> list[str]:
    """numpy's dispatch targets with 512-bit vectors that this CPU has (empty on other machines)."""
    from numpy._core import _multiarray_umath as umath

    return [f for f in umath.__cpu_dispatch__ if ("AVX512" in f or f == "X86_V4") and umath.__cpu_features__.get(f)]


def test_the_same_run_on_a_machine_without_avx512():
    """A run does not depend on the CPU numpy picks its loops for. numpy's float64 power, exp and
    log use their own approximations on AVX-512 machines (a few values in a hundred differ in the
    last bit); the model's transcendental array operations go through model/libm.py instead. The
    run with numpy's AVX-512 loops switched off (NPY_DISABLE_CPU_FEATURES, what a machine without
    them runs) hashes the same as here. On a machine without AVX-512 both runs are the same code:
    the test is skipped there, since it could not fail."""
    wide = _wide_vector_loops()
    if not wide:
        import pytest

        pytest.skip("this CPU has no AVX-512: numpy runs the same loops with or without the switch")
    # the default community and the threshold limit (whose older residents' needs took numpy's power)
    here = json.loads(subprocess.check_output([sys.executable, "-c", BOTH.format(root=str(ROOT))], text=True))
    out = subprocess.run(
        [sys.executable, "-c", BOTH.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        check=True,
        env={"NPY_DISABLE_CPU_FEATURES": " ".join(wide), "PATH": "/usr/bin:/bin"},
    )
    assert json.loads(out.stdout) == here


def test_libm_gives_the_c_librarys_values_where_numpy_may_not():
    import math

    import numba

    from model import libm

    rng = np.random.default_rng(5)
    x, y = rng.random(5000), rng.random(5000) * 3
    assert [float(v) for v in libm.power(x, y)] == [math.pow(a, b) for a, b in zip(x, y, strict=True)]
    assert [float(v) for v in libm.log(x)] == [math.log(a) for a in x]
    assert libm.power(0.5, np.arange(4)).tolist() == [1.0, 0.5, 0.25, 0.125]  # broadcasting, as numpy
    assert libm.power(np.ones((2, 3)), np.arange(3)).shape == (2, 3)
    assert libm.log(np.array([0.0, 1.0]))[0] == -np.inf and np.isnan(libm.log(np.array([-1.0])))[0]
    # numba calls the C library one value at a time unless Intel's SVML is installed: it is not
    assert not numba.config.USING_SVML
