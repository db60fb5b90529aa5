"""The action ladder (社区行动逻辑) and the needs it serves, vectorised over all residents.

    遵循居民从自助、互助到参与公共事务，再到参与各类志愿活动的社区行动逻辑
    "following the community action logic by which residents move from self-help and mutual aid
    to public affairs, and then to all kinds of volunteering"

    社区工作者从居民的需求出发，引导居民从身边关心的事情开始参与社区治理
    "community workers start from residents' needs and guide them to take part in community
    governance beginning with the things nearby that they care about"

Rungs: 0 not engaged, 1 self-help, 2 mutual aid, 3 public affairs, 4 volunteering (``n_rungs``
= 5), or only 0/1 (``n_rungs`` = 2: the linear threshold model). Every week each resident on
rung r may climb to r + 1 or slip to r - 1, never both, all at once from the state at the start
of the week (a synchronous update). The equations are in docs/ODD.md, "Submodels"; in short:

    social_i  = (neighbours of i on rung > r_i) / degree_i          (0 for an isolated resident)
    drive_i   = w_social * social_i + w_capacity * capacity_i + w_spirit * public_spirit_i
              + w_need * need_pull_decay^r_i * mean_c(needs_ic) + w_time * min(1, time_i / volunteer_hours)
              + boost_i + Normal(0, decision_noise)
    climb_i   = r_i < top  and  drive_i >= threshold_i + rung_step * r_i
    slip_i    = not climb_i and r_i > 0 and U(0,1) < slip_rate * (1 - retention_i)

With every weight but ``weight_social`` at 0, no noise, no slipping and two rungs, ``climb`` is
exactly the linear threshold rule of Granovetter (1978) and Watts (2002): a resident becomes
active when the active share of its neighbours is at least its threshold.

Needs (0-1 per category) grow towards 1 as new needs arise, and are met by the resident's own
self-help (rung >= 1, scaled by capacity) and by neighbours' mutual aid (the share of neighbours
on rung >= 2). Terms whose weight or rate is 0 are skipped: they would add exact zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .state import ResidentState


@dataclass
class LadderResult:
    climbs: int
    slips: int
    climbs_by_rung: np.ndarray  # residents who arrived on each rung this week by climbing


class Ladder:
    """The ladder rule bound to one community's adjacency and one parameter set."""

    def __init__(self, adjacency: sp.csr_matrix, params: dict, rng: np.random.Generator):
        self.adjacency = adjacency
        self.rng = rng
        self.top = params["n_rungs"] - 1
        degree = np.diff(adjacency.indptr)
        # divide by the degree (not multiply by 1/degree, which can land one ulp below k/d and break
        # the exact threshold rule); isolated residents divide 0 by 1: no social influence
        self.degree = np.maximum(degree, 1).astype(np.float64)
        self.p = params
        self.levels = np.arange(1, self.top + 1, dtype=np.int8)  # rungs a neighbour can be "at or above"
        self.need_factor = params["need_pull_decay"] ** np.arange(self.top + 1)
        # True once any mechanism writes boost/retention; the engine alone skips reading them
        self.mechanisms = False

    def neighbour_counts(self, rung: np.ndarray) -> np.ndarray:
        """(n, top) array: column k-1 counts each resident's neighbours on rung >= k."""
        if self.top == 1:
            return (self.adjacency @ (rung >= 1).astype(np.float64))[:, None]
        return self.adjacency @ (rung[:, None] >= self.levels).astype(np.float64)

    def step(self, state: ResidentState) -> LadderResult:
        p = self.p
        rung = state.rung
        n = len(rung)
        counts = self.neighbour_counts(rung)
        below_top = rung < self.top
        # share of neighbours on the next rung or above: column r of `counts` (r < top)
        if self.top == 1:
            social = counts[:, 0] / self.degree
        else:
            col = np.minimum(rung, self.top - 1).astype(np.intp)
            social = counts[np.arange(n), col] / self.degree
        drive = social * p["weight_social"] if p["weight_social"] != 1.0 else social
        if p["weight_capacity"]:
            drive = drive + p["weight_capacity"] * state.capacity
        if p["weight_spirit"]:
            drive = drive + p["weight_spirit"] * state.public_spirit
        if p["weight_need"]:
            drive = drive + p["weight_need"] * self.need_factor[rung] * state.needs.mean(axis=1)
        if p["weight_time"]:
            drive = drive + p["weight_time"] * np.minimum(1.0, state.time_budget / p["volunteer_hours"])
        if self.mechanisms:
            drive = drive + state.boost
        if p["decision_noise"]:
            drive = drive + self.rng.normal(0.0, p["decision_noise"], n)
        bar = state.threshold + p["rung_step"] * rung if p["rung_step"] else state.threshold
        climb = below_top & (drive >= bar)
        if p["slip_rate"]:
            risk = p["slip_rate"] * (1.0 - state.retention) if self.mechanisms else p["slip_rate"]
            slip = ~climb & (rung > 0) & (self.rng.random(n) < risk)
        else:
            slip = np.zeros(n, dtype=bool)
        self._serve_needs(state, counts)
        moved = climb | slip
        new_rung = rung + climb.astype(np.int8) - slip.astype(np.int8)
        climbs_by_rung = np.bincount(new_rung[climb], minlength=self.top + 1)
        state.rung[:] = new_rung
        state.weeks_on_rung += 1
        state.weeks_on_rung[moved] = 0
        return LadderResult(np.count_nonzero(climb), np.count_nonzero(slip), climbs_by_rung)

    def _serve_needs(self, state: ResidentState, counts: np.ndarray) -> None:
        """Needs grow, then self-help and mutual aid meet part of them (start-of-week rungs)."""
        p = self.p
        needs = state.needs
        if p["need_growth"]:
            needs += p["need_growth"] * (1.0 - needs)
        if p["self_help_efficacy"]:
            met = p["self_help_efficacy"] * state.capacity * (state.rung >= 1)
            needs *= (1.0 - met)[:, None]
        if p["mutual_aid_efficacy"] and self.top >= 2:
            helpers = counts[:, 1] / self.degree  # share of neighbours on rung >= 2
            needs *= (1.0 - p["mutual_aid_efficacy"] * helpers)[:, None]
