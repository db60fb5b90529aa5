"""The Party organisation's outreach (三下: resources, powers and services sent down) and capacity.

    规模较大的社区应配备专职党务工作者协助书记抓党建。推行社区党员分类管理，定期排查流动党员
    "larger communities should have a full-time Party-affairs worker to help the secretary …
    manage members by category and regularly trace mobile members"

Gloss: the organisation reaches each resident with a probability set by the "three downs" and by
its capacity (a full-time worker in a large community); mobile members are reached rarely. The
mechanisms draw against this probability whenever the organisation reaches out (docs/ODD.md 7.3).
"""

from __future__ import annotations

import numpy as np

from .graph import MOBILE
from .parameters import Parameters
from .params import WEEKS_PER_YEAR

REACH_READS = frozenset(
    {"three_downs", "fulltime_worker_size", "fulltime_worker_bonus", "mobile_reach", "capacity_growth"}
)
"""The parameters that :func:`organisation_capacity` and :func:`reach_probability` read and that may
change during a run: a change of one re-derives the reach (``model.update``; tests/test_parameters.py
checks this set against what the model's reach reads)."""


def organisation_capacity(n: int, p: Parameters) -> float:
    """The organisation's capacity: 1, plus ``fulltime_worker_bonus`` with a full-time worker (from
    ``fulltime_worker_size`` residents on), or growing with size up to it (``capacity_growth``)."""
    size, bonus = p.fulltime_worker_size, p.fulltime_worker_bonus
    match p.capacity_growth:
        case "step":
            return 1.0 + (bonus if n >= size else 0.0)
        case "smooth":
            return 1.0 + bonus * (min(1.0, n / size) if size > 0 else 1.0)
        case other:
            raise ValueError(f"unknown capacity_growth {other!r}; allowed: step, smooth")


def seed_fund(n: int, p: Parameters) -> float:
    """The government's seed fund for one round's projects (种子基金)."""
    return per_round(p.seed_fund, p) * n / 1000.0 * p.three_downs


def venture_fund_per_1000(p: Parameters) -> float:
    """The government's purchase of services for one round, per 1,000 residents (公益创投 "投")."""
    return per_round(p.venture_fund, p) * p.three_downs


def per_round(amount: float, p: Parameters) -> float:
    """A budget amount for one round: as given (``budget_period`` = round), or the round's share of
    a year's amount (``year``: x round_weeks / WEEKS_PER_YEAR), so that a yearly budget does not depend on the
    length of a round."""
    match p.budget_period:
        case "round":
            return amount
        case "year":
            return amount * p.round_weeks / WEEKS_PER_YEAR
        case other:
            raise ValueError(f"unknown budget_period {other!r}; allowed: round, year")


def reach_probability(party_category: np.ndarray, capacity: float, p: Parameters) -> np.ndarray:
    """Each resident's chance of being reached: min(1, three_downs x capacity), x mobile_reach for
    mobile Party members."""
    reach = np.full(len(party_category), min(1.0, p.three_downs * capacity))
    reach[party_category == MOBILE] *= p.mobile_reach
    return reach
