"""Residents as they are: age and retirement, work and hours, tenure and household type.

Who takes part in urban community life is shaped above all by age, work and tenure: retirees are
the core of neighbourhood activism (Read 2012, *Roots of the State*), elder care is the largest
unmet need (CSS 2021), migrants (流动人口) and renters take part less. This module draws those
traits for every resident from census-style shares (stream "demography"), consistent with the
Party categories the community already holds, and turns them into the engine's traits through
the rules of docs/ODD.md 5.2 (time budget from work and retirement, needs from age and household
type, ties and initial trust from tenure). Nothing here writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .graph import IN_SERVICE, MOBILE, NOT_MEMBER, RETIRED, Community, _branch_ties, _branches, csr_from_ties
from .parameters import Parameters

AGE_GROUPS: tuple[str, ...] = ("age_0_14", "age_15_59", "age_60_64", "age_65_plus")
"""Age groups, indexed by the ``age_group`` code (the census's 0-14, 15-59, 60-64 and 65+)."""
CHILD, WORKING_AGE, YOUNG_OLD, OLD = range(4)

WORK_STATUSES: tuple[str, ...] = ("not_working", "employed", "retired")
NOT_WORKING, EMPLOYED, RETIRED_WORK = range(3)

TENURES: tuple[str, ...] = ("owner", "renter", "migrant")
"""Tenure, indexed by the ``tenure`` code: owner-occupier, local renter, migrant (流动人口)."""
OWNER, RENTER, MIGRANT = range(3)

HOUSEHOLD_TYPES: tuple[str, ...] = ("family", "one_person", "with_elderly", "elderly_only", "elderly_alone", "unknown")
"""Household type, derived from the ages of a household's members (``unknown``: no household ids)."""
FAMILY, ONE_PERSON, WITH_ELDERLY, ELDERLY_ONLY, ELDERLY_ALONE, UNKNOWN_HOUSEHOLD = range(6)

MAX_WORK_HOURS = 84.0
"""The longest working week drawn or read: twelve hours on seven days. Modelling assumption."""
STANDARD_WORK_WEEK = 40.0
"""The standard working week, in hours: eight hours a day, 40 a week (State Council, Regulations on
Employees' Working Hours, 1995, art. 3). A full-time job costs ``work_time_cost`` of a resident's time."""

GROUPINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "age": ("age_group", AGE_GROUPS),
    "tenure": ("tenure", TENURES),
    "membership": ("party_member", ("non_member", "party_member")),
}
"""The groupings outcomes are recorded by: (registry field or 'party_member', group keys)."""


@dataclass
class Demography:
    """One array per trait, one entry per resident (codes of the tuples above)."""

    age_group: np.ndarray  # int8
    work_status: np.ndarray  # int8
    work_hours: np.ndarray  # float64, hours a week (0 unless employed)
    tenure: np.ndarray  # int8
    household_type: np.ndarray  # int8

    def arrays(self) -> dict[str, np.ndarray]:
        return dict(self.__dict__)


def tenure_shares(p: Parameters) -> np.ndarray:
    """Shares of owners, renters and migrants; ``diversity`` d moves them towards an even mix:
    share' = (1 - d) x share + d / 3 (docs/ODD.md 5.2)."""
    shares = np.array([1.0 - p.renter_share - p.migrant_share, p.renter_share, p.migrant_share])
    d = p.diversity
    return (1.0 - d) * shares + d / 3.0


def _households(household: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dense household index per resident, size per household, is-head per resident).

    Residents without a household id (-1) are each their own household. The head is the
    lowest-numbered member."""
    n = len(household)
    key = np.where(household >= 0, household.astype(np.int64), -1 - np.arange(n, dtype=np.int64))
    _, first, dense = np.unique(key, return_index=True, return_inverse=True)
    size = np.bincount(dense)
    head = np.zeros(n, dtype=bool)
    head[first] = True
    return dense, size, head


def draw_demography(
    community: Community, p: Parameters, rng: np.random.Generator, given: dict[str, np.ndarray] | None = None
) -> tuple[Demography, np.ndarray]:
    """Each resident's age group, work, hours and tenure, and its household's type.

    Returns the demography and the Party categories (those of ``community``, or, where ``given``
    names members, derived from their traits). ``given`` maps a trait to an array with -1 (or NaN
    for hours) where the survey left it open: given values are kept, the rest drawn.
    """
    n = community.n
    given = given or {}
    dense, size, head = _households(community.household)
    n_households = len(size)
    category = community.party_category.copy()
    pending = np.zeros(n, dtype=bool)  # members named by a survey without a category
    if "party_member" in given:  # the survey's members; open cells drawn at party_member_share
        open_cell = given["party_member"] < 0
        adult = given.get("age_group", np.full(n, -1)) != CHILD
        member = (given["party_member"] == 1) | (open_cell & adult & (rng.random(n) < p.party_member_share))
        category = np.where(member, np.maximum(given.get("party_category", np.full(n, -1)), 0), NOT_MEMBER)
        category = category.astype(np.int8)
        pending = member & (category == NOT_MEMBER)

    # ages: elderly-only households first, then the Party categories, then the census shares
    age = np.full(n, -1, dtype=np.int8)
    if "age_group" in given:
        age[:] = given["age_group"]
    young_member = np.isin(category, (IN_SERVICE, MOBILE)) | pending
    blocks = np.bincount(dense, weights=young_member | ((age >= 0) & (age < YOUNG_OLD)), minlength=n_households)
    known = np.bincount(dense, weights=community.household >= 0, minlength=n_households) > 0
    elderly_hh = known & (size <= 2) & (blocks == 0) & (rng.random(n_households) < p.elderly_household_share)
    elder = (age < 0) & (elderly_hh[dense] | (category == RETIRED))
    age[elder] = YOUNG_OLD
    age[(age < 0) & young_member] = WORKING_AGE
    free = age < 0
    need_elders = max(0.0, p.aged_60_plus_share * n - np.count_nonzero(age >= YOUNG_OLD))
    u = rng.random(n)
    draw_elder = free & (u < need_elders / max(int(np.count_nonzero(free)), 1))
    age[draw_elder] = YOUNG_OLD
    free &= ~draw_elder
    children_ok = free & ~head  # a household is never headed by a child
    need_children = max(0.0, p.aged_0_14_share * n - np.count_nonzero(age == CHILD))
    draw_child = children_ok & (rng.random(n) < need_children / max(int(np.count_nonzero(children_ok)), 1))
    age[draw_child] = CHILD
    age[age < 0] = WORKING_AGE
    split = rng.random(n) < p.aged_65_plus_share / max(p.aged_60_plus_share, 1e-12)
    drawn_elder = (age == YOUNG_OLD) & ~(given.get("age_group", np.full(n, -1)) >= 0)
    age[drawn_elder & split] = OLD

    # work: retirement at 60, children at school, working age employed at the employment rate
    work = np.full(n, NOT_WORKING, dtype=np.int8)
    work[age >= YOUNG_OLD] = RETIRED_WORK
    employed = (age == WORKING_AGE) & ((rng.random(n) < p.employment_rate) | young_member)
    work[employed] = EMPLOYED
    work[category == RETIRED] = RETIRED_WORK
    if "work_status" in given:
        work = np.where(given["work_status"] >= 0, given["work_status"], work).astype(np.int8)
    hours = np.where(
        work == EMPLOYED, np.clip(rng.normal(p.work_hours_mean, p.work_hours_sd, n), 1.0, MAX_WORK_HOURS), 0.0
    )
    if "work_hours" in given:
        hours = np.where(np.isnan(given["work_hours"]), hours, given["work_hours"])

    # tenure, per household; a mobile member's household is a migrant household
    hh_tenure = rng.choice(3, size=n_households, p=tenure_shares(p)).astype(np.int8)
    mobile_hh = np.bincount(dense, weights=category == MOBILE, minlength=n_households) > 0
    hh_tenure[mobile_hh] = MIGRANT
    tenure = hh_tenure[dense]
    if "tenure" in given:
        tenure = np.where(given["tenure"] >= 0, given["tenure"], tenure).astype(np.int8)

    # members a survey named without a category: retired if retired, mobile if migrant
    category[pending] = np.where(
        work[pending] == RETIRED_WORK, RETIRED, np.where(tenure[pending] == MIGRANT, MOBILE, IN_SERVICE)
    )
    demography = Demography(age, work, hours, tenure, household_types(community.household, dense, size, age))
    return demography, category


def household_types(household: np.ndarray, dense: np.ndarray, size: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Household type of each resident, from the ages of its household's members."""
    elders = np.bincount(dense, weights=age >= YOUNG_OLD, minlength=len(size))
    s, e = size[dense], elders[dense]
    kind = np.select(
        [(s == 1) & (e == 1), (s > 1) & (e == s), e > 0, s == 1],
        [ELDERLY_ALONE, ELDERLY_ONLY, WITH_ELDERLY, ONE_PERSON],
        FAMILY,
    ).astype(np.int8)
    kind[household < 0] = UNKNOWN_HOUSEHOLD
    return kind


def time_factor(d: Demography, category: np.ndarray, p: Parameters) -> np.ndarray:
    """Each resident's time budget relative to a working-age resident not in work (ODD 5.2):
    children x child_time_factor, retired x retired_time_factor, employed
    max(0.1, 1 - work_time_cost x hours / STANDARD_WORK_WEEK), mobile Party members also x mobile_time_factor."""
    f = np.ones(len(d.age_group))
    f[d.age_group == CHILD] = p.child_time_factor
    f[d.work_status == RETIRED_WORK] = p.retired_time_factor
    employed = d.work_status == EMPLOYED
    f[employed] = np.maximum(0.1, 1.0 - p.work_time_cost * d.work_hours[employed] / STANDARD_WORK_WEEK)
    f[category == MOBILE] *= p.mobile_time_factor
    return f


def need_factors(d: Demography, p: Parameters, n_categories: int) -> np.ndarray:
    """(n, categories) multipliers of the initial need means (ODD 5.2): elder and medical care
    x elder_need_factor at 65+ (halfway at 60-64); elder care also x alone_need_factor for elderly
    living alone."""
    f = np.ones((len(d.age_group), n_categories))
    older = np.select(
        [d.age_group == OLD, d.age_group == YOUNG_OLD],
        [p.elder_need_factor, (1.0 + p.elder_need_factor) / 2.0],
        1.0,
    )
    f[:, 0] *= older
    f[:, 1] *= older
    f[d.household_type == ELDERLY_ALONE, 0] *= p.alone_need_factor
    return f


def trust_factor(d: Demography, p: Parameters) -> np.ndarray:
    """Initial trust relative to an owner: renters x renter_trust_factor, migrants x migrant_trust_factor."""
    return np.array([1.0, p.renter_trust_factor, p.migrant_trust_factor])[d.tenure]


def attachment(d: Demography, p: Parameters) -> np.ndarray:
    """Each resident's attachment to the community: 1 for owners, renter_attachment for renters,
    migrant_attachment for migrants. It thins ties between households and the organisation's reach."""
    return np.array([1.0, p.renter_attachment, p.migrant_attachment])[d.tenure]


def thin_ties(community: Community, d: Demography, p: Parameters, rng: np.random.Generator) -> Community:
    """Keep each tie between two households with probability min(a_u, a_v), a the attachment
    (ODD 5.2). Ties within a household stay."""
    t = attachment(d, p)
    if (t >= 1.0).all():
        return community
    ties = community.ties()
    u, v = ties[:, 0], ties[:, 1]
    same_household = (community.household[u] == community.household[v]) & (community.household[u] >= 0)
    keep = same_household | (rng.random(len(u)) < np.minimum(t[u], t[v]))
    indptr, indices = csr_from_ties(community.n, u[keep], v[keep])
    return replace(community, indptr=indptr, indices=indices)


def with_members(
    community: Community, category: np.ndarray, p: Parameters, rng: np.random.Generator | None
) -> Community:
    """The community with these Party categories: branches per compound and, when ``rng`` is given
    (a generated community), ties within each branch (a loaded graph keeps its own ties)."""
    if np.array_equal(category, community.party_category):
        return community
    members = np.flatnonzero(category != NOT_MEMBER)
    branch = _branches(members, np.maximum(community.compound, 0), p.branch_size_max, community.n)
    out = replace(community, party_category=category.astype(np.int8), branch=branch)
    if rng is None:
        return out
    ties = community.ties()
    bu, bv = _branch_ties(branch, p.branch_ties, rng)
    indptr, indices = csr_from_ties(community.n, np.concatenate([ties[:, 0], bu]), np.concatenate([ties[:, 1], bv]))
    return replace(out, indptr=indptr, indices=indices)
