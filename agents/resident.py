"""Residents (社区居民) and Party members (党员) as Mesa agents on the community Network.

A resident object holds no state of its own beyond its index: every property reads and writes
the model's state registry (:class:`model.state.ResidentState`), so the compiled step and the
objects always agree. ``Resident.step``/``advance`` apply the engine's own ladder rule (one
function, model/rule.py) the Mesa-idiomatic way, one agent at a time; the model calls them only
as ``AgentLadderModel``. They are here for teaching, for the benchmark that compares the two
forms, and for the test that docks them.
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
    last_volunteered = _state("last_volunteered", int, "last week on the top rung")
    capacity = _state("capacity")
    public_spirit = _state("public_spirit")
    trust = _state("trust")
    time_budget = _state("time_budget")
    threshold = _state("threshold")
    boost = _state("boost")
    retention = _state("retention")
    commitment = _state("commitment", float, "commitment to taking part (docs/ODD.md 7.14)")
    adult = _state("adult", bool, "can hold a rung (aged 15 or over, or children_on_ladder)")
    points = _state("points", int)
    backbone = _state("backbone", bool)
    household = _state("household", int)
    building = _state("building", int)
    compound = _state("compound", int)
    age_group = _state("age_group", int, "age group: 0 aged 0-14, 1 aged 15-59, 2 aged 60-64, 3 aged 65+")
    work_status = _state("work_status", int, "0 not working, 1 employed, 2 retired")
    tenure = _state("tenure", int, "0 owner, 1 renter, 2 migrant (流动人口)")
    household_type = _state(
        "household_type", int, "0 family, 1 one person, 2 with elderly, 3 elderly only, 4 elderly alone, 5 unknown"
    )

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
        """Decide this week's move from the start-of-week state; ``advance`` applies it.

        The rule is the engine's own (``model.ladder.decide`` and ``serve``, model/rule.py), given this
        resident's fields, its neighbours counted through Mesa's Network space and this week's
        draws (``model.ladder.draws``, drawn for everyone before any agent steps)."""
        m = self.model
        ladder, st, i = m.ladder, m.state, self.index
        Rung = ladder.Rung
        rung = self.rung
        level = min(rung + 1, ladder.top)  # "the next rung or above" (the top rung: its own)
        neighbours = self.neighbours()
        n_next = sum(1 for a in neighbours if a.rung >= level)
        n_helpers = sum(1 for a in neighbours if a.rung >= Rung.MUTUAL_AID)
        n_holders = sum(1 for a in neighbours if a.adult)  # the share is of those who can hold a rung
        draws = ladder.draws
        noise = float(draws.noise[i]) if len(draws.noise) else 0.0
        uniform = float(draws.uniform[i]) if len(draws.uniform) else 1.0
        move = ladder.decide(
            ladder.rule,
            rung,
            n_next,
            n_holders,
            self.capacity,
            self.public_spirit,
            float(draws.hours[i]),
            self.threshold,
            self.boost,
            self.retention,
            ladder.unmet_share(st.needs, i),
            float(ladder.need_factor[rung]),
            noise,
            uniform,
            self.commitment,
            self.adult,
        )
        for j in range(st.needs.shape[1]):  # its own row i of the registry's needs, each category served
            st.needs[i, j] = ladder.serve(
                ladder.rule, st.needs[i, j], st.need_growth[i, j], rung, self.capacity, n_helpers, n_holders
            )
        self._next_rung = rung + move

    def advance(self) -> int:
        """Apply the move decided in ``step``; returns it (+1 climbed, -1 slipped, 0 stayed)."""
        m = self.model
        move = self._next_rung - self.rung
        self.commitment = m.ladder.commit(m.ladder.rule, self.commitment, self._next_rung, move < 0)
        if move:
            self.weeks_on_rung = 0
            self.rung = self._next_rung
        else:
            self.weeks_on_rung += 1
        if self._next_rung == m.ladder.top:
            self.last_volunteered = m.steps
        return move

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
