"""Red incentive mechanism (红色激励机制).

    红色团队建立后，还需要考虑后续的可持续发展问题……基层党组织引导党员根据自己意愿，协商公益兑换清单，
    建立党员持续开展公益服务的激励机制。广泛应用现代网络信息技术，利用微信、微博、移动客户端等新媒体，
    搭建红色激励平台，推广"互联网+党建"、"智慧党建"等做法。
    "Once red teams exist, their sustainability must be considered … members negotiate a
    public-benefit exchange list and an incentive mechanism for lasting public service is built;
    WeChat, Weibo and mobile apps carry a red incentive platform ('Internet + Party building')."

Gloss: residents earn service points on the public-affairs and volunteering rungs; in each
incentive phase they redeem them from the pool as far as its budget allows, and learn from that
whether points are honoured; credible points pull public-affairs residents towards volunteering
and keep volunteers volunteering, the more the more a point is worth, and crowd out public spirit
the same way, so that a bigger reward can help or hurt. The points a round earns feed the next
round's backbones (the end is a new start). The rules and equations: docs/ODD.md 7.9 and 7.14.
"""

from __future__ import annotations

import numpy as np

from ..counts import whole
from ..cycle import loop_open
from ..jit import njit
from ..ladder import Rung
from ..rule import MUTUAL_AID
from .base import Mechanism


class IncentiveMechanism(Mechanism):
    OUTCOMES = ("points_issued", "points_redeemed", "points_held", "incentive_credibility")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        self.credibility = self.p.initial_credibility
        self.issued = 0
        self.redeemed = 0
        self.last_fraction = 1.0

    def launch(self) -> None:
        m, st, p = self.model, self.model.state, self.p
        held = int(st.points.sum())
        if held > 0:
            requested = held * p.point_value
            budget = m.pool.balance * p.incentive_budget_share
            f = min(1.0, budget / requested) if requested > 0 else 1.0
            # each resident's share f of its points, made whole: floor plus one with the chance of the
            # fraction (counts = "rounded": floor), so a budget lever acts on what is redeemed continuously
            redeem = np.minimum(
                st.points, whole(st.points * f, p, rng=self.rng, earlier=lambda x: np.floor(x).astype(np.int64))
            )
            if p.broken_promise_cost and f < 1.0:  # points not honoured in full: a promise broken
                holders = st.points > 0
                st.trust[holders] *= 1.0 - p.broken_promise_cost * (1.0 - f)
            m.pool.withdraw(int(redeem.sum()) * p.point_value, "incentives")  # the budget's worth in expectation
            st.points -= redeem
            self.redeemed += int(redeem.sum())
            self.last_fraction = f
            if loop_open(p, "credibility_learnt"):  # residents learn whether points are honoured
                rate = p.credibility_learning
                self.credibility = (
                    0.5 * (self.credibility + f)
                    if rate == 0.5  # the same bits as before
                    else self.credibility + rate * (f - self.credibility)
                )

    def signal(self) -> float:
        """What the points are worth to residents: credibility x (1 + platform) / 2, times how much a
        point's value motivates, value / (value + reward_half_value) (1 without reward_half_value)."""
        p = self.p
        signal = self.credibility * (1.0 + p.platform) / 2.0
        if p.reward_half_value:
            signal *= p.point_value / (p.point_value + p.reward_half_value)
        return signal

    def act(self) -> None:
        st, p = self.model.state, self.p
        signal = self.signal()
        # public affairs: pulled up to volunteering; volunteering: held there (as add_retention combines)
        incentive_act(
            st.boost,
            st.retention,
            st.rung,
            float(p.incentive_pull * signal),
            float(p.incentive_retention * signal),
        )

    def serve(self) -> None:
        st, p = self.model.state, self.p
        # one share of points on the public-affairs rung, two on volunteering; paid service crowds out
        # the intrinsic motive to serve, the more it pays (points_crowding)
        crowding = bool(p.points_crowding)
        kept = 1.0 - p.points_crowding * self.signal() if crowding else 1.0
        self.issued += incentive_serve(
            st.rung,
            int(p.points_per_week),
            st.points,
            st.points_earned_round,
            st.public_spirit,
            crowding,
            float(kept),
        )

    def record(self, out: dict) -> None:
        out["points_issued"] = self.issued
        out["points_redeemed"] = self.redeemed
        out["points_held"] = int(self.model.state.points.sum())
        out["incentive_credibility"] = self.credibility


PUBLIC_AFFAIRS, VOLUNTEERING = int(Rung.PUBLIC_AFFAIRS), int(Rung.VOLUNTEERING)  # plain ints for compiled code


@njit
def incentive_act(boost, retention, rung, pull, retention_share):
    """:meth:`IncentiveMechanism.act` in one compiled pass: ``pull`` on the public-affairs rung, the
    retention ``retention_share`` combined on the volunteering rung."""
    kept = 1.0 - retention_share
    for i in range(boost.shape[0]):
        if rung[i] == PUBLIC_AFFAIRS:
            boost[i] += pull
        elif rung[i] == VOLUNTEERING:
            retention[i] = 1.0 - (1.0 - retention[i]) * kept


@njit
def incentive_serve(rung, points_per_week, points, points_earned_round, public_spirit, crowding, kept):
    """:meth:`IncentiveMechanism.serve` in one compiled pass: each resident on the public-affairs rung
    or above earns points_per_week x (rung - mutual aid); with ``crowding`` an earner keeps the share
    ``kept`` of its public spirit. Returns the points issued."""
    issued = 0
    for i in range(rung.shape[0]):
        if rung[i] < PUBLIC_AFFAIRS:
            continue
        earn = points_per_week * (int(rung[i]) - MUTUAL_AID)  # int: no int8 arithmetic without numba
        points[i] += earn
        points_earned_round[i] += earn
        issued += earn
        if crowding and earn > 0:
            public_spirit[i] *= kept
    return issued
