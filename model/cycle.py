"""The micro-cycle (红色微循环): its phases, their order and timing, written down once.

    通过挖掘红色骨干、策划红色项目、形成红色公约、整合红色资源、组建红色团队和开展红色激励六个方面……
    从红色骨干(起点)到红色激励(终点)，终点又是新的起点，形成螺旋式上升的良性微循环
    "through six aspects — finding red backbones, planning red projects, forming red conventions,
    integrating red resources, building red teams and carrying out red incentives … from red
    backbones (the starting point) to red incentives (the end point), the end point is a new
    starting point, forming a spiral-upward virtuous micro-cycle"

A round lasts ``round_weeks``; the phases start one after another within it, in the essay's
order; a mechanism that is switched off skips its phase and the others keep their timing
(docs/ODD.md 7.3). The phases are the registered mechanisms, in the order of registration
(model/mechanism_registry.py; the essay's six in model/mechanisms/__init__.py).
"""

from __future__ import annotations

from . import mechanism_registry as registry
from .parameters import Parameters

LOOPS: dict[str, str] = {
    "points_to_backbones": "last round's points weigh in the backbone score (incentive -> backbone)",
    "service_to_units": "co-building units' contributions follow the service they get back (team -> resource)",
    "credibility_learnt": "residents learn from redemptions whether points are honoured (resource -> incentive)",
    "trust_response": "residents respond to the mechanisms with the trust the organisation has earned",
    "gains_kept": "capacity and public spirit gained in a round carry into the next",
}
"""The feedback loops by which a round's end feeds the next round's start (终点又是新的起点): all cut
in the loop-cut twin (``cycle_feedback = false``), one at a time with ``loop_cut`` (docs/ODD.md 7.3)."""


def loop_open(p: Parameters, loop: str) -> bool:
    """Whether the feedback loop ``loop`` (a key of LOOPS) runs: not in the loop-cut twin, nor when
    it is the one loop cut."""
    return bool(p.cycle_feedback) and p.loop_cut != loop


def phase_starts(round_weeks: int) -> list[int]:
    """Week of the round (0-based) at which each phase (each registered mechanism's) starts."""
    n = len(registry.names())
    return [k * round_weeks // n for k in range(n)]


def phase_weeks(round_weeks: int, name: str) -> int:
    """How many weeks the phase ``name`` lasts in a round of ``round_weeks``."""
    starts = [*phase_starts(round_weeks), round_weeks]
    k = registry.names().index(name)
    return starts[k + 1] - starts[k]


class MicroCycle:
    """Launches each phase's mechanism when its week of the round comes, round after round."""

    def __init__(self, model, mechanisms: dict):
        self.model = model
        self.mechanisms = mechanisms
        self.round_weeks = model.p.round_weeks
        self.order = registry.names()
        self.starts = phase_schedule(self.round_weeks, model.p.phase_order)

    def begin_week(self) -> None:
        """Called at the start of week t = model.steps (1-based): launch the phases that start."""
        m, p = self.model, self.model.p
        week_of_round = (m.steps - 1) % self.round_weeks
        if week_of_round == 0 and m.steps > 1 and not loop_open(p, "gains_kept"):
            # the loop-cut twin: what residents gained in capacity and spirit stays in its round
            st = m.state
            st.capacity[:] = st.base_capacity
            st.public_spirit[:] = st.base_public_spirit
        for name in self.order:
            if week_of_round != self.starts[name]:
                continue
            if name in self.mechanisms:
                self.mechanisms[name].launch()
            elif not p.funds_follow_mechanisms:
                # the government pays a switched-off mechanism's funds in any case: an ablation keeps the
                # total budget (each mechanism says what it is paid: Mechanism.government_funds)
                for account, amount in registry.spec(name).cls.government_funds(m).items():
                    m.pool.deposit(amount, account)
        if week_of_round == 0:
            # the backbone phase has scored last round's points; the new round counts afresh
            m.state.points_earned_round[:] = 0


def phase_schedule(round_weeks: int, order: str) -> dict[str, int]:
    """Week of the round (0-based) at which each phase starts: in the essay's order, reversed, or
    all at once in the first week (``phase_order``). Phases that start in the same week launch in
    the essay's order."""
    slots = phase_starts(round_weeks)
    names = registry.names()
    match order:
        case "essay":
            return dict(zip(names, slots, strict=True))
        case "reversed":
            return dict(zip(reversed(names), slots, strict=True))
        case "at_once":
            return dict.fromkeys(names, 0)
        case other:
            raise ValueError(f"unknown phase_order {other!r}; allowed: essay, reversed, at_once")
