"""The mechanisms' compiled shortcuts give what their plain numpy forms give, bit for bit, also in
the corner cases the model's runs seldom reach (ties, NaN, isolated residents). That whole runs are
unchanged is tests/test_baseline.py."""

import numpy as np
import pytest
import scipy.sparse as sp

from model.graph import csr_from_ties
from model.mechanisms.backbone import example_contact
from model.mechanisms.project import stable_order_head
from model.mechanisms.team import serve_neediest


@pytest.mark.parametrize("seed", range(5))
def test_the_head_of_a_stable_order_is_the_full_sorts(seed):
    rng = np.random.default_rng(seed)
    key = rng.integers(0, 20, 300).astype(float)  # many ties
    key[rng.integers(0, 300, 10)] = -0.0
    if seed % 2:
        key[rng.integers(0, 300, 30)] = np.nan
    for m in (0, 1, 5, 17, 60, 149, 150, 299, 300, 400):
        assert np.array_equal(stable_order_head(key, m), np.argsort(key, kind="stable")[:m]), m


def test_the_backbones_contact_is_scipys_product():
    rng = np.random.default_rng(3)
    n = 400
    u, v = rng.integers(0, n, 1200), rng.integers(0, n, 1200)
    indptr, indices = csr_from_ties(n, u, v)  # a symmetric adjacency, as every community's
    a = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, n))
    backbone = np.zeros(n, dtype=bool)
    backbone[rng.choice(n, 15, replace=False)] = True
    credibility = backbone * rng.random(n) * 0.7
    credibility[np.flatnonzero(backbone)[:3]] = 0.0  # a backbone no one can see
    boost = rng.random(n) - 0.5
    expected_contact = np.minimum(1.0, a @ credibility)
    expected = boost.copy()
    expected[backbone] += 0.05
    expected += 0.3 * expected_contact
    contact = np.full(n, np.nan)
    example_contact(a.indptr, a.indices, a.data, credibility, backbone, 0.05, 0.3, contact, boost)
    assert np.array_equal(contact, expected_contact)
    assert np.array_equal(boost, expected)


def test_teams_serve_the_neediest_of_their_compound_first_in_the_list_at_ties():
    rng = np.random.default_rng(4)
    n, served = 120, 16
    compound = rng.integers(0, 4, n)
    needs = rng.integers(0, 5, (n, 3)) / 4.0  # many ties at the cut
    order = np.argsort(compound, kind="stable")
    start = np.searchsorted(compound[order], np.arange(5))
    keys = np.array([[0, 1], [2, 0], [3, 2], [1, 1]])
    factors = np.array([0.5, 0.25, 0.9, 0.0])
    expected = needs.copy()
    for (c, category), factor in zip(keys, factors, strict=True):
        local = order[start[c] : start[c + 1]]
        chosen = local[np.argsort(-needs[local, category], kind="stable")[:served]]
        expected[chosen, category] *= factor
    serve_neediest(needs, start, order.astype(np.int64), keys[:, 0], keys[:, 1], factors, served)
    assert np.array_equal(needs, expected)
