"""Docking with the classic threshold models (Axtell et al. 1996): the participation core with
every mechanism off, no noise, no slipping and two rungs must be the linear threshold rule."""

import networkx as nx
import numpy as np
import pytest

from model import RedCycleModel, load_scenario

LIMIT = load_scenario("threshold_limit")


def riot(thresholds):
    """Granovetter's riot: a complete graph of 100, thresholds as shares of the other 99."""
    g = nx.complete_graph(len(thresholds))
    m = RedCycleModel(**LIMIT, graph=g, threshold=np.asarray(thresholds) / (len(thresholds) - 1), rng=1)
    m.run(1000, until_stable=True)
    return m


def test_granovetter_uniform_thresholds_all_riot():
    m = riot(np.arange(100))
    assert m.rung_counts().tolist() == [0, 100]
    # one more rioter each week: the resident with threshold k joins in week k + 1
    assert m.datacollector.get_model_vars_dataframe()["n_active"].tolist()[:101] == list(range(0, 101))


def test_granovetter_one_changed_threshold_stops_the_riot():
    thresholds = np.arange(100)
    thresholds[1] = 2
    m = riot(thresholds)
    assert m.rung_counts().tolist() == [99, 1]


def test_limit_rule_is_exactly_the_linear_threshold_rule():
    """Step by step, the model's update equals `active | (active share >= threshold)`."""
    g = nx.fast_gnp_random_graph(400, 4 / 399, seed=3)
    rng = np.random.default_rng(5)
    theta = rng.uniform(0, 0.5, 400)
    m = RedCycleModel(**LIMIT, graph=g, threshold=theta, initially_active=[0, 1, 2, 3], rng=1)
    adj = nx.to_scipy_sparse_array(g, nodelist=range(400), format="csr")
    deg = np.asarray(adj.sum(axis=1)).ravel()
    active = m.state.rung >= 1
    for _ in range(30):
        share = np.divide(adj @ active.astype(float), deg, out=np.zeros(400), where=deg > 0)
        active = active | (share >= theta)
        m.step()
        assert np.array_equal(m.state.rung >= 1, active)


def test_limit_scenario_switches_everything_else_off():
    assert LIMIT["n_rungs"] == 2
    assert LIMIT["decision_noise"] == 0 and LIMIT["slip_rate"] == 0
    for name in ("weight_capacity", "weight_spirit", "weight_need", "weight_time", "rung_step"):
        assert LIMIT[name] == 0, name


def cascade_sizes(mean_degree: float, n: int = 2000, runs: int = 40) -> np.ndarray:
    sizes = []
    for s in range(runs):
        g = nx.fast_gnp_random_graph(n, mean_degree / (n - 1), seed=s)
        seed_node = int(np.random.default_rng(1000 + s).integers(n))
        m = RedCycleModel(**LIMIT, graph=g, threshold=0.18, initially_active=[seed_node], rng=s)
        m.run(1000, until_stable=True)
        sizes.append(m.rung_counts()[1] / n)
    return np.asarray(sizes)


@pytest.mark.slow
@pytest.mark.parametrize("z", [2, 3, 4, 5])
def test_watts_cascade_window_inside(z):
    """Watts (2002), Fig. 1: at threshold 0.18 a single seed often triggers a global cascade
    for mean degree inside the window (about 1 to 6). Tolerance: at n = 2000 the observed
    frequency is 0.75-0.85; we require at least half of 40 runs (binomial p < 1e-3 to fail)."""
    sizes = cascade_sizes(z)
    assert (sizes > 0.5).mean() >= 0.5


@pytest.mark.slow
@pytest.mark.parametrize("z", [8, 10])
def test_watts_cascade_window_outside(z):
    """Above the window (mean degree > about 7) no global cascade occurs in 40 runs."""
    sizes = cascade_sizes(z)
    assert (sizes > 0.5).sum() == 0
    assert sizes.max() < 0.05


def test_threshold_exactly_at_the_active_share_activates_for_every_k_over_d():
    """A hub with d neighbours, k of them active, and threshold k/d must activate: the share is
    computed as k / d exactly (1/d * k can fall one ulp below k/d, e.g. 5 * (1/6) < 5/6)."""
    g = nx.Graph()
    hubs, thresholds, active = [], {}, []
    node = 0
    for d in range(1, 61):
        for k in range(1, d + 1):
            hub = node
            leaves = list(range(hub + 1, hub + 1 + d))
            g.add_edges_from((hub, leaf) for leaf in leaves)
            hubs.append(hub)
            thresholds[hub] = k / d
            active += leaves[:k]
            node = hub + 1 + d
    theta = np.full(g.number_of_nodes(), 10.0)  # leaves never move
    theta[hubs] = [thresholds[h] for h in hubs]
    m = RedCycleModel(**LIMIT, graph=g, threshold=theta, initially_active=active, rng=1)
    m.step()
    assert (m.state.rung[hubs] == 1).all()
