"""The action ladder (社区行动逻辑) and the needs it serves, vectorised over all residents.

    遵循居民从自助、互助到参与公共事务，再到参与各类志愿活动的社区行动逻辑
    "following the community action logic by which residents move from self-help and mutual aid
    to public affairs, and then to all kinds of volunteering"

    社区工作者从居民的需求出发，引导居民从身边关心的事情开始参与社区治理
    "community workers start from residents' needs and guide them to take part in community
    governance beginning with the things nearby that they care about"

The rule in one line: every week each resident who can hold a rung (an adult, unless
``children_on_ladder``) may climb one rung (when its drive reaches its bar) or slip one rung, all at
once from the start-of-week state; needs grow and are met by self-help and mutual aid. Rungs are
held for months: the noise in a resident's drive lasts from week to week (``noise_memory``), and
commitment built while it holds a rung lowers its risk of slipping (``commitment_hold``). The
equations are in docs/ODD.md 7.1 (the ladder), 7.2 (needs) and 7.14 (holding a rung).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import scipy.sparse as sp

from .state import ResidentState, row_mean


class Rung(IntEnum):
    """The rungs of the action ladder. Code names rungs through this enum, never by number."""

    NOT_ENGAGED = 0
    SELF_HELP = 1
    MUTUAL_AID = 2
    PUBLIC_AFFAIRS = 3
    VOLUNTEERING = 4

    @property
    def key(self) -> str:
        """The rung's name in outcome columns (``share_<key>``)."""
        return self.name.lower()

    @property
    def zh(self) -> str:
        return RUNG_TERMS[self][0]

    @property
    def en(self) -> str:
        return RUNG_TERMS[self][1]


RUNG_TERMS: dict[Rung, tuple[str, str]] = {
    Rung.NOT_ENGAGED: ("未参与", "not engaged"),
    Rung.SELF_HELP: ("自助", "self-help"),
    Rung.MUTUAL_AID: ("互助", "mutual aid"),
    Rung.PUBLIC_AFFAIRS: ("参与公共事务", "public affairs"),
    Rung.VOLUNTEERING: ("志愿活动", "volunteering"),
}
"""Each rung's Chinese and English name, as the essay words them; the one copy."""

TWO_RUNG_TERMS: tuple[tuple[str, str, str], ...] = (("inactive", "未激活", "inactive"), ("active", "激活", "active"))
"""(key, zh, en) of the two rungs of the linear threshold limit (``n_rungs`` = 2)."""


def rung_terms(n_rungs: int) -> tuple[tuple[str, str, str], ...]:
    """(key, zh, en) of each rung of a ladder with ``n_rungs`` rungs, bottom first."""
    if n_rungs == 2:
        return TWO_RUNG_TERMS
    return tuple((r.key, r.zh, r.en) for r in list(Rung)[:n_rungs])


@dataclass
class LadderResult:
    climbs: int
    slips: int


class Ladder:
    """The ladder rule bound to one community's adjacency and one parameter set."""

    def __init__(self, adjacency: sp.csr_matrix, params: dict, rng: np.random.Generator, mechanisms: bool,
                 adult: np.ndarray | None = None):
        self.adjacency = adjacency
        self.rng = rng
        self.top = params["n_rungs"] - 1
        # who can hold a rung; None: everyone (no masking, the rule before issue 15)
        self.adult = None if adult is None or adult.all() else adult
        # the social share is of the neighbours who can hold a rung (a child's rung is always 0)
        degree = np.diff(adjacency.indptr) if self.adult is None else adjacency @ self.adult.astype(np.int64)
        # divide by the degree (not multiply by 1/degree, which can land one ulp below k/d and break
        # the exact threshold rule); isolated residents divide 0 by 1: no social influence
        self.degree = np.maximum(degree, 1).astype(np.float64)
        # neighbour counts are whole numbers: count in float32 (exact below 2**24 neighbours, half
        # the memory traffic of float64), then divide in float64 as before: the same bits
        count_dtype = np.float32 if degree.max(initial=0) < 2**24 else np.float64
        self._count_adjacency = sp.csr_matrix(
            (adjacency.data.astype(count_dtype), adjacency.indices, adjacency.indptr), shape=adjacency.shape)
        self._count_dtype = count_dtype
        self._at_least = np.empty(len(degree), dtype=count_dtype)  # reused: neighbour on rung >= 1 (two rungs)
        self.p = params
        self.levels = np.arange(1, self.top + 1, dtype=np.int8)  # rungs a neighbour can be "at or above"
        self.need_factor = params["need_pull_decay"] ** np.arange(self.top + 1)
        # whether any mechanism writes boost/retention; the engine alone skips reading them
        self.mechanisms = mechanisms

    def neighbour_counts(self, rung: np.ndarray) -> np.ndarray:
        """(n, top) array of whole numbers: column k-1 counts each resident's neighbours on rung >= k."""
        if self.top == 1:
            np.greater_equal(rung, Rung.SELF_HELP, out=self._at_least, casting="unsafe")
            return (self._count_adjacency @ self._at_least)[:, None]
        return self._count_adjacency @ (rung[:, None] >= self.levels).astype(self._count_dtype)

    def step(self, state: ResidentState) -> LadderResult:
        p = self.p
        rung = state.rung
        n = len(rung)
        counts = self.neighbour_counts(rung)
        # share of neighbours on the next rung or above: column r of `counts` (r < top)
        if self.top == 1:
            social = np.divide(counts[:, 0], self.degree, dtype=np.float64)
        else:
            col = np.minimum(rung, self.top - 1).astype(np.intp)
            social = np.divide(counts[np.arange(n), col], self.degree, dtype=np.float64)
        drive = social * p["weight_social"] if p["weight_social"] != 1.0 else social
        if p["weight_capacity"]:
            drive = drive + p["weight_capacity"] * state.capacity
        if p["weight_spirit"]:
            drive = drive + p["weight_spirit"] * state.public_spirit
        if p["weight_need"]:
            drive = drive + p["weight_need"] * self.need_factor[rung] * row_mean(state.needs)
        if p["weight_time"]:
            hours = state.time_budget
            if self.mechanisms and p["dialogue_hours"]:  # hours a mechanism took this week are not free
                hours = np.maximum(0.0, hours - state.time_taken)
            drive = drive + p["weight_time"] * np.minimum(1.0, hours / p["volunteer_hours"])
        if self.mechanisms:
            drive = drive + state.boost
        if p["decision_noise"]:
            memory = p["noise_memory"]
            if memory:  # circumstances that last: this week's noise carries most of last week's
                shock = state.drive_shock
                shock *= memory
                shock += np.sqrt(1.0 - memory * memory) * self.rng.normal(0.0, p["decision_noise"], n)
                drive = drive + shock
            else:
                drive = drive + self.rng.normal(0.0, p["decision_noise"], n)
        bar = state.threshold + p["rung_step"] * rung if p["rung_step"] else state.threshold
        climb = drive >= bar
        climb &= rung < self.top
        if self.adult is not None:
            climb &= self.adult  # children belong to households, have needs and are served, but hold no rung
        slip = None
        if p["slip_rate"]:
            risk = p["slip_rate"] * (1.0 - state.retention) if self.mechanisms else p["slip_rate"]
            if p["commitment_hold"]:  # months on a rung build a habit, a role, ties: harder to leave
                risk = risk * (1.0 - p["commitment_hold"] * state.commitment)
            if p["slip_drive_weight"]:
                # short of the bar of one's own rung (what it took to climb onto it): likelier to leave it
                own_bar = state.threshold + p["rung_step"] * (rung - 1.0) if p["rung_step"] else state.threshold
                risk = np.minimum(1.0, risk * (1.0 + p["slip_drive_weight"] * np.maximum(0.0, own_bar - drive)))
            slip = ~climb & (rung > Rung.NOT_ENGAGED) & (self.rng.random(n) < risk)
        self._serve_needs(state, counts)
        # apply the moves in place (start-of-week values were read above)
        np.add(rung, climb, out=rung, casting="unsafe")
        state.weeks_on_rung += 1
        if slip is None:
            state.weeks_on_rung[climb] = 0
            self._commit(state, None)
            return LadderResult(np.count_nonzero(climb), 0)
        np.subtract(rung, slip, out=rung, casting="unsafe")
        state.weeks_on_rung[climb | slip] = 0
        self._commit(state, slip)
        return LadderResult(np.count_nonzero(climb), np.count_nonzero(slip))

    def _commit(self, state: ResidentState, slip: np.ndarray | None) -> None:
        """Commitment grows while a resident holds a rung above 0; a slip breaks part of it; on rung 0
        it fades at the same rate (docs/ODD.md 7.14)."""
        rate = self.p["commitment_rate"]
        if not rate:
            return
        c = state.commitment
        on = state.rung > Rung.NOT_ENGAGED
        c += rate * np.where(on, 1.0 - c, -c)
        if slip is not None and self.p["commitment_loss"]:
            c[slip] *= 1.0 - self.p["commitment_loss"]

    def _serve_needs(self, state: ResidentState, counts: np.ndarray) -> None:
        """Needs grow, then self-help and mutual aid meet part of them (start-of-week rungs)."""
        p = self.p
        needs = state.needs
        if p["need_growth"]:
            needs += state.need_growth * (1.0 - needs)
        if p["self_help_efficacy"]:
            met = p["self_help_efficacy"] * state.capacity * (state.rung >= Rung.SELF_HELP)
            needs *= (1.0 - met)[:, None]
        if p["mutual_aid_efficacy"] and self.top >= Rung.MUTUAL_AID:
            # share of neighbours on the mutual-aid rung or above: column MUTUAL_AID - 1 of counts
            helpers = counts[:, Rung.MUTUAL_AID - 1] / self.degree
            needs *= (1.0 - p["mutual_aid_efficacy"] * helpers)[:, None]
