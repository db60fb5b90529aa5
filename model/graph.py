"""The community graph (社区): households inside buildings inside compounds, and Party branches.

The essay calls the urban community 城市社会网络的"微单元" (the "micro-unit" of the city's
social network). The generator builds that micro-unit in time linear in residents + ties, with
numpy only (no O(N^2) step, no networkx on the hot path):

* residents are numbered so that every household, building and compound is a contiguous
  range of ids; a household is a clique (dense ties); each resident draws Poisson-many ties to
  random residents of its building (neighbours), of its compound, and of the whole community
  (long ties);
* Party members (党员) are a fixed share of residents, each with a category of the essay's
  classified management (分类管理): in service, retired (退休党员) or mobile (流动党员); the
  members of a compound form Party branches (党支部) of at most ``branch_size_max`` members and
  draw ties within their branch.

The result is a :class:`Community`: a symmetric CSR adjacency (``indptr``, ``indices``) plus one
array per node attribute. ``Community.to_networkx()`` gives the networkx graph for users and for
Mesa's ``Network`` space; users can load their own graph instead (:func:`read_graph_file`,
:func:`community_from_networkx`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .jit import njit
from .params import DEFAULTS, ParameterError

CATEGORY_NAMES: tuple[str, ...] = ("none", "in_service", "retired", "mobile")
"""Party-member categories, indexed by the ``party_category`` code (0 = not a member)."""
NOT_MEMBER, IN_SERVICE, RETIRED, MOBILE = range(4)

EDGE_LIST_SUFFIXES = (".edgelist", ".edges", ".txt", ".csv", ".tsv")
GRAPH_SUFFIXES = (".graphml", ".gml") + EDGE_LIST_SUFFIXES


class GraphFileError(ParameterError):
    """A graph (file or object) that is missing, unreadable or malformed (a one-line message)."""


GROUP_ID_RANGE = (-1, 2**31 - 1)
"""Allowed values of the integer node attributes (household, building, compound, branch); -1 = unknown."""
EDGE_LIST_HEADERS = (("source", "target"), ("from", "to"), ("src", "dst"), ("node1", "node2"))
"""First lines of an edge list read as a header (case-insensitive); any other words are node ids."""
_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")


@dataclass
class Community:
    """A community graph in CSR form, with one array per node attribute.

    ``indptr``/``indices`` hold each undirected tie twice (once from each end); there are no
    self-loops and no repeated ties. Group ids are -1 where unknown (a loaded graph without them).
    """

    indptr: np.ndarray  # int64, n + 1
    indices: np.ndarray  # int32, 2 * n_ties
    household: np.ndarray  # int32
    building: np.ndarray  # int32
    compound: np.ndarray  # int32
    party_category: np.ndarray  # int8, codes of CATEGORY_NAMES
    branch: np.ndarray  # int32, -1 for non-members
    labels: list | None = None  # original node labels of a loaded graph, else None

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_ties(self) -> int:
        return len(self.indices) // 2

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def party_member(self) -> np.ndarray:
        return self.party_category != NOT_MEMBER

    def rows(self) -> np.ndarray:
        """The source node of every CSR entry (the row index, expanded)."""
        return np.repeat(np.arange(self.n, dtype=np.int32), self.degree)

    def ties(self) -> np.ndarray:
        """Each undirected tie once, as an (n_ties, 2) array with u < v."""
        rows = self.rows()
        keep = rows < self.indices
        return np.column_stack([rows[keep], self.indices[keep]])

    def to_networkx(self) -> nx.Graph:
        """The community as a networkx graph with integer nodes 0..n-1 and node attributes."""
        g = nx.Graph()
        cat = self.party_category
        g.add_nodes_from(
            (
                i,
                {
                    "household": int(h),
                    "building": int(b),
                    "compound": int(c),
                    "party_member": bool(k),
                    "party_category": CATEGORY_NAMES[k],
                    "branch": int(br),
                },
            )
            for i, (h, b, c, k, br) in enumerate(
                zip(self.household, self.building, self.compound, cat, self.branch, strict=True)
            )
        )
        g.add_edges_from(self.ties().tolist())
        return g


def _group_sizes(total: int, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Sizes 1 + Poisson(mean - 1) that add up to exactly ``total`` (the last one is cut)."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    guess = int(total / mean * 1.1) + 16
    sizes = 1 + rng.poisson(mean - 1.0, size=guess)
    while sizes.sum() < total:  # rare: draw more
        sizes = np.concatenate([sizes, 1 + rng.poisson(mean - 1.0, size=guess)])
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, total)) + 1  # first k groups reach total
    sizes = sizes[:k].copy()
    sizes[-1] -= ends[k - 1] - total
    return sizes


def _contiguous_groups(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group id of each member, and the start of each group, for contiguous groups."""
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return np.repeat(np.arange(len(sizes), dtype=np.int32), sizes), starts


def _clique_ties(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs inside each contiguous group (households are small, so loop over sizes)."""
    us, vs = [], []
    for s in np.unique(sizes):
        if s < 2:
            continue
        a, b = np.triu_indices(int(s), 1)
        st = starts[sizes == s][:, None]
        us.append((st + a).ravel())
        vs.append((st + b).ravel())
    if not us:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(us), np.concatenate(vs)


def _random_ties(
    members: np.ndarray, start: np.ndarray, size: np.ndarray, mean_ties: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each member starts Poisson(mean_ties / 2) ties to uniform members of its own group.

    ``members`` lists node ids; ``start``/``size`` give, per member, the position range of its
    group within ``members`` (groups are contiguous there). Each tie counts at both ends, so a
    member's expected degree from these ties is ``mean_ties`` (less self-ties and repeats).
    """
    if mean_ties <= 0 or len(members) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    k = rng.poisson(mean_ties / 2.0, size=len(members))
    src_pos = np.repeat(np.arange(len(members)), k)
    dst_pos = start[src_pos] + (rng.random(len(src_pos)) * size[src_pos]).astype(np.int64)
    return members[src_pos].astype(np.int64), members[dst_pos].astype(np.int64)


def csr_from_ties(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric CSR (indptr, indices) from tie end lists; drops self-ties and repeats.

    Row i lists i's neighbours above i in ascending order, then those below i in ascending order
    (the order every run has used: it decides the order neighbours are met in). Built from one
    sorted array of tie keys, lo x n + hi, with two compiled passes: at a million residents the
    peak memory is the keys and the result, not the half-dozen index arrays of an argsort."""
    key = _tie_keys(n, np.asarray(u), np.asarray(v))
    key.sort()  # sort + skip repeats: numpy 2.5's hash-based np.unique is far slower here
    return _csr_from_sorted_keys(n, key)


@njit
def _tie_keys(n, u, v):
    """lo x n + hi of every tie that is not a self-tie, in input order."""
    m = 0
    for t in range(u.shape[0]):
        if u[t] != v[t]:
            m += 1
    key = np.empty(m, dtype=np.int64)
    k = 0
    for t in range(u.shape[0]):
        a, b = np.int64(u[t]), np.int64(v[t])
        if a != b:
            key[k] = min(a, b) * n + max(a, b)
            k += 1
    return key


@njit
def _csr_from_sorted_keys(n, key):
    """The CSR of the ties in ``key`` (sorted; repeats skipped): every tie (lo, hi) is written into
    lo's row first, in key order, then into hi's row, in key order."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    for t in range(key.shape[0]):
        if t == 0 or key[t] != key[t - 1]:
            indptr[key[t] // n + 1] += 1
            indptr[key[t] % n + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(indptr[n], dtype=np.int32)
    for side in range(2):
        for t in range(key.shape[0]):
            if t == 0 or key[t] != key[t - 1]:
                lo, hi = key[t] // n, key[t] % n
                row, col = (lo, hi) if side == 0 else (hi, lo)
                indices[fill[row]] = col
                fill[row] += 1
    return indptr, indices


def _assign_party(
    n: int,
    compound: np.ndarray,
    rng: np.random.Generator,
    party_member_share: float,
    retired_share: float,
    mobile_share: float,
    branch_size_max: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Party-member categories and branches: an exact share of members, split by category."""
    n_members = int(round(party_member_share * n))
    members = np.sort(rng.choice(n, size=n_members, replace=False)) if n_members else np.zeros(0, np.int64)
    category = np.zeros(n, dtype=np.int8)
    category[members] = _categories(n_members, rng, retired_share, mobile_share)
    return category, _branches(members, compound, branch_size_max, n)


def _categories(n_members: int, rng: np.random.Generator, retired_share: float, mobile_share: float) -> np.ndarray:
    """Exactly round(share x members) retired and mobile members, the rest in service, shuffled."""
    n_retired = int(round(retired_share * n_members))
    n_mobile = min(int(round(mobile_share * n_members)), n_members - n_retired)
    cats = np.full(n_members, IN_SERVICE, dtype=np.int8)
    cats[:n_retired] = RETIRED
    cats[n_retired : n_retired + n_mobile] = MOBILE
    return rng.permutation(cats)


def _branches(members: np.ndarray, compound: np.ndarray, branch_size_max: int, n: int) -> np.ndarray:
    """Branch of each resident (-1 for non-members): each compound's members, in id order, split
    into ceil(m / branch_size_max) branches of near-equal size."""
    branch = np.full(n, -1, dtype=np.int32)
    if len(members) == 0:
        return branch
    order = members[np.argsort(compound[members], kind="stable")]  # group members by compound
    comp = compound[order]
    c_start = np.flatnonzero(np.r_[True, comp[1:] != comp[:-1]])
    c_size = np.diff(np.r_[c_start, len(order)])
    n_branches = -(-c_size // branch_size_max)  # ceil
    offset = np.r_[0, np.cumsum(n_branches)[:-1]]
    grp = np.repeat(np.arange(len(c_size)), c_size)
    rank = np.arange(len(order)) - c_start[grp]
    branch[order] = (offset[grp] + rank * n_branches[grp] // c_size[grp]).astype(np.int32)
    return branch


def _branch_ties(branch: np.ndarray, mean_ties: float, rng: np.random.Generator):
    members = np.flatnonzero(branch >= 0)
    if len(members) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = members[np.argsort(branch[members], kind="stable")]
    b = branch[order]
    _, start_of, counts = np.unique(b, return_index=True, return_counts=True)
    grp = np.repeat(np.arange(len(counts)), counts)
    return _random_ties(order, start_of[grp], counts[grp], mean_ties, rng)


def generate_community(
    n_residents: int,
    rng: np.random.Generator,
    *,
    household_size_mean: float = DEFAULTS["household_size_mean"],
    households_per_building: float = DEFAULTS["households_per_building"],
    buildings_per_compound: float = DEFAULTS["buildings_per_compound"],
    building_ties: float = DEFAULTS["building_ties"],
    compound_ties: float = DEFAULTS["compound_ties"],
    long_ties: float = DEFAULTS["long_ties"],
    party_member_share: float = DEFAULTS["party_member_share"],
    retired_share: float = DEFAULTS["retired_share"],
    mobile_share: float = DEFAULTS["mobile_share"],
    branch_size_max: int = DEFAULTS["branch_size_max"],
    branch_ties: float = DEFAULTS["branch_ties"],
) -> Community:
    """Generate a seeded community of ``n_residents`` in time linear in residents + ties.

    See the module docstring and ``docs/ODD.md`` (Initialization) for the rules; every argument
    is a parameter of the schema in :mod:`model.params`.
    """
    n = int(n_residents)
    hh_sizes = _group_sizes(n, household_size_mean, rng)
    household, _ = _contiguous_groups(hh_sizes)
    bl_sizes_hh = _group_sizes(len(hh_sizes), households_per_building, rng)  # households per building
    building_of_hh, _ = _contiguous_groups(bl_sizes_hh)
    building = building_of_hh[household]
    bl_sizes = np.bincount(building).astype(np.int64)  # residents per building
    cp_sizes_bl = _group_sizes(len(bl_sizes), buildings_per_compound, rng)
    compound_of_bl, _ = _contiguous_groups(cp_sizes_bl)
    compound = compound_of_bl[building]
    return community_from_groups(
        household,
        building.astype(np.int32),
        compound.astype(np.int32),
        rng,
        building_ties=building_ties,
        compound_ties=compound_ties,
        long_ties=long_ties,
        party_member_share=party_member_share,
        retired_share=retired_share,
        mobile_share=mobile_share,
        branch_size_max=branch_size_max,
        branch_ties=branch_ties,
    )


def community_from_groups(
    household: np.ndarray,
    building: np.ndarray,
    compound: np.ndarray,
    rng: np.random.Generator,
    *,
    building_ties: float,
    compound_ties: float,
    long_ties: float,
    party_member_share: float,
    retired_share: float,
    mobile_share: float,
    branch_size_max: int,
    branch_ties: float,
) -> Community:
    """Ties and Party members (steps 3-5 of the generator) for residents with the given household,
    building and compound ids; a group's members need not be numbered contiguously (a survey's)."""
    n = len(household)
    if all((np.diff(ids) >= 0).all() for ids in (household, building, compound)):
        order = np.arange(n, dtype=np.int64)  # the generator's contiguous groups
    else:
        order = np.lexsort((household, building, compound)).astype(np.int64)

    def runs(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start and size, per position in ``order``, of the run of equal ids it belongs to."""
        ids = ids[order]
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        sizes = np.diff(np.r_[starts, n])
        group = np.repeat(np.arange(len(starts)), sizes)
        return starts[group], sizes[group]

    hh_start, hh_size = runs(household)
    first = np.r_[True, hh_start[1:] != hh_start[:-1]]
    cu, cv = _clique_ties(hh_start[first], hh_size[first])
    parts = [
        (order[cu], order[cv]),
        _random_ties(order, *runs(building), building_ties, rng),
        _random_ties(order, *runs(compound), compound_ties, rng),
        _random_ties(order, np.zeros(n, np.int64), np.full(n, n, np.int64), long_ties, rng),
    ]
    category, branch = _assign_party(n, compound, rng, party_member_share, retired_share, mobile_share, branch_size_max)
    parts.append(_branch_ties(branch, branch_ties, rng))
    u = np.concatenate([p[0] for p in parts])
    v = np.concatenate([p[1] for p in parts])
    indptr, indices = csr_from_ties(n, u, v)
    return Community(
        indptr,
        indices,
        household.astype(np.int32),
        building.astype(np.int32),
        compound.astype(np.int32),
        category,
        branch,
    )


def _node_int(data: list[dict], key: str, order: list) -> np.ndarray | None:
    """The integer attribute ``key`` of every node (None if some node lacks it), checked exactly."""
    vals = [d.get(key) for d in data]
    if any(x is None for x in vals):
        return None
    lo, hi = GROUP_ID_RANGE
    out = np.empty(len(vals), dtype=np.int32)
    for i, x in enumerate(vals):
        if isinstance(x, str) and _CANONICAL_INT.fullmatch(x.strip()):
            x = int(x)
        elif isinstance(x, float | np.floating) and float(x).is_integer():
            x = int(x)
        if isinstance(x, bool | np.bool_) or not isinstance(x, int | np.integer) or not lo <= x <= hi:
            raise GraphFileError(
                f"node attribute '{key}' = {x!r} on node {order[i]!r}; "
                f"allowed: an integer in [{lo}, {hi}] on every node"
            )
        out[i] = x
    return out


def community_from_networkx(
    graph: nx.Graph,
    rng: np.random.Generator,
    *,
    party_member_share: float = DEFAULTS["party_member_share"],
    retired_share: float = DEFAULTS["retired_share"],
    mobile_share: float = DEFAULTS["mobile_share"],
    branch_size_max: int = DEFAULTS["branch_size_max"],
) -> Community:
    """A :class:`Community` from a user's networkx graph; every node becomes a resident.

    Directed graphs are read as undirected, self-loops and repeated ties are dropped (once, here:
    the Mesa agents then see the same neighbours, ``RedCycleModel.graph``). Node ids are labels,
    never merged: nodes that are not exactly the integers 0..n-1 are renumbered in sorted order
    (insertion order if the labels cannot be sorted); the labels are kept in ``Community.labels``. Node
    attributes ``household``, ``building``, ``compound``, ``branch`` (integers), ``party_member``
    (bool) and ``party_category`` (in_service, retired, mobile) are used where every node has
    them; without ``party_member`` on any node, members are drawn at ``party_member_share``.
    """
    if not isinstance(graph, nx.Graph):
        raise GraphFileError(
            f"graph must be a networkx graph, got {type(graph).__name__}; "
            "allowed: a networkx Graph, DiGraph, MultiGraph or MultiDiGraph"
        )
    n = graph.number_of_nodes()
    if n < 2:
        raise GraphFileError(f"graph has {n} node(s); allowed: at least 2")
    order = list(graph.nodes)
    labels = None
    if order != list(range(n)):
        try:
            order = sorted(order)
        except TypeError:
            pass
        labels = order
    index = {node: i for i, node in enumerate(order)}
    data = [graph.nodes[v] for v in order]
    m = graph.number_of_edges()
    u = np.fromiter((index[a] for a, _ in graph.edges()), dtype=np.int64, count=m)
    v = np.fromiter((index[b] for _, b in graph.edges()), dtype=np.int64, count=m)
    indptr, indices = csr_from_ties(n, u, v)
    minus = np.full(n, -1, dtype=np.int32)
    groups = {k: _node_int(data, k, order) for k in ("household", "building", "compound", "branch")}
    household, building, compound, branch = (minus.copy() if a is None else a for a in groups.values())
    if any("party_member" in d for d in data):
        member = np.asarray([_truthy(d.get("party_member", False)) for d in data], dtype=bool)
        category = np.zeros(n, dtype=np.int8)
        category[member] = _categories(int(member.sum()), rng, retired_share, mobile_share)
        for i, d in enumerate(data):
            name = d.get("party_category")
            if member[i] and name is not None:
                if name not in CATEGORY_NAMES[1:]:
                    raise GraphFileError(
                        f"node attribute 'party_category' = {name!r} on node {order[i]!r}; "
                        f"allowed: {', '.join(CATEGORY_NAMES[1:])}"
                    )
                category[i] = CATEGORY_NAMES.index(name)
        if groups["branch"] is None:
            branch = _branches(np.flatnonzero(member), np.maximum(compound, 0), branch_size_max, n)
        branch[~member] = -1
    else:
        # branches follow compounds where every node has one, else one compound for all
        category, branch = _assign_party(
            n, np.maximum(compound, 0), rng, party_member_share, retired_share, mobile_share, branch_size_max
        )
    return Community(indptr, indices, household, building, compound, category, branch, labels)


def _truthy(x) -> bool:
    if isinstance(x, str):
        return x.strip().lower() in ("true", "1", "yes")
    return bool(x)


def read_graph_file(path: str | os.PathLike) -> nx.Graph:
    """Read a GraphML, GML or edge-list file into a networkx graph, or raise GraphFileError.

    An edge list has one tie per line: two node ids separated by white space or a comma (more
    columns are ignored); lines starting with ``#`` are comments.
    """
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in GRAPH_SUFFIXES:
        raise GraphFileError(f"graph file '{path}' has unknown type '{suffix}'; allowed: {', '.join(GRAPH_SUFFIXES)}")
    if not os.path.isfile(path):
        what = "is not a regular file" if os.path.exists(path) else "not found"
        raise GraphFileError(f"graph file '{path}' {what}; allowed: a GraphML, GML or edge-list file")
    try:
        if suffix == ".graphml":
            g = nx.read_graphml(path)
        elif suffix == ".gml":
            g = nx.read_gml(path, label="id")
        else:
            g = _read_edge_list(path)
    except GraphFileError:
        raise
    except PermissionError:
        raise GraphFileError(f"graph file '{path}' cannot be read (permission denied)") from None
    except Exception as exc:  # networkx raises many kinds for malformed files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GraphFileError(f"graph file '{path}' is not valid {suffix[1:]}: {reason[:200]}") from None
    if g.number_of_nodes() < 2:
        raise GraphFileError(f"graph file '{path}' has {g.number_of_nodes()} node(s); allowed: at least 2")
    if all(isinstance(v, str) and _CANONICAL_INT.fullmatch(v) for v in g.nodes):
        g = nx.relabel_nodes(g, {v: int(v) for v in g.nodes})  # GraphML ids are text: "10" is node 10
    return g


def _read_edge_list(path: str) -> nx.Graph:
    """Ties as given; ids are integers only when every id is one written plainly (``7``, not
    ``07`` or ``+7``), else every id is a text label, so no two ids are ever merged."""
    edges: list[tuple[str, str]] = []
    first = None
    header = False
    with open(path, encoding="utf-8-sig") as fh:  # a byte-order mark is no error
        for lineno, line in enumerate(fh, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            fields = [f.strip().strip('"') for f in text.replace("\t", " ").replace(",", " ").split()]
            if len(fields) < 2:
                raise GraphFileError(f"graph file '{path}' line {lineno}: expected two node ids, got {text[:80]!r}")
            if first is None:
                first = lineno
                header = tuple(f.lower() for f in fields[:2]) in EDGE_LIST_HEADERS
                if header:
                    continue
            edges.append((fields[0], fields[1]))
    plain = [bool(_CANONICAL_INT.fullmatch(a) and _CANONICAL_INT.fullmatch(b)) for a, b in edges]
    if not header and len(edges) > 1 and not plain[0] and all(plain[1:]):
        raise GraphFileError(
            f"graph file '{path}' line {first}: {' '.join(edges[0])!r} looks like a header "
            "(every other line holds integer ids); allowed header lines: "
            f"{', '.join(','.join(h) for h in EDGE_LIST_HEADERS)}, or start it with #"
        )
    g = nx.Graph()
    g.add_edges_from([(int(a), int(b)) for a, b in edges] if all(plain) else edges)
    return g
