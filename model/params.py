"""The one parameter schema.

Every parameter of the model is declared here once: its name, default, type, allowed range,
unit, a one-line description, the essay's term (Chinese and English) where it comes from the
essay, and a source where a value comes from one. Scenario-file validation, the CLI's
``--set``, the keyword defaults of :class:`model.RedCycleModel`, sliders and the docs table
(``docs/parameters.md``) are all generated from this table, so a default lives in one place.

Values that are modelling choices rather than measured figures say so in ``source``.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any


class ParameterError(ValueError):
    """A parameter name, type or value that the schema does not allow (a one-line message)."""


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    kind: str  # "int", "float", "bool", "choice", "float?" (a float or None)
    description: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    group: str = "ladder"
    term_zh: str = ""
    term_en: str = ""
    source: str = ""

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        match self.kind:
            case "choice":
                return "one of " + ", ".join(repr(c) for c in self.choices)
            case "bool":
                return "true or false"
            case "int" | "float" | "float?":
                rng = f"[{_fmt(self.low)}, {_fmt(self.high)}]"
                what = {"int": "an integer", "float": "a number", "float?": "a number or none"}[self.kind]
                return f"{what} in {rng}"
            case _:
                raise AssertionError(f"unknown parameter kind {self.kind!r}")

    def check(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ParameterError."""
        where = f"parameter '{self.name}'"
        match self.kind:
            case "bool":
                if isinstance(value, bool):
                    return value
                raise ParameterError(f"{where} must be true or false, got {value!r}")
            case "choice":
                if isinstance(value, str) and value in self.choices:
                    return value
                raise ParameterError(f"{where} = {value!r} is not allowed; allowed: {self.allowed()}")
            case "int":
                if isinstance(value, bool) or not isinstance(value, int | float) or (
                    isinstance(value, float) and not value.is_integer()
                ):
                    raise ParameterError(f"{where} must be an integer, got {value!r}; allowed: {self.allowed()}")
                value = int(value)
            case "float" | "float?":
                if value is None and self.kind == "float?":
                    return None
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ParameterError(f"{where} must be a number, got {value!r}; allowed: {self.allowed()}")
                value = float(value)
                if not math.isfinite(value):
                    raise ParameterError(f"{where} must be finite, got {value!r}; allowed: {self.allowed()}")
            case _:
                raise AssertionError(f"unknown parameter kind {self.kind!r}")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            unit = f" {self.unit}" if self.unit else ""
            raise ParameterError(f"{where} = {value!r}{unit} is out of range; allowed: {self.allowed()}")
        return value

    def parse(self, text: str) -> Any:
        """Parse a command-line string (``--set name=value``) into this parameter's type."""
        t = text.strip()
        match self.kind:
            case "bool":
                low = t.lower()
                if low in ("true", "1", "yes", "on"):
                    return True
                if low in ("false", "0", "no", "off"):
                    return False
                raise ParameterError(f"parameter '{self.name}' must be true or false, got {text!r}")
            case "choice":
                return self.check(t)
            case "int":
                try:
                    value = int(t)
                except ValueError:
                    raise ParameterError(
                        f"parameter '{self.name}' must be an integer, got {text!r}; allowed: {self.allowed()}"
                    ) from None
                return self.check(value)
            case "float" | "float?":
                if self.kind == "float?" and t.lower() in ("none", "null", ""):
                    return None
                try:
                    value = float(t)
                except ValueError:
                    raise ParameterError(
                        f"parameter '{self.name}' must be a number, got {text!r}; allowed: {self.allowed()}"
                    ) from None
                return self.check(value)
            case _:
                raise AssertionError(f"unknown parameter kind {self.kind!r}")


def _fmt(x: float | None) -> str:
    if x is None:
        return "∞"
    return f"{x:g}" if isinstance(x, float) else str(x)


CENSUS_2020 = (
    "Seventh National Population Census of China (2020), bulletin no. 2: "
    "average family household size 2.62 persons"
)
ASSUMPTION = "modelling assumption; vary it in sensitivity analyses"

_PARAMS: list[Param] = [
    # --- community graph (社区) --------------------------------------------------------------
    Param("n_residents", 2000, "int", "residents in the community (nodes of the graph)",
          unit="persons", low=2, high=5_000_000, group="community",
          term_zh="社区居民", term_en="community residents"),
    Param("household_size_mean", 2.62, "float",
          "mean household size; sizes are 1 + Poisson(mean - 1)",
          unit="persons", low=1.0, high=10.0, group="community", term_zh="家庭户", term_en="household",
          source=CENSUS_2020),
    Param("households_per_building", 24.0, "float",
          "mean households per residential building (unit); counts are 1 + Poisson(mean - 1)",
          unit="households", low=1.0, high=1000.0, group="community", term_zh="楼栋", term_en="building",
          source="a six-storey walk-up with two stairwells of two flats per floor; " + ASSUMPTION),
    Param("buildings_per_compound", 12.0, "float",
          "mean buildings per residential compound; counts are 1 + Poisson(mean - 1)",
          unit="buildings", low=1.0, high=1000.0, group="community", term_zh="小区", term_en="compound",
          source=ASSUMPTION),
    Param("building_ties", 3.0, "float",
          "mean ties per resident to random residents of the same building (neighbours)",
          unit="ties", low=0.0, high=50.0, group="community", term_zh="邻里", term_en="neighbours",
          source=ASSUMPTION),
    Param("compound_ties", 1.5, "float",
          "mean ties per resident to random residents of the same compound",
          unit="ties", low=0.0, high=50.0, group="community", source=ASSUMPTION),
    Param("long_ties", 0.2, "float",
          "mean ties per resident to random residents anywhere in the community",
          unit="ties", low=0.0, high=20.0, group="community", source=ASSUMPTION),
    Param("party_member_share", 0.07, "float",
          "share of residents who are Party members",
          unit="share", low=0.0, high=1.0, group="community", term_zh="党员", term_en="Party members",
          source="about 99 million members in a population of about 1.41 billion (CONCEPT.md: roughly 7%)"),
    Param("retired_share", 0.45, "float",
          "share of the community's Party members who are retired (more time); with mobile_share at most 1",
          unit="share", low=0.0, high=1.0, group="community", term_zh="退休党员", term_en="retired members",
          source="urban community branches mostly organise retired members; " + ASSUMPTION),
    Param("mobile_share", 0.10, "float",
          "share of the community's Party members who are mobile (hard to reach); the rest are in service",
          unit="share", low=0.0, high=1.0, group="community", term_zh="流动党员", term_en="mobile members",
          source=ASSUMPTION),
    Param("branch_size_max", 50, "int",
          "largest Party branch; each compound's members are split into branches of at most this size",
          unit="members", low=3, high=100_000, group="community", term_zh="党支部", term_en="Party branch",
          source="Regulations on Party Branch Work (2018): a branch generally has no more than 50 members"),
    Param("branch_ties", 4.0, "float",
          "mean ties per Party member to random members of the same branch",
          unit="ties", low=0.0, high=50.0, group="community", source=ASSUMPTION),
    # --- initial state ------------------------------------------------------------------------
    Param("initial_engagement", 0.35, "float",
          "initial rung is geometric: P(rung >= k) = initial_engagement^k (lower rungs fuller)",
          unit="share", low=0.0, high=1.0, group="initial",
          source="CONCEPT.md: participation is mostly neighbourly help, volunteering rarer (CSS 2017); "
                 + ASSUMPTION),
    Param("capacity_mean", 0.5, "float", "mean capacity (skills, health, resources) of residents; Beta-distributed",
          unit="0-1", low=0.0, high=1.0, group="initial", term_zh="参与能力", term_en="capacity to take part",
          source=ASSUMPTION),
    Param("public_spirit_mean", 0.4, "float", "mean public spirit of residents; Beta-distributed",
          unit="0-1", low=0.0, high=1.0, group="initial", term_zh="公共精神", term_en="public spirit",
          source=ASSUMPTION),
    Param("party_spirit_bonus", 0.2, "float",
          "extra public spirit of Party members (vanguard role), capped at 1",
          unit="0-1", low=0.0, high=1.0, group="initial", term_zh="先锋模范作用", term_en="vanguard role",
          source=ASSUMPTION),
    Param("trust_mean", 0.5, "float", "mean trust in the community Party organisation; Beta-distributed",
          unit="0-1", low=0.0, high=1.0, group="initial", term_zh="凝聚力", term_en="cohesion, trust",
          source=ASSUMPTION),
    Param("need_mean", 0.4, "float", "mean initial unmet need in each need category; Beta-distributed",
          unit="0-1", low=0.0, high=1.0, group="initial", term_zh="居民需求", term_en="residents' needs",
          source=ASSUMPTION),
    Param("trait_concentration", 2.0, "float",
          "concentration (alpha + beta) of the Beta distributions of traits; larger = more alike",
          unit="", low=0.1, high=1000.0, group="initial", source=ASSUMPTION),
    Param("time_budget_mean", 4.0, "float",
          "mean hours a week an ordinary resident can give; Gamma(shape 2)-distributed",
          unit="hours/week", low=0.0, high=40.0, group="initial", source=ASSUMPTION),
    Param("retired_time_factor", 2.0, "float", "time budget of retired Party members relative to the mean",
          unit="x", low=0.0, high=10.0, group="initial", term_zh="退休党员", term_en="retired members",
          source="the essay: 注重发挥退休党员的作用 (make use of retired members); " + ASSUMPTION),
    Param("mobile_time_factor", 0.25, "float", "time budget of mobile Party members relative to the mean",
          unit="x", low=0.0, high=10.0, group="initial", term_zh="流动党员", term_en="mobile members",
          source=ASSUMPTION),
    Param("threshold", None, "float?",
          "one threshold for every resident; none = drawn from threshold_mean and threshold_sd "
          "(Python callers may pass one value per resident)",
          unit="drive", low=0.0, high=10.0, group="initial", source="Granovetter (1978); Watts (2002)"),
    Param("threshold_mean", 0.8, "float", "mean of residents' thresholds (Normal, clipped at 0)",
          unit="drive", low=0.0, high=10.0, group="initial", source=ASSUMPTION),
    Param("threshold_sd", 0.4, "float", "standard deviation of residents' thresholds",
          unit="drive", low=0.0, high=5.0, group="initial", source=ASSUMPTION),
    # --- the action ladder (社区行动逻辑) ------------------------------------------------------
    Param("n_rungs", 5, "int",
          "rungs of the ladder including 0 (not engaged): 5 = the essay's four rungs; 2 = threshold model",
          unit="rungs", low=2, high=5, group="ladder", term_zh="社区行动逻辑", term_en="community action logic"),
    Param("weight_social", 0.5, "float",
          "weight of the share of neighbours on the next rung or above (social influence)",
          unit="drive", low=0.0, high=5.0, group="ladder", source="Watts (2002); " + ASSUMPTION),
    Param("weight_capacity", 0.4, "float", "weight of the resident's capacity",
          unit="drive", low=0.0, high=5.0, group="ladder", source=ASSUMPTION),
    Param("weight_spirit", 0.4, "float", "weight of the resident's public spirit",
          unit="drive", low=0.0, high=5.0, group="ladder", source=ASSUMPTION),
    Param("weight_need", 0.25, "float",
          "weight of the resident's mean unmet need (pulls towards the lower rungs)",
          unit="drive", low=0.0, high=5.0, group="ladder", term_zh="从身边关心的事情开始",
          term_en="start from what residents care about nearby", source=ASSUMPTION),
    Param("need_pull_decay", 0.5, "float",
          "the need term is multiplied by need_pull_decay^r when climbing from rung r",
          unit="x", low=0.0, high=1.0, group="ladder", source=ASSUMPTION),
    Param("weight_time", 0.15, "float",
          "weight of the resident's time, min(1, time_budget / volunteer_hours)",
          unit="drive", low=0.0, high=5.0, group="ladder", source=ASSUMPTION),
    Param("volunteer_hours", 4.0, "float", "hours a week that taking part on the top rung asks of a resident",
          unit="hours/week", low=0.1, high=40.0, group="ladder", source=ASSUMPTION),
    Param("rung_step", 0.25, "float",
          "extra threshold for each rung above the first (higher rungs are harder to reach)",
          unit="drive", low=0.0, high=5.0, group="ladder", source=ASSUMPTION),
    Param("decision_noise", 0.1, "float",
          "standard deviation of the weekly Normal noise added to each resident's drive",
          unit="drive", low=0.0, high=5.0, group="ladder", source=ASSUMPTION),
    Param("slip_rate", 0.03, "float",
          "weekly probability that a resident above rung 0 who does not climb slips one rung",
          unit="1/week", low=0.0, high=1.0, group="ladder", source=ASSUMPTION),
    Param("need_growth", 0.02, "float",
          "weekly growth of each unmet need towards 1 (new needs arise): need += growth * (1 - need)",
          unit="1/week", low=0.0, high=1.0, group="ladder", source=ASSUMPTION),
    Param("self_help_efficacy", 0.04, "float",
          "weekly share of its own need a resident on rung >= 1 meets, times its capacity",
          unit="1/week", low=0.0, high=1.0, group="ladder", term_zh="自助", term_en="self-help",
          source=ASSUMPTION),
    Param("mutual_aid_efficacy", 0.04, "float",
          "weekly share of its need a resident has met, times the share of its neighbours on rung >= 2",
          unit="1/week", low=0.0, high=1.0, group="ladder", term_zh="互助", term_en="mutual aid",
          source=ASSUMPTION),
    # --- running ------------------------------------------------------------------------------
    Param("steps", 156, "int", "weeks to simulate when run() is given no step count (156 = three years)",
          unit="weeks", low=0, high=100_000, group="run"),
    Param("stable_window", 4, "int",
          "run(until_stable=True) stops after this many weeks in a row in which no resident changed rung",
          unit="weeks", low=1, high=10_000, group="run"),
    Param("agent_objects", "auto", "choice",
          "when the Mesa Network and agent objects are built: eager, lazy (on first access), "
          "or auto (eager up to 50,000 residents)",
          choices=("auto", "eager", "lazy"), group="run"),
]

PARAMS: dict[str, Param] = {p.name: p for p in _PARAMS}
DEFAULTS: dict[str, Any] = {p.name: p.default for p in _PARAMS}
GROUPS: tuple[str, ...] = ("community", "initial", "ladder", "run")
NEED_CATEGORIES: tuple[str, ...] = ("elder_care", "medical_care", "hardship_relief", "daily_life")
"""Need categories; the first three are the largest unmet needs in the China Social Survey 2021."""


def unknown_name_error(name: str, known: list[str] | None = None, what: str = "parameter") -> ParameterError:
    known = sorted(PARAMS) if known is None else sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ParameterError(f"unknown {what} '{name}'{hint}; known: {', '.join(known)}")


def validate(overrides: dict[str, Any]) -> dict[str, Any]:
    """Check ``overrides`` against the schema and return the full parameter set.

    Raises ParameterError (one line) for an unknown name, a value of the wrong type or out of
    range, or a combination the schema forbids.
    """
    params = dict(DEFAULTS)
    for name, value in overrides.items():
        if name not in PARAMS:
            raise unknown_name_error(name)
        params[name] = PARAMS[name].check(value)
    if params["retired_share"] + params["mobile_share"] > 1.0 + 1e-12:
        raise ParameterError(
            "parameters 'retired_share' + 'mobile_share' = "
            f"{params['retired_share'] + params['mobile_share']:g} exceed 1; allowed: a sum of at most 1"
        )
    return params


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a CLI ``name=value`` into a checked (name, value) pair."""
    if "=" not in text:
        raise ParameterError(f"--set expects name=value, got {text!r}")
    name, _, value = text.partition("=")
    name = name.strip()
    if name not in PARAMS:
        raise unknown_name_error(name)
    return name, PARAMS[name].parse(value)


def markdown_table() -> str:
    """The parameter table for docs/parameters.md, generated from the schema."""
    out = []
    for group in GROUPS:
        out.append(f"\n### {group}\n")
        out.append("| name | default | allowed | unit | description | essay term | source |")
        out.append("|---|---|---|---|---|---|---|")
        for p in _PARAMS:
            if p.group != group:
                continue
            term = f"{p.term_zh} ({p.term_en})" if p.term_zh else ""
            out.append(
                f"| `{p.name}` | `{p.default!r}` | {p.allowed()} | {p.unit} | {p.description} | {term} | {p.source} |"
            )
    return "\n".join(out) + "\n"


__all__ = [
    "DEFAULTS", "GROUPS", "NEED_CATEGORIES", "PARAMS", "Param", "ParameterError",
    "markdown_table", "parse_assignment", "validate",
]
