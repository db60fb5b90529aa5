"""Red incentive mechanism (红色激励机制).

    红色团队建立后，还需要考虑后续的可持续发展问题……基层党组织引导党员根据自己意愿，协商公益兑换清单，
    建立党员持续开展公益服务的激励机制。广泛应用现代网络信息技术，利用微信、微博、移动客户端等新媒体，
    搭建红色激励平台，推广"互联网+党建"、"智慧党建"等做法。
    "Once red teams exist, their sustainability must be considered … members negotiate a
    public-benefit exchange list and an incentive mechanism for lasting public service is built;
    WeChat, Weibo and mobile apps carry a red incentive platform ('Internet + Party building')."

Rules (docs/ODD.md 7.9). Every week residents earn points_per_week points on the public-affairs
rung and twice that on the volunteering rung (points issued). In each incentive phase everyone
redeems their points against the exchange list at point_value each, paid from the pool, but one
redemption may use at most incentive_budget_share of the balance: if the requests exceed it, each
resident redeems the same fraction f of its points (rounded down) and keeps the rest (points held).
Residents learn whether points are honoured: credibility <- (credibility + f) / 2 after each
redemption in which somebody held points (starting at initial_credibility; with no points held
there is nothing to learn from). The points earned in a whole round (from its first
week to its last) enter the next round's backbone score (the cycle resets the count when a round
starts, after the backbone phase). The platform makes service visible:

    signal = credibility x (1 + platform) / 2

Every week residents on the public-affairs rung gain incentive_pull x signal of drive towards
volunteering, and volunteers lose incentive_retention x signal of their slip risk (the end of the
cycle is the start of the next). An incentive scheme without resource supply runs into its budget: f falls, and with it
credibility and the incentive's effect.
"""

from __future__ import annotations

import numpy as np

from .mechanism import Mechanism


class RedIncentive(Mechanism):
    name, zh, en = "incentive", "红色激励", "red incentive"
    OUTCOMES = ("points_issued", "points_redeemed", "points_held", "incentive_credibility")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        self.credibility = self.p["initial_credibility"]
        self.issued = 0
        self.redeemed = 0
        self.last_fraction = 1.0

    def launch(self, round_index: int) -> None:
        m, st, p = self.model, self.model.state, self.p
        held = int(st.points.sum())
        if held > 0:
            requested = held * p["point_value"]
            budget = m.pool.balance * p["incentive_budget_share"]
            f = min(1.0, budget / requested) if requested > 0 else 1.0
            redeem = np.floor(st.points * f).astype(np.int64)
            m.pool.withdraw(int(redeem.sum()) * p["point_value"], "incentives")  # <= budget <= balance
            st.points -= redeem
            self.redeemed += int(redeem.sum())
            self.last_fraction = f
            self.credibility = 0.5 * (self.credibility + f)

    def act(self) -> None:
        st, p, top = self.model.state, self.p, self.model.top
        signal = self.credibility * (1.0 + p["platform"]) / 2.0
        st.boost[st.rung == top - 1] += p["incentive_pull"] * signal
        self.add_retention(p["incentive_retention"] * signal, where=st.rung == top)

    def serve(self) -> None:
        m, st, p = self.model, self.model.state, self.p
        earn = np.where(st.rung >= 3, p["points_per_week"] * (st.rung.astype(np.int64) - 2), 0)
        st.points += earn
        m.points_earned_round += earn
        self.issued += int(earn.sum())

    def record(self, out: dict) -> None:
        out["points_issued"] = self.issued
        out["points_redeemed"] = self.redeemed
        out["points_held"] = int(self.model.state.points.sum())
        out["incentive_credibility"] = self.credibility
