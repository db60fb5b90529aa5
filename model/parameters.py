"""A run's parameters as one typed, frozen object.

:func:`model.params.validate` checks a run's parameters against the schema and returns a plain
dict (what the command line, scenario files, sweeps and manifests pass around). The model keeps
them as a :class:`Parameters`: every parameter of the schema is an attribute with its type
(``p.org_role: float``, ``p.budget_period: Literal["round", "year"]``), so a type checker (mypy,
``[tool.mypy]`` in pyproject.toml) knows each one and a misspelt name is an error before the run,
not a ``KeyError`` in week 80. It is also a read-only mapping (``p["org_role"]``, ``dict(p)``), for
code that loops over names. It is frozen: assigning to it raises; only the model's ``update()``
changes it between weeks (:meth:`Parameters._replace`), in place, so every mechanism and the
ladder, which hold the same object, read the new values from the next week.

The attribute list below is generated from the schema (``uv run python -m experiments.docs``
rewrites it with docs/parameters.md; tests/test_parameters.py fails when it and the schema disagree). A parameter that a
mechanism registers at run time (docs/extending.md) is read the same two ways but is not declared
to type checkers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

__all__ = ["Parameters", "declaration", "declared_block"]


class Parameters(Mapping[str, Any]):
    """The validated parameters of one run; see the module's docstring."""

    # --- generated from model/params.py by `uv run python -m experiments.docs`; do not edit ---------
    n_residents: int
    household_size_mean: float
    households_per_building: float
    buildings_per_compound: float
    building_ties: float
    compound_ties: float
    long_ties: float
    party_member_share: float
    retired_share: float
    mobile_share: float
    branch_size_max: int
    branch_ties: float
    aged_0_14_share: float
    aged_60_plus_share: float
    aged_65_plus_share: float
    elderly_household_share: float
    employment_rate: float
    work_hours_mean: float
    work_hours_sd: float
    work_time_cost: float
    child_time_factor: float
    migrant_share: float
    renter_share: float
    renter_attachment: float
    migrant_attachment: float
    renter_trust_factor: float
    migrant_trust_factor: float
    elder_need_factor: float
    alone_need_factor: float
    initial_engagement: float
    capacity_mean: float
    public_spirit_mean: float
    party_spirit_bonus: float
    trust_mean: float
    need_mean: float
    need_skew: float
    trait_concentration: float
    time_budget_mean: float
    retired_time_factor: float
    mobile_time_factor: float
    burn_in_weeks: int
    threshold: float | None
    threshold_mean: float
    threshold_sd: float
    n_rungs: int
    weight_social: float
    weight_capacity: float
    weight_spirit: float
    weight_need: float
    need_pull_decay: float
    weight_time: float
    volunteer_hours: float
    rung_step: float
    decision_noise: float
    slip_rate: float
    slip_drive_weight: float
    children_on_ladder: bool
    commitment_rate: float
    commitment_hold: float
    commitment_loss: float
    noise_memory: float
    life_event_rate: float
    spirit_decay: float
    capacity_decay: float
    need_growth: float
    self_help_efficacy: float
    mutual_aid_efficacy: float
    org_role: float
    three_downs: float
    resident_voice: float
    diversity: float
    mechanism_trust_weight: float
    trust_rate: float
    gain_trust: float
    trust_from_self_help: float
    broken_promise_cost: float
    budget_period: Literal["round", "year"]
    capacity_growth: Literal["step", "smooth"]
    round_weeks: int
    cycle_feedback: bool
    loop_cut: Literal[
        "none", "points_to_backbones", "service_to_units", "credibility_learnt", "trust_response", "gains_kept"
    ]
    phase_order: Literal["essay", "reversed", "at_once"]
    funds_follow_mechanisms: bool
    record_weeks: float
    backbone_on: bool
    backbone_selection: Literal["emergent", "appointed"]
    backbone_share: float
    backbone_min_rung: int
    party_priority: float
    mobile_reach: float
    fulltime_worker_size: int
    fulltime_worker_bonus: float
    backbone_pull: float
    backbone_trust: float
    backbone_burnout: float
    backbone_credibility: Literal["seen", "rung"]
    backbone_mandate: float
    backbone_role_pull: float
    backbone_lead_bonus: float
    project_on: bool
    seed_fund: float
    project_cost: float
    project_budget_share: float
    project_places: int
    project_served: int
    project_efficacy: float
    project_pull: float
    project_retention: float
    capacity_gain: float
    participatory_delay: int
    participatory_cost: float
    ownership_pull: float
    ownership_decay: float
    crowding_out: float
    survey_method: Literal["scoring", "problem_count"]
    renewal_bar: float
    counts: Literal["stochastic", "rounded"]
    convention_on: bool
    dialogue_gain: float
    dialogue_bond: Literal["gain", "full"]
    dialogue_hours: float
    dialogue_cost: float
    norm_decay: float
    norm_pull: float
    norm_retention: float
    spirit_gain: float
    convention_locality: float
    convention_spread: float
    resource_on: bool
    units_per_1000: float
    agreement_rate: float
    unit_contribution: float
    service_exchange_share: float
    reciprocity: float
    unit_fade: float
    team_on: bool
    venture_fund: float
    training_rate: float
    training_share: float
    skill_decay: float
    team_size: int
    teams_per_1000: float
    teams_max_per_1000: float | None
    provider_teams: bool
    provider_team_cost: float
    willingness_min: float
    maturity_rate: float
    team_pull: float
    team_retention: float
    team_service: float
    team_support_cost: float
    incentive_on: bool
    points_per_week: int
    points_crowding: float
    point_value: float
    incentive_budget_share: float
    platform: float
    initial_credibility: float
    incentive_pull: float
    reward_half_value: float
    credibility_learning: float
    incentive_retention: float
    steps: int
    stable_window: int
    record_groups: bool
    agent_objects: Literal["auto", "eager", "lazy"]
    # --- end of the generated block ---------------------------------------------------------------

    if TYPE_CHECKING:  # bookkeeping, not parameters (kept out of __annotations__ at run time)
        _order: tuple[str, ...]
        _extra: dict[str, Any]
        _generation: int

    if not TYPE_CHECKING:  # to a type checker only the declared names exist

        def __getattr__(self, name: str) -> Any:
            """A parameter registered at run time (not declared above)."""
            try:
                return object.__getattribute__(self, "_extra")[name]
            except KeyError:
                raise AttributeError(f"no parameter '{name}' (every parameter: run.py params)") from None

    def __init__(self, values: Mapping[str, Any]):
        object.__setattr__(self, "_order", ())
        object.__setattr__(self, "_extra", {})
        object.__setattr__(self, "_generation", 0)
        self._replace(values)

    def _replace(self, values: Mapping[str, Any]) -> None:
        """Set the given parameters in place: the model's ``update()`` only (values already checked)."""
        order = list(self._order)
        for name, value in values.items():
            if name in _DECLARED:
                object.__setattr__(self, name, value)
            else:
                self._extra[name] = value
            if name not in order:
                order.append(name)
        object.__setattr__(self, "_order", tuple(order))
        # a count of the changes: what is derived from the parameters (the ladder's rule) is kept until it moves
        object.__setattr__(self, "_generation", self._generation + 1)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"parameters are frozen: set '{name}' with model.update({name}=...) between weeks")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"parameters are frozen: '{name}' cannot be deleted")

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__dict__[name] if name in _DECLARED else self._extra[name]
        except KeyError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict copy, in the schema's order (for manifests and JSON)."""
        values = self.__dict__
        return {name: values[name] if name in _DECLARED else self._extra[name] for name in self._order}

    def __reduce__(self) -> tuple:
        return (Parameters, (self.as_dict(),))

    def __repr__(self) -> str:
        return f"Parameters({self.as_dict()!r})"


_DECLARED = frozenset(Parameters.__annotations__)
"""The parameters declared above: held as plain instance attributes (read at dict speed)."""


def _annotation(param) -> str:
    match param.kind:
        case "bool":
            return "bool"
        case "int":
            return "int"
        case "float":
            return "float"
        case "float?":
            return "float | None"
        case "choice":
            return "Literal[" + ", ".join(f'"{c}"' for c in param.choices) + "]"
    raise ValueError(f"parameter '{param.name}': unknown kind {param.kind!r}")


def declaration(params: Mapping[str, Any] | None = None) -> list[str]:
    """The generated block's lines for the schema's parameters (``params``: model.params.PARAMS)."""
    if params is None:
        from .params import PARAMS

        params = PARAMS
    return [_line(name, _annotation(p)) for name, p in params.items()]


def _line(name: str, kind: str, width: int = 120) -> str:
    """One declaration as ruff formats it: a Literal too long for a line is split inside its brackets."""
    line = f"    {name}: {kind}"
    if len(line) <= width or not kind.startswith("Literal["):
        return line
    return f"    {name}: Literal[\n        {kind[len('Literal[') : -1]}\n    ]"


def declared_block(source: str) -> str:
    """``source`` (this module's text) with its generated block made from the schema now
    (experiments/docs.py writes the result; model/ writes no files)."""
    start, end = source.index(BLOCK_START), source.index(BLOCK_END)
    head = source.index("\n", start) + 1
    return source[:head] + "\n".join(declaration()) + "\n" + source[end:]


BLOCK_START = "    # --- generated from model/params.py"
BLOCK_END = "    # --- end of the generated block"
