"""Residents (社区居民) and Party members (党员) as Mesa agents on the community Network.

A resident object holds no state of its own beyond its index: every property reads and writes
the model's state registry (:class:`model.state.ResidentState`), so the vectorised step and the
objects always agree. ``Resident.step``/``advance`` are the same ladder rule written the
Mesa-idiomatic way (one agent at a time); the model never calls them on its hot path. They are
here for teaching, for the benchmark that compares the two forms, and for the test that docks the
vectorised rule against them.
"""

from __future__ import annotations

from mesa.discrete_space import FixedAgent

# model/ imports this package; this package reads the model only through the model object


def _state(name: str, convert=float, doc: str = ""):
    """A property that reads and writes this resident's entry of one registry array."""

    def fget(self):
        return convert(getattr(self.model.state, name)[self.index])

    def fset(self, value):
        getattr(self.model.state, name)[self.index] = value

    return property(fget, fset, doc=doc or f"this resident's `{name}` (from the state registry)")


class Resident(FixedAgent):
    """A resident: a node of the community graph, placed on its cell of the Network space."""

    rung = _state("rung", int, "rung of the action ladder (0-4)")
    weeks_on_rung = _state("weeks_on_rung", int)
    capacity = _state("capacity")
    public_spirit = _state("public_spirit")
    trust = _state("trust")
    time_budget = _state("time_budget")
    threshold = _state("threshold")
    boost = _state("boost")
    retention = _state("retention")
    points = _state("points", int)
    backbone = _state("backbone", bool)
    household = _state("household", int)
    building = _state("building", int)
    compound = _state("compound", int)
    age_group = _state("age_group", int, "age group: 0 aged 0-14, 1 aged 15-59, 2 aged 60-64, 3 aged 65+")
    work_status = _state("work_status", int, "0 not working, 1 employed, 2 retired")
    tenure = _state("tenure", int, "0 owner, 1 renter, 2 migrant (流动人口)")
    household_type = _state("household_type", int, "0 family, 1 one person, 2 with elderly, 3 elderly only, "
                                                    "4 elderly alone, 5 unknown")

    def __init__(self, model, index: int, cell):
        super().__init__(model)
        self.index = index
        self.cell = cell
        self._next_rung = None

    @property
    def needs(self) -> dict[str, float]:
        """Unmet need per category (a copy; write through ``model.state.needs``)."""
        return self.model.state.needs_of(self.index)

    @property
    def is_party_member(self) -> bool:
        return False

    def state(self) -> dict:
        """Everything the registry holds on this resident."""
        return self.model.state.resident(self.index)

    def neighbours(self) -> list[Resident]:
        return list(self.cell.neighborhood.agents)

    # --- the ladder rule, one agent at a time (Mesa-idiomatic form) ---------------------------
    def step(self) -> None:
        """Decide this week's move from the start-of-week state; ``advance`` applies it."""
        m = self.model
        p = m.p
        r = self.rung
        top = p["n_rungs"] - 1
        neighbours = self.neighbours()
        higher = sum(1 for a in neighbours if a.rung > r)
        social = higher / len(neighbours) if neighbours else 0.0
        needs = m.state.needs[self.index]
        unmet = float(needs.mean())
        drive = (p["weight_social"] * social + p["weight_capacity"] * self.capacity
                 + p["weight_spirit"] * self.public_spirit
                 + p["weight_need"] * p["need_pull_decay"] ** r * unmet
                 + p["weight_time"] * min(1.0, self.time_budget / p["volunteer_hours"]) + self.boost)
        if p["decision_noise"]:
            drive += m.ladder.rng.normal(0.0, p["decision_noise"])
        if r < top and drive >= self.threshold + p["rung_step"] * r:
            self._next_rung = r + 1
        elif r > 0 and p["slip_rate"] and m.ladder.rng.random() < p["slip_rate"] * (1.0 - self.retention):
            self._next_rung = r - 1
        else:
            self._next_rung = r
        # needs: growth, own self-help, neighbours' mutual aid (start-of-week rungs)
        needs += m.state.need_growth[self.index] * (1.0 - needs)
        if r >= 1:
            needs *= 1.0 - p["self_help_efficacy"] * self.capacity
        if top >= 2 and neighbours:
            helpers = sum(1 for a in neighbours if a.rung >= 2) / len(neighbours)
            needs *= 1.0 - p["mutual_aid_efficacy"] * helpers

    def advance(self) -> None:
        if self._next_rung != self.rung:
            self.weeks_on_rung = 0
            self.rung = self._next_rung
        else:
            self.weeks_on_rung += 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}(index={self.index}, rung={self.rung})"


class PartyMember(Resident):
    """A resident who is a Party member, with a category of classified management (分类管理)."""

    branch = _state("branch", int, "Party branch (党支部) id")

    @property
    def is_party_member(self) -> bool:
        return True

    @property
    def category(self) -> str:
        """in_service, retired (退休党员) or mobile (流动党员)."""
        return self.model.state.party_category_of(self.index)
