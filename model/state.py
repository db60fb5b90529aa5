"""The one state registry: every per-resident state variable as a named, typed numpy array.

The model owns one :class:`ResidentState`. Vectorised rules read and write its arrays for all
residents at once; a Mesa agent object (:class:`agents.Resident`) reads and writes its own entry
through properties, so a student can pick one resident and inspect it while the step stays
vectorised (Starsim's layout). The set of fields is fixed here; nothing else adds state.

The registry is also the only channel between parts of the model: a mechanism reads another's
output only through a field here (e.g. the incentive writes ``points_earned_round``, the backbone
phase reads it; the backbone writes ``backbone_contact``, the trust update reads it). Each field
says who writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import CATEGORY_NAMES
from .params import NEED_CATEGORIES


@dataclass(frozen=True)
class Field:
    name: str
    dtype: type
    unit: str
    description: str
    per_need: bool = False  # one column per need category


FIELDS: tuple[Field, ...] = (
    Field(
        "rung",
        np.int8,
        "rung",
        "rung of the action ladder: 0 not engaged, 1 self-help 自助, 2 mutual aid 互助, "
        "3 public affairs 参与公共事务, 4 volunteering 志愿活动",
    ),
    Field("weeks_on_rung", np.int32, "weeks", "weeks since the resident last changed rung"),
    Field(
        "commitment",
        np.float64,
        "0-1",
        "commitment to taking part: grows while the resident holds a rung above 0, part lost on a slip; "
        "lowers the slip risk (ladder)",
    ),
    Field(
        "drive_shock",
        np.float64,
        "drive",
        "this week's noise in the resident's drive, carried over from week to week at noise_memory (ladder)",
    ),
    Field(
        "service_seen",
        np.float64,
        "0-1",
        "service residents see the resident give: exponential average over record_weeks of its weekly hours "
        "on the public-affairs rung or above, as a share of volunteer_hours (backbone credibility reads)",
    ),
    Field("adult", np.bool_, "", "can hold a rung: aged 15 or over, or anyone with children_on_ladder (demography)"),
    Field("capacity", np.float64, "0-1", "skills, health and resources to take part (参与能力)"),
    Field("public_spirit", np.float64, "0-1", "public spirit (公共精神)"),
    Field("trust", np.float64, "0-1", "trust in the community Party organisation (凝聚力)"),
    Field("needs", np.float64, "0-1", "unmet need in each need category", per_need=True),
    Field(
        "need_growth",
        np.float64,
        "1/week",
        "weekly growth of each unmet need towards 1: 1 - (1 - need_growth)^phi, phi the need factor (demography)",
        per_need=True,
    ),
    Field("time_budget", np.float64, "hours/week", "hours a week the resident can give"),
    Field("threshold", np.float64, "drive", "drive needed to climb from rung 0 to rung 1"),
    Field("boost", np.float64, "drive", "drive the mechanisms add this week (0 without mechanisms)"),
    Field("retention", np.float64, "0-1", "share of this week's slip risk the mechanisms remove"),
    Field(
        "time_taken",
        np.float64,
        "hours/week",
        "hours the mechanisms take from the resident this week (the convention's dialogue), off its time budget",
    ),
    Field("record", np.float64, "0-1", "participation record: exponential average of rung / top over record_weeks"),
    Field("gain", np.float64, "1/week", "sense of gain (获得感): exponential average of the weekly share of need met"),
    Field("base_trust", np.float64, "0-1", "trust without any evidence from the mechanisms (the initial trust)"),
    Field("base_public_spirit", np.float64, "0-1", "initial public spirit, towards which unused spirit moves back"),
    Field("base_capacity", np.float64, "0-1", "initial capacity, towards which unused capacity moves back"),
    Field(
        "org_gain",
        np.float64,
        "1/week",
        "exponential average of the weekly share of need met by the organisation's channels (projects, teams)",
    ),
    Field(
        "ownership",
        np.float64,
        "0-1",
        "ownership of a project the resident asked for (我参与、我认同; project writes, decays weekly)",
    ),
    Field(
        "convention_bond",
        np.float64,
        "0-1",
        "personal bond to the convention: 1 for dialogue participants, spreading through ties (convention writes)",
    ),
    Field("place", np.int8, "rung", "rung of the project place the resident holds (0 none)"),
    Field("team", np.int32, "id", "unique_id of the red team the resident belongs to (-1 none)"),
    Field(
        "last_volunteered",
        np.int32,
        "week",
        "last week the resident was on the top rung (negative: before week 0; NEVER: never)",
    ),
    Field("points", np.int64, "points", "service points held (红色激励)"),
    Field(
        "points_earned_round",
        np.int64,
        "points",
        "points earned since this round began (incentive writes; the next backbone phase reads)",
    ),
    Field("backbone", np.bool_, "", "is a red backbone (红色骨干)"),
    Field(
        "backbone_contact",
        np.float64,
        "0-1",
        "this week's exposure to backbones' example (backbone writes; trust reads)",
    ),
    Field(
        "reach_probability",
        np.float64,
        "0-1",
        "chance the organisation's outreach reaches the resident (outreach, at set-up)",
    ),
    Field("reached", np.bool_, "", "reached by this round's project outreach: survey and places (project writes)"),
    Field("provided", np.bool_, "", "served by a direct-provision project this round (project writes)"),
    Field("in_dialogue", np.bool_, "", "took part in the convention's dialogue in its latest week (convention writes)"),
    Field("party_category", np.int8, "code", "0 not a Party member, 1 in service, 2 retired, 3 mobile"),
    Field("age_group", np.int8, "code", "age group: 0 aged 0-14, 1 aged 15-59, 2 aged 60-64, 3 aged 65+ (demography)"),
    Field("work_status", np.int8, "code", "0 not working, 1 employed, 2 retired (everyone 60+; demography)"),
    Field("work_hours", np.float64, "hours/week", "weekly working hours (0 unless employed; demography)"),
    Field("tenure", np.int8, "code", "0 owner, 1 renter, 2 migrant 流动人口 (per household; demography)"),
    Field(
        "household_type",
        np.int8,
        "code",
        "0 family, 1 one person, 2 with elderly, 3 elderly only, 4 elderly alone 独居老人, 5 unknown (demography)",
    ),
    Field("household", np.int32, "id", "household (-1 unknown)"),
    Field("building", np.int32, "id", "building (-1 unknown)"),
    Field("compound", np.int32, "id", "compound 小区 (-1 unknown)"),
    Field("branch", np.int32, "id", "Party branch 党支部 (-1 for non-members)"),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
NEVER = np.iinfo(np.int32).min
"""``last_volunteered`` of a resident who has never been on the top rung."""


def row_mean(a: np.ndarray) -> np.ndarray:
    """``a.mean(axis=1)`` of an (n, k) array, bit for bit, in a new array: several times faster for the
    few need categories (numpy reduces a short inner axis row by row; below 8 columns that sum is
    ((a0 + a1) + a2) + ..., which adding whole columns in order repeats). tests/test_invariants.py
    checks the equality; from 8 columns on numpy sums in another order, so this falls back to it."""
    k = a.shape[1]
    if not 2 <= k < 8:
        return a.mean(axis=1)
    out = a[:, 0] + a[:, 1]
    for j in range(2, k):
        out += a[:, j]
    out /= k
    return out


class ResidentState:
    """Named arrays of length ``n`` (``needs`` is ``n x len(NEED_CATEGORIES)``), all zero at first."""

    __slots__ = ("n", *FIELD_NAMES)

    # the fields of FIELDS, declared for type checkers (tests/test_state.py checks the two lists agree)
    n: int
    rung: np.ndarray
    weeks_on_rung: np.ndarray
    commitment: np.ndarray
    drive_shock: np.ndarray
    service_seen: np.ndarray
    adult: np.ndarray
    capacity: np.ndarray
    public_spirit: np.ndarray
    trust: np.ndarray
    needs: np.ndarray
    need_growth: np.ndarray
    time_budget: np.ndarray
    threshold: np.ndarray
    boost: np.ndarray
    retention: np.ndarray
    time_taken: np.ndarray
    record: np.ndarray
    gain: np.ndarray
    base_trust: np.ndarray
    base_public_spirit: np.ndarray
    base_capacity: np.ndarray
    org_gain: np.ndarray
    ownership: np.ndarray
    convention_bond: np.ndarray
    place: np.ndarray
    team: np.ndarray
    last_volunteered: np.ndarray
    points: np.ndarray
    points_earned_round: np.ndarray
    backbone: np.ndarray
    backbone_contact: np.ndarray
    reach_probability: np.ndarray
    reached: np.ndarray
    provided: np.ndarray
    in_dialogue: np.ndarray
    party_category: np.ndarray
    age_group: np.ndarray
    work_status: np.ndarray
    work_hours: np.ndarray
    tenure: np.ndarray
    household_type: np.ndarray
    household: np.ndarray
    building: np.ndarray
    compound: np.ndarray
    branch: np.ndarray

    def __init__(self, n: int):
        self.n = n
        for f in FIELDS:
            shape = (n, len(NEED_CATEGORIES)) if f.per_need else (n,)
            setattr(self, f.name, np.zeros(shape, dtype=f.dtype))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in FIELD_NAMES}

    def resident(self, i: int) -> dict:
        """All state of resident ``i`` as plain Python values."""
        out = {}
        for f in FIELDS:
            value = getattr(self, f.name)[i]
            out[f.name] = dict(zip(NEED_CATEGORIES, value.tolist(), strict=True)) if f.per_need else value.item()
        return out

    def needs_of(self, i: int) -> dict[str, float]:
        """Unmet need of resident ``i`` per category."""
        return dict(zip(NEED_CATEGORIES, self.needs[i].tolist(), strict=True))

    def party_category_of(self, i: int) -> str:
        """Party category of resident ``i``: none, in_service, retired or mobile."""
        return CATEGORY_NAMES[self.party_category[i]]

    def nonfinite(self) -> list[str]:
        """Names of float fields holding NaN or infinity (empty when the state is sound)."""
        return [
            f.name
            for f in FIELDS
            if np.issubdtype(f.dtype, np.floating) and not np.isfinite(getattr(self, f.name)).all()
        ]
