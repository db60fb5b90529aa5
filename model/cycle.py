"""The micro-cycle (红色微循环): the six phases, their order and timing, written down once.

    通过挖掘红色骨干、策划红色项目、形成红色公约、整合红色资源、组建红色团队和开展红色激励六个方面……
    从红色骨干(起点)到红色激励(终点)，终点又是新的起点，形成螺旋式上升的良性微循环
    "through six aspects — finding red backbones, planning red projects, forming red conventions,
    integrating red resources, building red teams and carrying out red incentives … from red
    backbones (the starting point) to red incentives (the end point), the end point is a new
    starting point, forming a spiral-upward virtuous micro-cycle"

A round lasts ``round_weeks``; the phases start one after another within it, in the essay's
order; a mechanism that is switched off skips its phase and the others keep their timing
(docs/ODD.md 7.3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    name: str  # the mechanism's key: parameters <name>_on, module model/mechanisms/<name>.py
    zh: str
    en: str


PHASES: tuple[Phase, ...] = (
    Phase("backbone", "红色骨干", "red backbones"),
    Phase("project", "红色项目", "red projects"),
    Phase("convention", "红色公约", "red conventions"),
    Phase("resource", "红色资源", "red resources"),
    Phase("team", "红色团队", "red teams"),
    Phase("incentive", "红色激励", "red incentives"),
)
"""The six mechanisms in the essay's order, with their names in Chinese and English: the one copy
that the model, the CLI, the figures and the docs use."""

ORDER: tuple[str, ...] = tuple(phase.name for phase in PHASES)
PHASE_BY_NAME: dict[str, Phase] = {phase.name: phase for phase in PHASES}


def phase_starts(round_weeks: int) -> list[int]:
    """Week of the round (0-based) at which each of the six phases starts."""
    return [k * round_weeks // len(PHASES) for k in range(len(PHASES))]


def phase_weeks(round_weeks: int, name: str) -> int:
    """How many weeks the phase ``name`` lasts in a round of ``round_weeks``."""
    starts = [*phase_starts(round_weeks), round_weeks]
    k = ORDER.index(name)
    return starts[k + 1] - starts[k]


class MicroCycle:
    """Launches each phase's mechanism when its week of the round comes, round after round."""

    def __init__(self, model, mechanisms: dict):
        self.model = model
        self.mechanisms = mechanisms
        self.round_weeks = model.p["round_weeks"]
        self.starts = phase_starts(self.round_weeks)

    def begin_week(self) -> None:
        """Called at the start of week t = model.steps (1-based): launch a phase if one starts."""
        week_of_round = (self.model.steps - 1) % self.round_weeks
        for name, start in zip(ORDER, self.starts, strict=True):
            if week_of_round == start and name in self.mechanisms:
                self.mechanisms[name].launch()
        if week_of_round == 0:
            # the backbone phase has scored last round's points; the new round counts afresh
            self.model.state.points_earned_round[:] = 0
