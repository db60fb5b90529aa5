"""What every mechanism shares, and the micro-cycle that runs them.

    通过挖掘红色骨干、策划红色项目、形成红色公约、整合红色资源、组建红色团队和开展红色激励六个方面……
    从红色骨干(起点)到红色激励(终点)，终点又是新的起点，形成螺旋式上升的良性微循环
    "through six aspects — finding red backbones, planning red projects, forming red conventions,
    integrating red resources, building red teams and carrying out red incentives … from red
    backbones (the starting point) to red incentives (the end point), the end point is a new
    starting point, forming a spiral-upward virtuous micro-cycle"

Each mechanism is a small module with the same shape:

* ``launch(round_index)``: what the Party organisation does when the cycle reaches the mechanism's
  phase (select backbones, choose projects, hold dialogue, sign agreements, incubate teams,
  redeem points);
* ``act()``: every week, before residents decide, the pull it adds to their drive (``boost``) and
  the slip risk it removes (``retention``);
* ``serve()``: every week, after residents decide, the needs it meets and the flows it makes;
* ``record(out)``: its outcomes for the week.

The cycle: a round lasts ``round_weeks``; phase k (k = 0..5, in the essay's order) starts at week
floor(k * round_weeks / 6) of the round. A mechanism that is switched off skips its phase; the
others keep their timing. Every mechanism draws only from its own random stream.
"""

from __future__ import annotations

import numpy as np

ORDER: tuple[str, ...] = ("backbone", "project", "convention", "resource", "team", "incentive")
"""The six phases in the essay's order: 红色骨干 → 红色项目 → 红色公约 → 红色资源 → 红色团队 → 红色激励."""


class Mechanism:
    """Base class: a mechanism bound to one model; hooks that a mechanism does not need do nothing."""

    name = ""
    zh = ""
    en = ""
    OUTCOMES: tuple[str, ...] = ()  # what record() writes; zeros when the mechanism is off

    def __init__(self, model, rng: np.random.Generator):
        self.model = model
        self.p = model.p
        self.rng = rng

    def launch(self, round_index: int) -> None:  # noqa: B027 - optional hook
        pass

    def act(self) -> None:  # noqa: B027
        pass

    def serve(self) -> None:  # noqa: B027
        pass

    def record(self, out: dict) -> None:  # noqa: B027
        pass

    # helpers shared by the mechanisms ----------------------------------------------------
    def add_retention(self, share: np.ndarray | float, where: np.ndarray | None = None) -> None:
        """Combine an independent slip reduction: retention = 1 - (1 - retention)(1 - share)."""
        st = self.model.state
        if where is None:
            st.retention[:] = 1.0 - (1.0 - st.retention) * (1.0 - share)
        else:
            st.retention[where] = 1.0 - (1.0 - st.retention[where]) * (1.0 - share)

    def reached(self, mask: np.ndarray) -> np.ndarray:
        """Residents of ``mask`` the organisation's outreach reaches this time (three downs, mobile
        members rarely)."""
        m = self.model
        draw = self.rng.random(len(mask))
        return mask & (draw < m.reach_probability)


def phase_starts(round_weeks: int) -> list[int]:
    """Week of the round (0-based) at which each of the six phases starts."""
    return [k * round_weeks // len(ORDER) for k in range(len(ORDER))]


class MicroCycle:
    """Runs the six phases round after round and records each round's outcomes (the spiral)."""

    ROUND_OUTCOMES = ("participation_index", "share_volunteering", "share_engaged", "needs_met", "sense_of_gain",
                      "mean_trust", "norm", "n_teams", "team_maturity", "backbones", "pool_balance")

    def __init__(self, model, mechanisms: dict[str, Mechanism]):
        self.model = model
        self.mechanisms = mechanisms
        self.round_weeks = model.p["round_weeks"]
        self.starts = phase_starts(self.round_weeks)
        self.rounds: list[dict] = []
        self.round_index = 0
        self.phase = -1

    def begin_week(self) -> None:
        """Called at the start of week t = model.steps (1-based): launch a phase if one starts."""
        t = self.model.steps - 1  # weeks already done
        self.round_index, week_of_round = divmod(t, self.round_weeks)
        for k, start in enumerate(self.starts):
            if week_of_round == start:
                self.phase = k
                mech = self.mechanisms.get(ORDER[k])
                if mech is not None:
                    mech.launch(self.round_index)
        if week_of_round == 0:
            # the backbone phase has scored last round's points; the new round counts afresh
            self.model.points_earned_round[:] = 0

    def columns(self) -> list[str]:
        """The columns of the rounds table (present even before a round has ended)."""
        return ["round", "week", *self.ROUND_OUTCOMES, *(f"gain_{k}" for k in self.ROUND_OUTCOMES), "spiral_up"]

    def end_week(self, outcomes: dict) -> None:
        """At the end of a round, record its outcomes and its gain over the round before."""
        if self.model.steps % self.round_weeks:
            return
        row = {"round": len(self.rounds) + 1, "week": self.model.steps}
        row.update({k: float(outcomes[k]) for k in self.ROUND_OUTCOMES if k in outcomes})
        previous = self.rounds[-1] if self.rounds else self.model.initial_round_outcomes
        for k in self.ROUND_OUTCOMES:
            if k in row and k in previous:
                row[f"gain_{k}"] = row[k] - previous[k]
        row["spiral_up"] = bool(row.get("gain_participation_index", 0.0) > 0.0)
        self.rounds.append(row)
