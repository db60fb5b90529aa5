"""The community generator (households in buildings in compounds, Party branches) and graph loaders."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from model import RedCycleModel
from model.graph import (
    CATEGORY_NAMES,
    GRAPH_SUFFIXES,
    IN_SERVICE,
    MOBILE,
    NOT_MEMBER,
    RETIRED,
    Community,
    GraphFileError,
    community_from_networkx,
    csr_from_ties,
    generate_community,
    read_graph_file,
)

ZERO_TIES = dict(building_ties=0.0, compound_ties=0.0, long_ties=0.0, branch_ties=0.0)


def make(n: int, seed: int = 0, **params) -> Community:
    return generate_community(n, np.random.default_rng(seed), **params)


def entry_keys(c: Community) -> np.ndarray:
    """Every CSR entry (row, col) as one integer key row * n + col."""
    return c.rows().astype(np.int64) * c.n + c.indices.astype(np.int64)


def tie_set(c: Community) -> set[tuple[int, int]]:
    return {(int(u), int(v)) for u, v in c.ties()}


def household_clique_ties(household: np.ndarray) -> set[tuple[int, int]]:
    """All pairs inside each household (grouped by id, not assuming contiguity)."""
    order = np.argsort(household, kind="stable")
    cuts = np.flatnonzero(np.diff(household[order])) + 1
    out = set()
    for members in np.split(order, cuts):
        m = sorted(members.tolist())
        out.update((a, b) for i, a in enumerate(m) for b in m[i + 1 :])
    return out


def assert_contiguous_ids(group: np.ndarray) -> None:
    """Group ids 0, 0, 1, 1, 1, 2, ...: each group is one contiguous id range, numbered in order."""
    assert group[0] == 0
    assert set(np.unique(np.diff(group)).tolist()) <= {0, 1}


# ------------------------------------------------------------------ structure ----------------


@pytest.mark.parametrize("n", [2, 3, 100, 1000, 12345])
def test_exact_size_and_valid_csr(n):
    c = make(n, seed=n)
    assert c.n == n
    assert len(c.indptr) == n + 1 and c.indptr[0] == 0 and c.indptr[-1] == len(c.indices)
    assert np.all(np.diff(c.indptr) >= 0)
    for arr in (c.household, c.building, c.compound, c.party_category, c.branch):
        assert arr.shape == (n,)
    rows = c.rows()
    # node ids 0..n-1, no self-ties
    assert c.indices.min() >= 0 and c.indices.max() < n
    assert not np.any(rows == c.indices)
    # no repeated CSR entries, and symmetric: (u, v) present iff (v, u) present
    keys = entry_keys(c)
    assert len(np.unique(keys)) == len(keys)
    reverse = c.indices.astype(np.int64) * n + rows
    assert np.array_equal(np.sort(keys), np.sort(reverse))
    # ties(): each tie once with u < v, and twice as many CSR entries as ties
    t = c.ties()
    assert t.shape == (c.n_ties, 2)
    assert len(c.indices) == 2 * c.n_ties
    assert np.all(t[:, 0] < t[:, 1])
    assert len({(int(u), int(v)) for u, v in t}) == c.n_ties


@pytest.mark.parametrize("n", [50, 1000])
def test_to_networkx_nodes_edges_and_attributes(n):
    c = make(n, seed=5, party_member_share=0.2, branch_size_max=4)
    g = c.to_networkx()
    assert sorted(g.nodes) == list(range(n))
    assert g.number_of_edges() == c.n_ties
    assert {tuple(sorted(e)) for e in g.edges} == tie_set(c)
    for i in range(n):
        d = g.nodes[i]
        assert set(d) == {"household", "building", "compound", "party_member", "party_category", "branch"}
        assert d["household"] == c.household[i]
        assert d["building"] == c.building[i]
        assert d["compound"] == c.compound[i]
        assert d["branch"] == c.branch[i]
        assert d["party_member"] is bool(c.party_category[i] != NOT_MEMBER)
        assert d["party_category"] == CATEGORY_NAMES[c.party_category[i]]
    assert sum(d["party_member"] for _, d in g.nodes(data=True)) == round(0.2 * n)


@pytest.mark.parametrize("n", [100, 12345])
def test_groups_are_contiguous_nested_and_households_are_cliques(n):
    c = make(n, seed=11)
    for group in (c.household, c.building, c.compound):
        assert_contiguous_ids(group)
    # nesting: one building per household, one compound per building
    hb = np.unique(np.column_stack([c.household, c.building]), axis=0)
    assert len(hb) == c.household.max() + 1
    bc = np.unique(np.column_stack([c.building, c.compound]), axis=0)
    assert len(bc) == c.building.max() + 1
    # more buildings than compounds and more households than buildings at this size
    if n > 1000:
        assert c.household.max() > c.building.max() > c.compound.max()
    cliques = household_clique_ties(c.household)
    assert cliques, "expected some households of two or more"
    assert cliques <= tie_set(c)


def test_mean_household_size_matches_parameter():
    n = 50_000
    for mean in (2.62, 4.0):
        c = make(n, seed=2, household_size_mean=mean)
        observed = n / (c.household.max() + 1)
        assert observed == pytest.approx(mean, rel=0.02), (mean, observed)
    # household size 1 everywhere: no household ties at all
    c = make(1000, seed=2, household_size_mean=1.0, **ZERO_TIES)
    assert c.household.max() == 999 and c.n_ties == 0


def _household_degree(m: float) -> float:
    """Expected household ties of a resident: sizes S = 1 + Poisson(m - 1), size-biased E[S(S-1)]/E[S]."""
    return (m * m - 1.0) / m


def test_mean_degree_household_only_matches_formula():
    # tolerance 2%: the formula is exact up to sampling noise (~0.3% at 50k residents)
    c = make(50_000, seed=4, **ZERO_TIES)
    assert c.degree.mean() == pytest.approx(_household_degree(2.62), rel=0.02)


@pytest.mark.parametrize(
    ("groups", "rel"),
    [
        # default group sizes (~63 residents a building): self-ties and repeats lose ~4%; allow 6%
        (dict(), 0.06),
        # large buildings and compounds: losses are < 1%; allow 2%
        (dict(households_per_building=200.0, buildings_per_compound=20.0), 0.02),
    ],
)
def test_mean_degree_close_to_expected(groups, rel):
    p = dict(
        household_size_mean=2.62,
        building_ties=3.0,
        compound_ties=1.5,
        long_ties=0.2,
        party_member_share=0.07,
        branch_ties=4.0,
    )
    c = make(50_000, seed=6, **p, **groups)
    # upper bound: every drawn tie distinct and not a self-tie
    expected = (
        _household_degree(p["household_size_mean"])
        + p["building_ties"]
        + p["compound_ties"]
        + p["long_ties"]
        + p["party_member_share"] * p["branch_ties"]
    )
    observed = c.degree.mean()
    assert observed <= expected * 1.005
    assert observed >= expected * (1.0 - rel), (observed, expected)


def test_zero_tie_parameters_leave_only_household_cliques():
    c = make(3000, seed=8, party_member_share=0.3, **ZERO_TIES)
    assert tie_set(c) == household_clique_ties(c.household)
    # and the default parameters add ties beyond the cliques
    d = make(3000, seed=8, party_member_share=0.3)
    assert len(tie_set(d) - household_clique_ties(d.household)) > 1000


# ------------------------------------------------------------------ Party members ------------


@pytest.mark.parametrize(
    ("n", "share", "retired", "mobile"),
    [(2000, 0.07, 0.45, 0.10), (1234, 0.1, 0.3, 0.2), (500, 1.0, 0.0, 1.0), (777, 0.5, 1.0, 0.0)],
)
def test_party_members_exact_counts(n, share, retired, mobile):
    c = make(n, seed=9, party_member_share=share, retired_share=retired, mobile_share=mobile)
    members = c.party_category != NOT_MEMBER
    k = round(share * n)
    assert members.sum() == k
    assert np.array_equal(c.party_member, members)
    assert (c.party_category == RETIRED).sum() == round(retired * k)
    assert (c.party_category == MOBILE).sum() == round(mobile * k)
    assert (c.party_category == IN_SERVICE).sum() == k - round(retired * k) - round(mobile * k)
    assert set(np.unique(c.party_category).tolist()) <= {NOT_MEMBER, IN_SERVICE, RETIRED, MOBILE}


@pytest.mark.parametrize(("share", "size_max"), [(0.07, 50), (0.5, 3), (0.3, 7)])
def test_branches_members_only_within_one_compound_and_bounded(share, size_max):
    c = make(5000, seed=10, party_member_share=share, branch_size_max=size_max)
    members = c.party_member
    assert np.all((c.branch >= 0) == members)
    b = c.branch[members]
    sizes = np.bincount(b)
    assert sizes.max() <= size_max
    assert np.all(sizes > 0), "branch ids should have no gaps"
    # each branch lies within one compound
    pairs = np.unique(np.column_stack([c.branch[members], c.compound[members]]), axis=0)
    assert len(pairs) == len(sizes)
    # a compound's members fill as few branches as the size limit allows
    comp_members = np.bincount(c.compound[members])
    comp_branches = np.bincount(pairs[:, 1], minlength=len(comp_members))
    assert np.array_equal(comp_branches, -(-comp_members // size_max))


def test_no_party_members_at_share_zero():
    c = make(2000, seed=12, party_member_share=0.0)
    assert not c.party_member.any()
    assert np.all(c.party_category == NOT_MEMBER)
    assert np.all(c.branch == -1)


# ------------------------------------------------------------------ seeds --------------------


FIELDS = ("indptr", "indices", "household", "building", "compound", "party_category", "branch")


def test_same_seed_same_community_different_seed_different():
    a, b, other = make(3000, seed=42), make(3000, seed=42), make(3000, seed=43)
    for f in FIELDS:
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
        assert getattr(a, f).dtype == getattr(b, f).dtype
    assert tie_set(a) != tie_set(other)
    assert not np.array_equal(a.household, other.household)
    assert not np.array_equal(a.party_category, other.party_category)


# ------------------------------------------------------------------ loaders ------------------


def _edges(g: nx.Graph) -> set[tuple]:
    return {tuple(sorted(e, key=str)) for e in g.edges}


def test_read_graphml_and_gml_round_trip_karate(tmp_path):
    karate = nx.karate_club_graph()
    nx.write_graphml(karate, tmp_path / "k.graphml")
    nx.write_gml(karate, tmp_path / "k.gml")
    g = read_graph_file(tmp_path / "k.graphml")
    assert g.number_of_nodes() == 34 and g.number_of_edges() == 78
    assert _edges(g) == _edges(karate)
    h = read_graph_file(str(tmp_path / "k.gml"))
    assert sorted(h.nodes) == list(range(34))
    assert _edges(h) == _edges(karate)
    for graph in (g, h):
        c = community_from_networkx(graph, np.random.default_rng(0))
        assert c.n == 34 and c.n_ties == 78


def test_graphml_round_trip_keeps_community_attributes(tmp_path):
    c = make(300, seed=13, party_member_share=0.2, branch_size_max=5)
    nx.write_graphml(c.to_networkx(), tmp_path / "c.graphml")
    d = community_from_networkx(read_graph_file(tmp_path / "c.graphml"), np.random.default_rng(99))
    # GraphML node ids are text; integer ids are read back as integers, in numeric order
    assert d.labels is None
    orig = np.arange(300)
    for f in ("household", "building", "compound", "party_category", "branch"):
        assert np.array_equal(getattr(d, f), getattr(c, f)[orig]), f
    assert {tuple(sorted((int(orig[u]), int(orig[v])))) for u, v in d.ties()} == tie_set(c)


def test_read_edge_lists_with_comments_and_commas(tmp_path):
    (tmp_path / "a.txt").write_text("# a comment\n\n0 1\n1\t2\n  2 3 extra\n# end\n")
    (tmp_path / "b.csv").write_text("# u,v,weight\n0,1,0.5\n1, 2 ,1\n2,3\n")
    (tmp_path / "c.edgelist").write_text("0 1\n1 2 {}\n2 3\n3 2\n")
    for name in ("a.txt", "b.csv", "c.edgelist"):
        g = read_graph_file(tmp_path / name)
        assert sorted(g.nodes) == [0, 1, 2, 3], name
        assert _edges(g) == {(0, 1), (1, 2), (2, 3)}, name
    (tmp_path / "names.edges").write_text("alice bob\nbob carol\n")
    g = read_graph_file(tmp_path / "names.edges")
    assert _edges(g) == {("alice", "bob"), ("bob", "carol")}


def test_from_networkx_renumbers_non_integer_labels_in_sorted_order():
    g = nx.Graph()
    g.add_edges_from([("c", "a"), ("a", "b"), ("d", "c")])
    c = community_from_networkx(g, np.random.default_rng(0), party_member_share=0.0)
    assert c.labels == ["a", "b", "c", "d"]
    named = {(c.labels[u], c.labels[v]) for u, v in c.ties()}
    assert named == {("a", "c"), ("a", "b"), ("c", "d")}
    assert np.all(c.household == -1) and np.all(c.compound == -1)
    # integer nodes 0..n-1 in order: no relabelling
    assert community_from_networkx(nx.path_graph(5), np.random.default_rng(0)).labels is None


def test_from_networkx_directed_read_as_undirected_and_self_loops_dropped():
    g = nx.DiGraph([(0, 1), (1, 0), (1, 2), (2, 2), (3, 3), (3, 0)])
    c = community_from_networkx(g, np.random.default_rng(0))
    assert c.n == 4
    assert tie_set(c) == {(0, 1), (1, 2), (0, 3)}
    m = nx.MultiGraph([(0, 1), (0, 1), (1, 1)])
    assert tie_set(community_from_networkx(m, np.random.default_rng(0))) == {(0, 1)}


def test_from_networkx_uses_party_member_attributes():
    g = nx.path_graph(10)
    for i in g:
        g.nodes[i]["party_member"] = i in (1, 4, 7)
    g.nodes[4]["party_category"] = "mobile"
    g.nodes[7]["party_category"] = "retired"
    g.nodes[2]["party_category"] = "retired"  # not a member: ignored
    c = community_from_networkx(g, np.random.default_rng(0), party_member_share=0.9)
    assert np.flatnonzero(c.party_member).tolist() == [1, 4, 7]
    assert c.party_category[4] == MOBILE and c.party_category[7] == RETIRED
    assert c.party_category[2] == NOT_MEMBER
    assert np.all(c.branch[~c.party_member] == -1) and np.all(c.branch[c.party_member] >= 0)
    # string attributes as a GraphML file without a bool type would give
    h = nx.path_graph(4)
    for i in h:
        h.nodes[i]["party_member"] = "true" if i == 2 else "false"
    assert np.flatnonzero(community_from_networkx(h, np.random.default_rng(0)).party_member).tolist() == [2]


def test_from_networkx_rejects_unknown_category_and_tiny_graphs():
    g = nx.path_graph(3)
    for i in g:
        g.nodes[i]["party_member"] = True
    g.nodes[0]["party_category"] = "honorary"
    with pytest.raises(GraphFileError, match="honorary"):
        community_from_networkx(g, np.random.default_rng(0))
    one = nx.Graph()
    one.add_node(0)
    with pytest.raises(GraphFileError, match="at least 2"):
        community_from_networkx(one, np.random.default_rng(0))


def test_from_networkx_member_attributes_branches_respect_compounds_and_size_max():
    g = nx.path_graph(40)
    for i in g:
        g.nodes[i]["compound"] = i // 20
        g.nodes[i]["party_member"] = i % 2 == 0
    c = community_from_networkx(g, np.random.default_rng(0), branch_size_max=5)
    members = c.party_member
    assert members.sum() == 20
    assert np.bincount(c.branch[members]).max() <= 5
    pairs = np.unique(np.column_stack([c.branch[members], c.compound[members]]), axis=0)
    assert len(pairs) == len(np.unique(c.branch[members]))  # one compound per branch


# ------------------------------------------------------------------ bad files ----------------


def _bad_files(tmp_path):
    malformed = tmp_path / "broken.graphml"
    malformed.write_text('<?xml version="1.0"?>\n<graphml><graph><node id="a"></graph>\n')
    one_field = tmp_path / "one_field.txt"
    one_field.write_text("# header\n0 1\n2\n")
    lonely = tmp_path / "lonely.csv"
    lonely.write_text("# nothing but a comment\n\n")
    self_only = tmp_path / "self.edgelist"
    self_only.write_text("5 5\n")
    return [
        (tmp_path / "missing.graphml", "not found"),
        (tmp_path / "graph.json", "unknown type '.json'"),
        (malformed, "not valid graphml"),
        (one_field, "line 3"),
        (lonely, "0 node(s)"),
        (self_only, "1 node(s)"),
    ]


def test_bad_graph_files_raise_one_line_errors(tmp_path):
    (tmp_path / "graph.json").write_text("{}")
    for path, fragment in _bad_files(tmp_path):
        with pytest.raises(GraphFileError) as info:
            read_graph_file(path)
        msg = str(info.value)
        assert "\n" not in msg and msg.strip() == msg, msg
        assert str(path) in msg, msg
        assert fragment in msg, msg
    assert issubclass(GraphFileError, ValueError)


def test_unknown_suffix_lists_allowed_suffixes(tmp_path):
    with pytest.raises(GraphFileError) as info:
        read_graph_file(tmp_path / "g.xlsx")
    for suffix in GRAPH_SUFFIXES:
        assert suffix in str(info.value)


# ------------------------------------------------------------------ the model ----------------


def test_model_accepts_a_user_graph():
    model = RedCycleModel(graph=nx.karate_club_graph(), rng=1)
    assert model.community.n == 34
    assert model.community.n_ties == 78
    assert model.p["n_residents"] == 34
    assert len(model.residents) == 34
    assert model.graph.number_of_edges() == 78
    model.run(3)
    assert model.rung_counts().sum() == 34


def test_the_generators_defaults_are_the_schemas():
    """Defaults are said once, in model/params.py: the generator's keywords take theirs from it."""
    import inspect

    from model.graph import community_from_networkx, generate_community
    from model.params import DEFAULTS

    for f in (generate_community, community_from_networkx):
        keywords = [p for p in inspect.signature(f).parameters.values() if p.kind is p.KEYWORD_ONLY]
        assert keywords and all(p.default == DEFAULTS[p.name] for p in keywords)


def _csr_by_argsort(n, u, v):
    """The CSR as the model first built it (index arrays and a stable argsort): the reference the
    compiled builder must equal, order within rows included."""
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    keep = u != v
    key = np.unique(np.minimum(u[keep], v[keep]) * n + np.maximum(u[keep], v[keep]))
    lo, hi = key // n, key % n
    rows, cols = np.concatenate([lo, hi]), np.concatenate([hi, lo])
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, cols[np.argsort(rows, kind="stable")].astype(np.int32)


@pytest.mark.parametrize("n, m", [(2, 0), (7, 40), (1000, 6000)])
def test_the_csr_builder_keeps_the_order_neighbours_are_met_in(n, m):
    """Self-ties and repeats (both directions) dropped; each row: neighbours above, then below, ascending."""
    rng = np.random.default_rng(n)
    u, v = rng.integers(0, n, m), rng.integers(0, n, m).astype(np.int32)
    u, v = np.concatenate([u, v, u]), np.concatenate([v, u, u])  # every tie twice, and self-ties
    got, want = csr_from_ties(n, u, v), _csr_by_argsort(n, u, v)
    assert got[0].dtype == np.int64 and got[1].dtype == np.int32
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    if m:
        row = got[1][got[0][3] : got[0][4]]
        above, below = row[row > 3], row[row < 3]
        assert list(row) == sorted(above) + sorted(below)
