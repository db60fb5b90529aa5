"""Red convention mechanism (红色公约机制).

    基层党组织引领党员开展"我们的期待是什么，担心是什么，可以做什么"的渐进式对话，引导党员对行为规范
    达成心理契约，达成"我参与、我认同、我制定、我执行"的目的……积极引导居民自觉回归自治本位。
    "The grassroots Party organisation leads members in a staged dialogue — what do we expect, what
    worries us, what can we do — towards a psychological contract on norms of conduct: 'I take
    part, I agree, I make it, I keep it' … guiding residents back to self-governance."

Rules (docs/ODD.md 7.6): the norm strength N (0-1) is one number for the community. In each week
of the convention phase (a sixth of the round) a dialogue round is held: the residents on rung >= 2
whom the organisation reaches take part, a share P of all residents;

    N <- N + dialogue_gain x P x (1 - N) x (1 - diversity / 2)

(more participants, faster; a more diverse community agrees more slowly) and, after the week's
decisions, each participant's public spirit grows by spirit_gain x (1 - spirit). Every week N <- N x (1 - norm_decay) (it decays
without renewal), every resident's drive gains norm_pull x N and norm_retention x N of the slip
risk is removed.
"""

from __future__ import annotations

import numpy as np

from .mechanism import Mechanism, phase_starts


class RedConvention(Mechanism):
    name, zh, en = "convention", "红色公约", "red convention"
    OUTCOMES = ("norm", "dialogue_participants")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        self.norm = 0.0
        starts = phase_starts(self.p["round_weeks"]) + [self.p["round_weeks"]]
        self.phase_weeks = starts[3] - starts[2]
        self.dialogue_weeks_left = 0
        self.participants = 0
        self.talk = np.zeros(model.community.n, dtype=bool)

    def launch(self, round_index: int) -> None:
        self.dialogue_weeks_left = self.phase_weeks

    def act(self) -> None:
        st, p = self.model.state, self.p
        self.participants = 0
        if self.dialogue_weeks_left > 0:
            self.dialogue_weeks_left -= 1
            talk = self.reached(st.rung >= 2)
            self.participants = int(np.count_nonzero(talk))
            share = self.participants / len(talk)
            self.norm += p["dialogue_gain"] * share * (1.0 - self.norm) * (1.0 - 0.5 * p["diversity"])
            self.norm = min(1.0, self.norm)
            self.talk = talk
        self.norm *= 1.0 - p["norm_decay"]
        st.boost += p["norm_pull"] * self.norm
        self.add_retention(p["norm_retention"] * self.norm)

    def serve(self) -> None:
        """The week's dialogue participants grow in public spirit (after they have decided)."""
        if self.participants:
            st = self.model.state
            st.public_spirit[self.talk] += self.p["spirit_gain"] * (1.0 - st.public_spirit[self.talk])

    def record(self, out: dict) -> None:
        out["norm"] = self.norm
        out["dialogue_participants"] = self.participants
