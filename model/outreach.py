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


def organisation_capacity(n: int, p: dict) -> float:
    """The organisation's capacity: 1, plus ``fulltime_worker_bonus`` with a full-time worker."""
    return 1.0 + (p["fulltime_worker_bonus"] if n >= p["fulltime_worker_size"] else 0.0)


def reach_probability(party_category: np.ndarray, capacity: float, p: dict) -> np.ndarray:
    """Each resident's chance of being reached: min(1, three_downs x capacity), x mobile_reach for
    mobile Party members."""
    reach = np.full(len(party_category), min(1.0, p["three_downs"] * capacity))
    reach[party_category == MOBILE] *= p["mobile_reach"]
    return reach
