"""The public Python API that notebooks, later issues and outside tools build on."""

import mesa
import networkx as nx
import numpy as np
import pandas as pd

import model
from model import RedCycleModel, load_scenario


def test_public_names():
    for name in (
        "RedCycleModel",
        "load_scenario",
        "ParameterError",
        "GraphFileError",
        "ScenarioError",
        "generate_community",
        "read_graph_file",
        "available_scenarios",
    ):
        assert hasattr(model, name), name
    assert issubclass(RedCycleModel, mesa.Model)


def test_default_model_runs_the_default_scenario():
    m = RedCycleModel()
    assert m.community.n == 2000
    m.run(5)
    assert m.steps == 5
    counts = m.rung_counts()
    assert counts.shape == (5,) and counts.sum() == m.state.adult.sum() < 2000  # adults hold the rungs
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 6 and df["week"].tolist() == list(range(6))


def test_the_documented_threshold_call():
    g = nx.fast_gnp_random_graph(300, 4 / 299, seed=2)
    m = RedCycleModel(**load_scenario("threshold_limit"), graph=g, threshold=0.18, initially_active=[0], rng=1)
    m.run(until_stable=True)
    assert not m.running
    assert m.rung_counts()[1] >= 1
    assert set(m.datacollector.get_model_vars_dataframe().columns) >= {"n_inactive", "n_active", "share_active"}


def test_user_graph_with_string_labels_and_initially_active_by_label():
    g = nx.relabel_nodes(nx.path_graph(5), {i: f"r{i}" for i in range(5)})
    m = RedCycleModel(**load_scenario("threshold_limit"), graph=g, threshold=0.5, initially_active=["r0"], rng=1)
    m.run(10, until_stable=True)
    assert m.rung_counts().tolist() == [0, 5]
    assert m.community.labels == [f"r{i}" for i in range(5)]


def test_run_defaults_to_the_steps_parameter():
    m = RedCycleModel(n_residents=200, steps=7, rng=1).run()
    assert m.steps == 7


def test_batch_run_works(tmp_path):
    results = mesa.batch_run(
        RedCycleModel,
        parameters={"n_residents": 200, "slip_rate": [0.0, 0.1]},
        rng=[1, 2],
        max_steps=5,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df) == 4
    assert set(df["slip_rate"]) == {0.0, 0.1}
    assert (df["Step"] == 5).all()
    assert np.allclose(df[[c for c in df.columns if c.startswith("share_") and c != "share_engaged"]].sum(axis=1), 1)


def test_batch_run_in_parallel_processes_matches_serial():
    kw = dict(parameters={"n_residents": 200}, rng=[3, 4], max_steps=4, display_progress=False)
    serial = pd.DataFrame(mesa.batch_run(RedCycleModel, number_processes=1, **kw)).sort_values("rng")
    parallel = pd.DataFrame(mesa.batch_run(RedCycleModel, number_processes=2, **kw)).sort_values("rng")
    cols = ["rng", "participation_index", "mean_unmet_need"]
    assert serial[cols].reset_index(drop=True).equals(parallel[cols].reset_index(drop=True))
