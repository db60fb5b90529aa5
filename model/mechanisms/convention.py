"""Red convention mechanism (红色公约机制).

    基层党组织引领党员开展"我们的期待是什么，担心是什么，可以做什么"的渐进式对话，引导党员对行为规范
    达成心理契约，达成"我参与、我认同、我制定、我执行"的目的……积极引导居民自觉回归自治本位。
    "The grassroots Party organisation leads members in a staged dialogue — what do we expect, what
    worries us, what can we do — towards a psychological contract on norms of conduct: 'I take
    part, I agree, I make it, I keep it' … guiding residents back to self-governance."

Gloss: in each week of its phase the organisation holds a dialogue with the residents on the
mutual-aid rung or above whom it reaches, as far as the pool pays for it and at the cost of the
hours it takes them; the dialogue binds those who take part (the more, the higher dialogue_gain),
the bond spreads through their ties and decays without renewal, pulls and holds whoever feels it,
and the participants grow in public spirit. The rules and equations: docs/ODD.md 7.6 and 7.14.
"""

from __future__ import annotations

import math

import numpy as np

from ..cycle import phase_weeks
from ..jit import njit
from ..rule import EMPTY, MUTUAL_AID
from .base import Mechanism

DIVERSITY_DRAG = 0.5
"""How much harder a diverse community agrees on a norm: the dialogue's gain times
(1 - DIVERSITY_DRAG x diversity), half as much in a fully diverse one. Modelling assumption."""


class ConventionMechanism(Mechanism):
    OUTCOMES = ("norm", "dialogue_participants")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        self.norm = 0.0
        self.phase_weeks = phase_weeks(self.p.round_weeks, self.name)
        self.dialogue_weeks_left = 0
        self.participants = 0
        self.felt = 0.0
        # every neighbour counts (children too: a bond spreads through a household); isolated: 0 / 1
        self.degree = np.maximum(model.community.degree, 1).astype(np.float64)

    def stop(self) -> None:
        self.model.state.in_dialogue[:] = False

    def launch(self) -> None:
        self.dialogue_weeks_left = self.phase_weeks

    def act(self) -> None:
        st, p = self.model.state, self.p
        self.participants = 0
        if self.dialogue_weeks_left > 0:
            self.dialogue_weeks_left -= 1
            talk = self.reached(st.rung >= MUTUAL_AID)
            if p.dialogue_cost:  # facilitation is paid from the pool; what it cannot pay is not held
                cost = p.dialogue_cost * np.count_nonzero(talk) / 100.0
                funded = self.model.pool.withdraw(cost, "dialogue") / cost if cost > 0 else 1.0
                if funded < 1.0:
                    talk &= self.rng.random(len(talk)) < funded
            if p.dialogue_hours:  # the dialogue takes its participants' hours this week
                st.time_taken[talk] += p.dialogue_hours
            self.participants = int(np.count_nonzero(talk))
            share = self.participants / len(talk)
            self.norm += p.dialogue_gain * share * (1.0 - self.norm) * (1.0 - DIVERSITY_DRAG * p.diversity)
            self.norm = min(1.0, self.norm)
            st.in_dialogue[:] = talk
        self.norm *= 1.0 - p.norm_decay
        local = p.convention_locality
        # what each resident feels: the community norm, or in part its own bond (binds who took part);
        # it pulls, and holds (retention combined as add_retention does)
        if local:
            felt = np.empty(len(st.boost))
            feel_convention(
                st.boost,
                st.retention,
                felt,
                st.convention_bond,
                (1.0 - local) * self.norm,
                float(local),
                float(p.norm_pull),
                float(p.norm_retention),
            )
        else:
            felt = self.norm
            feel_convention(
                st.boost, st.retention, EMPTY, EMPTY, felt, 0.0, float(p.norm_pull), float(p.norm_retention)
            )
        self.felt = float(np.mean(felt))  # the outcome `norm`: what residents feel, on average

    def serve(self) -> None:
        """The week's dialogue participants grow in public spirit (after they have decided); with a
        personal convention, they are bound by it, and the bond spreads through ties and decays."""
        st, p = self.model.state, self.p
        if self.participants:
            talk = st.in_dialogue
            st.public_spirit[talk] += p.spirit_gain * (1.0 - st.public_spirit[talk])
        if p.convention_locality:
            bond = st.convention_bond
            if self.participants:  # 我制定、我执行: those who made it are bound by it
                if p.dialogue_bond == "full":  # the rule before issue 15: fully, at once
                    bond[st.in_dialogue] = 1.0
                else:  # the more the dialogue gives, the closer they come to it
                    bond[st.in_dialogue] += -math.expm1(-p.dialogue_gain) * (1.0 - bond[st.in_dialogue])
            # it spreads towards the mean over all its neighbours, and decays
            a = self.model.adjacency
            spread_bond(
                bond,
                a.indptr,
                a.indices,
                a.data,
                self.degree,
                float(p.convention_spread),
                1.0 - p.norm_decay,
            )

    def record(self, out: dict) -> None:
        out["norm"] = self.felt
        out["dialogue_participants"] = self.participants


@njit
def feel_convention(boost, retention, felt, bond, shared, local, pull, norm_retention):
    """The convention's week for every resident in one compiled pass: what it feels, ``shared`` +
    ``local`` x its bond into ``felt`` (or, with an empty ``felt``, ``shared`` alone: the community
    norm), adds ``pull`` x that to its boost and combines ``norm_retention`` x that into its retention."""
    personal = felt.shape[0] > 0
    for i in range(boost.shape[0]):
        value = shared + local * bond[i] if personal else shared
        if personal:
            felt[i] = value
        boost[i] += pull * value
        retention[i] = 1.0 - (1.0 - retention[i]) * (1.0 - norm_retention * value)


@njit
def spread_bond(bond, indptr, indices, weights, degree, spread, kept):
    """The bond's spread and decay for every resident in one compiled pass, the numpy form's
    arithmetic element by element: first every resident's neighbour sum (``adjacency @ bond`` as
    scipy's product adds it, tie by tie from 0.0), then bond += spread x max(0,
    sum / degree - bond), then bond *= kept (``np.maximum(0.0, x)``: 0.0 unless x is greater, or NaN)."""
    n = bond.shape[0]
    sums = np.empty(n)
    for i in range(n):
        total = 0.0
        for e in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):  # unsigned: no wraparound check
            total += weights[e] * bond[np.uint64(indices[e])]
        sums[i] = total
    for i in range(n):
        gap = sums[i] / degree[i] - bond[i]
        bond[i] += spread * (0.0 if 0.0 >= gap else gap)
        bond[i] *= kept
