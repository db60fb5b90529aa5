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
from collections.abc import Mapping
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
        if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            value = value.item()  # numpy scalars are numbers like Python's (np.int64(3), np.bool_(True))
        match self.kind:
            case "bool":
                if isinstance(value, bool):
                    return value
                raise ParameterError(f"{where} must be true or false, got {_short(value)}")
            case "choice":
                if isinstance(value, str) and value in self.choices:
                    return value
                raise ParameterError(f"{where} = {_short(value)} is not allowed; allowed: {self.allowed()}")
            case "int":
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int | float)
                    or (isinstance(value, float) and not value.is_integer())
                ):
                    raise ParameterError(f"{where} must be an integer, got {_short(value)}; allowed: {self.allowed()}")
                value = int(value)
            case "float" | "float?":
                if self.kind == "float?" and (value is None or (isinstance(value, str) and value.lower() == "none")):
                    return None
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ParameterError(f"{where} must be a number, got {_short(value)}; allowed: {self.allowed()}")
                try:
                    value = float(value)
                except OverflowError:  # an integer of hundreds of digits
                    raise ParameterError(
                        f"{where} = {_short(value)} is out of range; allowed: {self.allowed()}"
                    ) from None
                if not math.isfinite(value):
                    raise ParameterError(f"{where} must be finite, got {value!r}; allowed: {self.allowed()}")
            case _:
                raise AssertionError(f"unknown parameter kind {self.kind!r}")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            unit = f" ({self.unit})" if self.unit and self.unit != "0-1" else ""
            raise ParameterError(
                f"{where} = {_short(value)} is out of range {_fmt(self.low)}–{_fmt(self.high)}{unit}; "
                f"allowed: {self.allowed()}"
            )
        return value

    def parse(self, text: str) -> Any:
        """Parse a command-line string (``--set name=value``) into this parameter's type.

        One rule for the command line and scenario files: the text is read as a TOML value
        (``1e3``, ``1_000``, ``true``, ``"eager"``), a bare word as a string, then checked as in
        a scenario file; ``none`` stands for no value where a parameter allows one.
        """
        t = text.strip()
        if self.kind == "float?" and t.lower() in ("none", "null"):
            return None
        return self.check(parse_value(t))


def parse_value(text: str) -> Any:
    """A command-line value read with TOML's grammar (as in scenario files); a bare word is a string."""
    import tomllib

    t = text.strip()
    if "\n" in t or "\r" in t or "#" in t or "=" in t:
        return t
    try:
        return tomllib.loads(f"v = {t}")["v"]
    except (tomllib.TOMLDecodeError, ValueError):  # ValueError: an integer beyond Python's 4,300 digits
        return t


def _short(value: Any, limit: int = 40) -> str:
    """A value for a one-line message, cut when long (a 400-digit number, a 50 MB string)."""
    text = (
        repr(value)
        if not isinstance(value, int) or value.bit_length() < 4000
        else f"<{value.bit_length()}-bit integer>"
    )
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _fmt(x: float | None) -> str:
    if x is None:
        return "∞"
    return f"{x:g}" if isinstance(x, float) else str(x)


CENSUS_2020 = (
    "Seventh National Population Census of China (2020), bulletin no. 2: average family household size 2.62 persons"
)
ASSUMPTION = "modelling assumption; vary it in sensitivity analyses"
MANSURI_RAO = (
    "Mansuri & Rao (2013), Localizing Development: Does Participation Work? (World Bank): induced "
    "participation tends to fade when external support ends"
)
CROWDING = (
    "Frey & Jegen (2001), Motivation crowding theory, J. Econ. Surveys 15(5):589-611; Gneezy & Rustichini "
    "(2000), Pay enough or don't pay at all, QJE 115(3):791-810"
)


def rule_on(neutral: str) -> str:
    """Source text of an issue-10 rule: on by default; its neutral value recovers the earlier rule."""
    return (
        f"; on by default; {neutral} recovers the earlier rule (the stored baseline's "
        f"'*_rules_neutral' runs): " + ASSUMPTION
    )


CALIBRATED = "calibrated jointly against the patterns in docs/calibration.md"
LIFE_EVENTS = (
    "the rate is calibrated jointly against the patterns in docs/calibration.md (retention across years); "
    "that a resident's disposition changes at life events, and only then, is a modelling assumption "
    "(Butrica, Johnson & Zedlewski 2007 find that older adults mostly keep their earlier choice to "
    "volunteer or not, yet a third of a year's volunteers stop the next year: CNCS 2008); 0 recovers "
    "the rule before it"
)
SURVEYS_ADULTS = (
    "the surveys the patterns come from count adults (CSS: aged 18-69; CGSS: 18+); the census's age "
    "groups draw the line at 15, which the model follows: " + ASSUMPTION
)


def rule15_on(neutral: str) -> str:
    """Source text of an issue-15 rule: on by default; its neutral value recovers the rule before it."""
    return f"; on by default; {neutral} recovers the rule before issue 15 (tests.helpers.earlier): " + ASSUMPTION


CENSUS_2020_AGE = (
    "Seventh National Population Census of China (2020), bulletin no. 5: aged 0-14 17.95%, 60+ 18.70%, 65+ 13.50%"
)

_PARAMS: list[Param] = [
    # --- community graph (社区) --------------------------------------------------------------
    Param(
        "n_residents",
        2000,
        "int",
        "residents in the community (nodes of the graph)",
        unit="persons",
        low=2,
        high=5_000_000,
        group="community",
        term_zh="社区居民",
        term_en="community residents",
    ),
    Param(
        "household_size_mean",
        2.62,
        "float",
        "mean household size; sizes are 1 + Poisson(mean - 1)",
        unit="persons",
        low=1.0,
        high=10.0,
        group="community",
        term_zh="家庭户",
        term_en="household",
        source=CENSUS_2020,
    ),
    Param(
        "households_per_building",
        24.0,
        "float",
        "mean households per residential building (unit); counts are 1 + Poisson(mean - 1)",
        unit="households",
        low=1.0,
        high=1000.0,
        group="community",
        term_zh="楼栋",
        term_en="building",
        source="a six-storey walk-up with two stairwells of two flats per floor; " + ASSUMPTION,
    ),
    Param(
        "buildings_per_compound",
        12.0,
        "float",
        "mean buildings per residential compound; counts are 1 + Poisson(mean - 1)",
        unit="buildings",
        low=1.0,
        high=1000.0,
        group="community",
        term_zh="小区",
        term_en="compound",
        source=ASSUMPTION,
    ),
    Param(
        "building_ties",
        3.0,
        "float",
        "mean ties per resident to random residents of the same building (neighbours)",
        unit="ties",
        low=0.0,
        high=50.0,
        group="community",
        term_zh="邻里",
        term_en="neighbours",
        source=ASSUMPTION,
    ),
    Param(
        "compound_ties",
        1.5,
        "float",
        "mean ties per resident to random residents of the same compound",
        unit="ties",
        low=0.0,
        high=50.0,
        group="community",
        source=ASSUMPTION,
    ),
    Param(
        "long_ties",
        0.2,
        "float",
        "mean ties per resident to random residents anywhere in the community",
        unit="ties",
        low=0.0,
        high=20.0,
        group="community",
        source=ASSUMPTION,
    ),
    Param(
        "party_member_share",
        0.07,
        "float",
        "share of residents who are Party members",
        unit="share",
        low=0.0,
        high=1.0,
        group="community",
        term_zh="党员",
        term_en="Party members",
        source="about 99 million members in a population of about 1.41 billion (roughly 7%; docs/sources.md)",
    ),
    Param(
        "retired_share",
        0.45,
        "float",
        "share of the community's Party members who are retired (more time); with mobile_share at most 1",
        unit="share",
        low=0.0,
        high=1.0,
        group="community",
        term_zh="退休党员",
        term_en="retired members",
        source="urban community branches mostly organise retired members; " + ASSUMPTION,
    ),
    Param(
        "mobile_share",
        0.10,
        "float",
        "share of the community's Party members who are mobile (hard to reach); the rest are in service",
        unit="share",
        low=0.0,
        high=1.0,
        group="community",
        term_zh="流动党员",
        term_en="mobile members",
        source=ASSUMPTION,
    ),
    Param(
        "branch_size_max",
        50,
        "int",
        "largest Party branch; each compound's members are split into branches of at most this size",
        unit="members",
        low=3,
        high=100_000,
        group="community",
        term_zh="党支部",
        term_en="Party branch",
        source="Regulations on Party Branch Work (2018): a branch generally has no more than 50 members",
    ),
    Param(
        "branch_ties",
        4.0,
        "float",
        "mean ties per Party member to random members of the same branch",
        unit="ties",
        low=0.0,
        high=50.0,
        group="community",
        source=ASSUMPTION,
    ),
    # --- residents: age, work, tenure, household (居民构成) --------------------------------------
    Param(
        "aged_0_14_share",
        0.1795,
        "float",
        "share of residents aged 0-14 (children; never head a household)",
        unit="share",
        low=0.0,
        high=0.6,
        group="residents",
        term_zh="0-14岁人口",
        term_en="aged 0-14",
        source=CENSUS_2020_AGE,
    ),
    Param(
        "aged_60_plus_share",
        0.187,
        "float",
        "share of residents aged 60 or over; everyone aged 60+ is retired",
        unit="share",
        low=0.0,
        high=0.9,
        group="residents",
        term_zh="60岁及以上人口",
        term_en="aged 60+",
        source=CENSUS_2020_AGE,
    ),
    Param(
        "aged_65_plus_share",
        0.135,
        "float",
        "share of residents aged 65 or over (at most aged_60_plus_share)",
        unit="share",
        low=0.0,
        high=0.9,
        group="residents",
        term_zh="65岁及以上人口",
        term_en="aged 65+",
        source=CENSUS_2020_AGE,
    ),
    Param(
        "elderly_household_share",
        0.35,
        "float",
        "chance that a household of one or two persons is an elderly-only household (all 60+; 空巢)",
        unit="share",
        low=0.0,
        high=1.0,
        group="residents",
        term_zh="空巢老人",
        term_en="empty-nest elderly",
        source="the census reports many one- and two-person elderly households; the share is an assumption",
    ),
    Param(
        "employment_rate",
        0.75,
        "float",
        "share of residents aged 15-59 who are employed",
        unit="share",
        low=0.0,
        high=1.0,
        group="residents",
        term_zh="在职",
        term_en="in work",
        source="roughly the urban employment ratio at ages 15-59 (students, homemakers and the early "
        "retired make up the rest); " + ASSUMPTION,
    ),
    Param(
        "work_hours_mean",
        49.0,
        "float",
        "mean weekly working hours of the employed (Normal, clipped to 1-84)",
        unit="hours/week",
        low=1.0,
        high=84.0,
        group="residents",
        term_zh="周平均工作时间",
        term_en="average weekly working hours",
        source="NBS monthly labour-force survey: enterprise employees work about 49 hours a week (2023)",
    ),
    Param(
        "work_hours_sd",
        8.0,
        "float",
        "standard deviation of weekly working hours",
        unit="hours/week",
        low=0.0,
        high=40.0,
        group="residents",
        source=ASSUMPTION,
    ),
    Param(
        "work_time_cost",
        0.5,
        "float",
        "share of the time budget a 40-hour working week takes: factor max(0.1, 1 - cost x hours / 40)",
        unit="x",
        low=0.0,
        high=2.0,
        group="residents",
        source=ASSUMPTION,
    ),
    Param(
        "child_time_factor",
        0.5,
        "float",
        "time budget of children (aged 0-14) relative to a resident not in work",
        unit="x",
        low=0.0,
        high=10.0,
        group="residents",
        source=ASSUMPTION,
    ),
    Param(
        "migrant_share",
        0.266,
        "float",
        "share of households that are migrants (流动人口; before diversity mixes tenure)",
        unit="share",
        low=0.0,
        high=1.0,
        group="residents",
        term_zh="流动人口",
        term_en="migrant population",
        source="Seventh National Population Census (2020): a migrant population of 375.8 million in 1,411.8 "
        "million (26.6%)",
    ),
    Param(
        "renter_share",
        0.12,
        "float",
        "share of households that are local renters (the rest own their home; with migrant_share at most 1)",
        unit="share",
        low=0.0,
        high=1.0,
        group="residents",
        term_zh="租户",
        term_en="renters",
        source=ASSUMPTION,
    ),
    Param(
        "renter_attachment",
        0.6,
        "float",
        "attachment of renters relative to owners: the chance a tie to another household survives at a renter's "
        "end (a tie keeps the lower chance), and the factor on the organisation's reach",
        unit="x",
        low=0.0,
        high=1.0,
        group="residents",
        term_zh="归属感",
        term_en="sense of belonging",
        source="renters take part less; " + ASSUMPTION,
    ),
    Param(
        "migrant_attachment",
        0.5,
        "float",
        "attachment of migrants relative to owners (ties to other households, the organisation's reach)",
        unit="x",
        low=0.0,
        high=1.0,
        group="residents",
        term_zh="流动人口",
        term_en="migrants",
        source="migrants take part less; " + ASSUMPTION,
    ),
    Param(
        "renter_trust_factor",
        0.85,
        "float",
        "initial trust of renters relative to owners",
        unit="x",
        low=0.0,
        high=1.0,
        group="residents",
        source=ASSUMPTION,
    ),
    Param(
        "migrant_trust_factor",
        0.7,
        "float",
        "initial trust of migrants relative to owners",
        unit="x",
        low=0.0,
        high=1.0,
        group="residents",
        source=ASSUMPTION,
    ),
    Param(
        "elder_need_factor",
        1.6,
        "float",
        "initial elder-care and medical-care need of residents aged 65+ relative to the young (60-64: halfway)",
        unit="x",
        low=1.0,
        high=5.0,
        group="residents",
        term_zh="养老、医疗需求",
        term_en="elder and medical care",
        source="CSS 2021: elder care and medical care are the largest unmet needs; the size is an assumption",
    ),
    Param(
        "alone_need_factor",
        1.4,
        "float",
        "initial elder-care need of elderly residents living alone relative to other elderly",
        unit="x",
        low=1.0,
        high=5.0,
        group="residents",
        term_zh="独居老人",
        term_en="elderly living alone",
        source=ASSUMPTION,
    ),
    # --- initial state ------------------------------------------------------------------------
    Param(
        "initial_engagement",
        0.35,
        "float",
        "initial rung is geometric: P(rung >= k) = initial_engagement^k (lower rungs fuller)",
        unit="share",
        low=0.0,
        high=1.0,
        group="initial",
        source="China Social Survey 2017: participation is mostly neighbourly help, volunteering rarer (docs/sources.md); "
        + ASSUMPTION,
    ),
    Param(
        "capacity_mean",
        0.5,
        "float",
        "mean capacity (skills, health, resources) of residents; Beta-distributed",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="initial",
        term_zh="参与能力",
        term_en="capacity to take part",
        source=ASSUMPTION,
    ),
    Param(
        "public_spirit_mean",
        0.4,
        "float",
        "mean public spirit of residents; Beta-distributed",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="initial",
        term_zh="公共精神",
        term_en="public spirit",
        source=ASSUMPTION,
    ),
    Param(
        "party_spirit_bonus",
        0.2,
        "float",
        "extra public spirit of Party members (vanguard role), capped at 1",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="initial",
        term_zh="先锋模范作用",
        term_en="vanguard role",
        source=ASSUMPTION,
    ),
    Param(
        "trust_mean",
        0.5,
        "float",
        "mean trust in the community Party organisation; Beta-distributed",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="initial",
        term_zh="凝聚力",
        term_en="cohesion, trust",
        source=ASSUMPTION,
    ),
    Param(
        "need_mean",
        0.4,
        "float",
        "mean initial unmet need in each need category; Beta-distributed",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="initial",
        term_zh="居民需求",
        term_en="residents' needs",
        source=ASSUMPTION,
    ),
    Param(
        "need_skew",
        0.4,
        "float",
        "how much the initial needs lean towards elder care, medical care and hardship relief: category means "
        "are need_mean x (1 + skew x (0.5, 0.5, 0.25, -1.25)), capped at 1",
        unit="",
        low=0.0,
        high=0.8,
        group="initial",
        term_zh="居民需求",
        term_en="residents' needs",
        source="CSS 2021: the largest unmet needs are medical care, elder care and poverty relief "
        "(docs/sources.md); the size of the lean is an assumption",
    ),
    Param(
        "trait_concentration",
        2.0,
        "float",
        "concentration (alpha + beta) of the Beta distributions of traits; larger = more alike",
        unit="",
        low=0.1,
        high=1000.0,
        group="initial",
        source=ASSUMPTION,
    ),
    Param(
        "time_budget_mean",
        4.0,
        "float",
        "mean hours a week an ordinary resident can give; Gamma(shape 2)-distributed",
        unit="hours/week",
        low=0.0,
        high=40.0,
        group="initial",
        source=ASSUMPTION,
    ),
    Param(
        "retired_time_factor",
        2.0,
        "float",
        "time budget of retired residents (retired Party members among them) relative to a resident not in work",
        unit="x",
        low=0.0,
        high=10.0,
        group="initial",
        term_zh="退休党员",
        term_en="retired members",
        source="the essay: 注重发挥退休党员的作用 (make use of retired members); " + ASSUMPTION,
    ),
    Param(
        "mobile_time_factor",
        0.25,
        "float",
        "time budget of mobile Party members relative to the mean",
        unit="x",
        low=0.0,
        high=10.0,
        group="initial",
        term_zh="流动党员",
        term_en="mobile members",
        source=ASSUMPTION,
    ),
    Param(
        "burn_in_weeks",
        156,
        "int",
        "weeks the community lives its ordinary life (the status quo) before week 0, so every scenario starts "
        "from the same settled community; 0 = start from the drawn state",
        unit="weeks",
        low=0,
        high=5200,
        group="initial",
        term_zh="现状",
        term_en="status quo",
        source="rung shares no longer drift after about three years of the status quo (tests/test_residents.py)",
    ),
    Param(
        "threshold",
        None,
        "float?",
        "one threshold for every resident; none = drawn from threshold_mean and threshold_sd "
        "(Python callers may pass one value per resident)",
        unit="drive",
        low=0.0,
        high=10.0,
        group="initial",
        source="Granovetter (1978); Watts (2002)",
    ),
    Param(
        "threshold_mean",
        2.0,
        "float",
        "mean of residents' thresholds (Normal, clipped at 0)",
        unit="drive",
        low=0.0,
        high=10.0,
        group="initial",
        source=CALIBRATED,
    ),
    Param(
        "threshold_sd",
        0.34,
        "float",
        "standard deviation of residents' thresholds",
        unit="drive",
        low=0.0,
        high=5.0,
        group="initial",
        source=CALIBRATED,
    ),
    # --- the action ladder (社区行动逻辑) ------------------------------------------------------
    Param(
        "n_rungs",
        5,
        "int",
        "rungs of the ladder including 0 (not engaged): 5 = the essay's four rungs; 2 = threshold model",
        unit="rungs",
        low=2,
        high=5,
        group="ladder",
        term_zh="社区行动逻辑",
        term_en="community action logic",
    ),
    Param(
        "weight_social",
        0.95,
        "float",
        "weight of the share of neighbours on the next rung or above (social influence)",
        unit="drive",
        low=0.0,
        high=5.0,
        group="ladder",
        source="Watts (2002); " + CALIBRATED,
    ),
    Param(
        "weight_capacity",
        0.4,
        "float",
        "weight of the resident's capacity",
        unit="drive",
        low=0.0,
        high=5.0,
        group="ladder",
        source=ASSUMPTION,
    ),
    Param(
        "weight_spirit",
        0.4,
        "float",
        "weight of the resident's public spirit",
        unit="drive",
        low=0.0,
        high=5.0,
        group="ladder",
        source=ASSUMPTION,
    ),
    Param(
        "weight_need",
        0.25,
        "float",
        "weight of the resident's mean unmet need (pulls towards the lower rungs)",
        unit="drive",
        low=0.0,
        high=5.0,
        group="ladder",
        term_zh="从身边关心的事情开始",
        term_en="start from what residents care about nearby",
        source=ASSUMPTION,
    ),
    Param(
        "need_pull_decay",
        0.5,
        "float",
        "the need term is multiplied by need_pull_decay^r when climbing from rung r",
        unit="x",
        low=0.0,
        high=1.0,
        group="ladder",
        source=ASSUMPTION,
    ),
    Param(
        "weight_time",
        1.4,
        "float",
        "weight of the resident's time, min(1, time_budget / volunteer_hours)",
        unit="drive",
        low=0.0,
        high=5.0,
        group="ladder",
        source=CALIBRATED,
    ),
    Param(
        "volunteer_hours",
        12.0,
        "float",
        "hours a week that taking part on the top rung asks of a resident",
        unit="hours/week",
        low=0.1,
        high=40.0,
        group="ladder",
        source=CALIBRATED,
    ),
    Param(
        "rung_step",
        0.21,
        "float",
        "extra threshold for each rung above the first (higher rungs are harder to reach)",
        unit="drive",
        low=0.0,
        high=5.0,
        group="ladder",
        source=CALIBRATED,
    ),
    Param(
        "decision_noise",
        0.65,
        "float",
        "standard deviation of the weekly Normal noise added to each resident's drive",
        unit="drive",
        low=0.0,
        high=5.0,
        group="ladder",
        source=CALIBRATED,
    ),
    Param(
        "slip_rate",
        0.0086,
        "float",
        "weekly probability that a resident above rung 0 who does not climb slips one rung",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="ladder",
        source=CALIBRATED,
    ),
    Param(
        "slip_drive_weight",
        3.7,
        "float",
        "extra slip hazard per unit of drive short of the bar of one's own rung: "
        "p_slip x (1 + k x shortfall); 0 = slipping ignores drive",
        unit="1/drive",
        low=0.0,
        high=20.0,
        group="ladder",
        source=CALIBRATED + "; " + MANSURI_RAO + rule_on("0"),
    ),
    Param(
        "children_on_ladder",
        False,
        "bool",
        "children aged 0-14 hold a rung too (true), or only residents aged 15 and over climb, while children "
        "belong to households, have needs and are served (false); every share outcome is a share of those who "
        "can hold a rung",
        group="ladder",
        source=SURVEYS_ADULTS + "; true recovers the rule before issue 15",
    ),
    Param(
        "commitment_rate",
        0.00056,
        "float",
        "weekly growth of a resident's commitment (habit, role, ties on the rung) towards 1 while it holds a "
        "rung above 0: c += rate x (1 - c)",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="ladder",
        term_zh="持续参与",
        term_en="lasting participation",
        source=CALIBRATED + rule15_on("0"),
    ),
    Param(
        "commitment_hold",
        0.98,
        "float",
        "share of the slip risk removed at full commitment: p_slip x (1 - hold x c)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="ladder",
        source=CALIBRATED + rule15_on("0"),
    ),
    Param(
        "commitment_loss",
        0.5,
        "float",
        "share of its commitment a resident loses when it slips a rung (a habit broken)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="ladder",
        source=ASSUMPTION,
    ),
    Param(
        "noise_memory",
        0.46,
        "float",
        "week-to-week correlation of the noise in each resident's drive (life circumstances that last): "
        "e_t = m x e_(t-1) + sqrt(1 - m^2) x decision_noise x z_t; 0 = a fresh draw every week",
        unit="0-1",
        low=0.0,
        high=0.99,
        group="ladder",
        source=CALIBRATED + rule15_on("0"),
    ),
    Param(
        "life_event_rate",
        0.0,
        "float",
        "life events a year that redraw a resident's threshold from its distribution (a move, a new job, "
        "retirement, a birth, an illness: circumstances that change across years, not weeks); 0 = a "
        "threshold for life",
        unit="1/year",
        low=0.0,
        high=2.0,
        group="ladder",
        source=LIFE_EVENTS,
    ),
    Param(
        "spirit_decay",
        0.061,
        "float",
        "weekly share of the gap between public spirit and its initial level closed by residents below "
        "the mutual-aid rung (unused gains fade; a backbone's burnout heals)",
        unit="1/week",
        low=0.0,
        high=0.2,
        group="ladder",
        source=CALIBRATED + "; " + MANSURI_RAO + rule_on("0"),
    ),
    Param(
        "capacity_decay",
        0.01,
        "float",
        "weekly share of the gap between capacity and its initial level closed by residents below the "
        "mutual-aid rung (unused skills fade)",
        unit="1/week",
        low=0.0,
        high=0.2,
        group="ladder",
        source=MANSURI_RAO + rule_on("0"),
    ),
    Param(
        "need_growth",
        0.02,
        "float",
        "weekly growth of each unmet need towards 1 (new needs arise): need += growth * (1 - need)",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="ladder",
        source=ASSUMPTION,
    ),
    Param(
        "self_help_efficacy",
        0.04,
        "float",
        "weekly share of its own need a resident on rung >= 1 meets, times its capacity",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="ladder",
        term_zh="自助",
        term_en="self-help",
        source=ASSUMPTION,
    ),
    Param(
        "mutual_aid_efficacy",
        0.04,
        "float",
        "weekly share of its need a resident has met, times the share of its neighbours on rung >= 2",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="ladder",
        term_zh="互助",
        term_en="mutual aid",
        source=ASSUMPTION,
    ),
    # --- strategy levers (策略选择) -------------------------------------------------------------
    Param(
        "org_role",
        0.8,
        "float",
        "the Party organisation's role: 0 provider (meets needs directly, builds no capacity), "
        "1 guide/empowerer (invests in residents' and teams' capacity)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="strategy",
        term_zh="包办者 → 引导者/增能者",
        term_en="provider → guide/empowerer",
        source="the essay, 新角色 (new role)",
    ),
    Param(
        "three_downs",
        0.8,
        "float",
        "how far governance focus, powers and resources are moved down to the community: scales the "
        "funds that reach it and the share of residents the organisation's phases reach",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="strategy",
        term_zh="三下",
        term_en="three downs",
        source="the essay, 总原则 (general principle)",
    ),
    Param(
        "resident_voice",
        0.8,
        "float",
        "weight of residents' own voice in choosing and evaluating projects (1 let residents decide, "
        "0 decide for them)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="strategy",
        term_zh="让民做主 / 问需问计问效于民",
        term_en="let residents decide",
        source="the essay, 新理念 (new idea)",
    ),
    Param(
        "diversity",
        0.0,
        "float",
        "community diversity: tenure mixed towards even shares of owners, renters and migrants (fewer ties, "
        "lower starting trust), more heterogeneous needs, slower consensus",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="strategy",
        term_zh="多样化",
        term_en="diversification",
        source="the essay: 利益格局、矛盾纠纷更加多样化 (more diverse interests and disputes)",
    ),
    Param(
        "mechanism_trust_weight",
        0.5,
        "float",
        "how much residents' response to the mechanisms depends on their trust in the organisation: "
        "response = 1 - w + w * trust",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="strategy",
        term_zh="凝聚力",
        term_en="cohesion",
        source=ASSUMPTION,
    ),
    Param(
        "trust_rate",
        0.03,
        "float",
        "weekly rate at which trust moves towards the evidence residents see (backbone contact, services)",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="strategy",
        source=ASSUMPTION,
    ),
    Param(
        "gain_trust",
        4.0,
        "float",
        "trust evidence per unit of sense of gain (the weekly share of need met, averaged)",
        unit="0-1",
        low=0.0,
        high=50.0,
        group="strategy",
        term_zh="获得感",
        term_en="sense of gain",
        source=ASSUMPTION,
    ),
    Param(
        "trust_from_self_help",
        0.0,
        "float",
        "weight of needs met by residents' own self-help and neighbours' mutual aid in the sense of gain "
        "that counts as evidence for trust in the organisation (0 = only what its channels deliver)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="strategy",
        source=rule_on("1").lstrip("; "),
    ),
    Param(
        "broken_promise_cost",
        0.2,
        "float",
        "share of trust lost by residents whose points were not fully honoured (times the unpaid share) "
        "and by residents served by a project that is not renewed",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="strategy",
        source=rule_on("0").lstrip("; "),
    ),
    Param(
        "budget_period",
        "year",
        "choice",
        "whether seed_fund, venture_fund and project_cost are amounts per round of the cycle ('round') "
        "or per year, paid each round in proportion round_weeks / 52 ('year')",
        choices=("round", "year"),
        group="strategy",
        source=rule_on("'round'").lstrip("; "),
    ),
    Param(
        "capacity_growth",
        "smooth",
        "choice",
        "how the organisation's capacity grows with community size: 'step' (the full-time worker's bonus "
        "from fulltime_worker_size on) or 'smooth' (bonus x min(1, n / fulltime_worker_size))",
        choices=("step", "smooth"),
        group="strategy",
        source=rule_on("'step'").lstrip("; "),
    ),
    # --- the micro-cycle (红色微循环) ------------------------------------------------------------
    Param(
        "round_weeks",
        26,
        "int",
        "weeks in one round of the cycle; its phases (one per registered mechanism) run in order, each an "
        "equal share of the round",
        unit="weeks",
        low=6,
        high=520,
        group="cycle",
        term_zh="微循环",
        term_en="micro-cycle",
        source="the essay: 从红色骨干(起点)到红色激励(终点)，终点又是新的起点; " + ASSUMPTION,
    ),
    Param(
        "cycle_feedback",
        True,
        "bool",
        "whether each round's outcomes feed the next round's mechanisms (false: the loop-cut twin: "
        "last round's points do not weigh in the backbone score, co-building units do not respond to "
        "service returned, points' credibility is not learnt, residents respond to the mechanisms with "
        "their initial trust, and capacity and public-spirit gains last only within their round)",
        group="cycle",
        term_zh="终点又是新的起点",
        term_en="the end is a new start",
        source="the essay: 终点又是新的起点，形成螺旋式上升的良性微循环; the twin is the spiral's control",
    ),
    Param(
        "loop_cut",
        "none",
        "choice",
        "cut one of the cycle's feedback loops (model/cycle.py LOOPS) and keep the others: which loop "
        "carries the spiral (cycle_feedback = false cuts them all)",
        choices=(
            "none",
            "points_to_backbones",
            "service_to_units",
            "credibility_learnt",
            "trust_response",
            "gains_kept",
        ),
        group="cycle",
        source="control; no loop is cut by default",
    ),
    Param(
        "phase_order",
        "essay",
        "choice",
        "order of the phases in a round: the essay's (backbone first, incentive last), reversed, or "
        "all at once in the round's first week (controls for whether the order matters)",
        choices=("essay", "reversed", "at_once"),
        group="cycle",
        source="control; the essay's order is the default",
    ),
    Param(
        "funds_follow_mechanisms",
        True,
        "bool",
        "whether the seed fund and the venture fund are paid only while the project and team mechanisms "
        "are on (false: the government pays them into the pool in any case, so an ablation keeps the "
        "total budget)",
        group="cycle",
        source="control for ablations",
    ),
    Param(
        "record_weeks",
        26.0,
        "float",
        "time scale of residents' participation record and sense of gain (exponential averages)",
        unit="weeks",
        low=1.0,
        high=520.0,
        group="cycle",
        source=ASSUMPTION,
    ),
    # --- 1. red backbone (红色骨干) --------------------------------------------------------------
    Param(
        "backbone_selection",
        "emergent",
        "choice",
        "emergent: found in shared action (participation record and standing among neighbours); "
        "appointed: the organisation appoints Party members",
        choices=("emergent", "appointed"),
        group="backbone",
        term_zh="在社区共同行动中发现，不能直接任命",
        term_en="found in shared action, not appointed",
    ),
    Param(
        "backbone_share",
        0.01,
        "float",
        "backbones the organisation can support, as a share of residents",
        unit="share",
        low=0.0,
        high=0.2,
        group="backbone",
        source=ASSUMPTION,
    ),
    Param(
        "backbone_min_rung",
        3,
        "int",
        "lowest rung from which an emergent backbone can be found",
        unit="rung",
        low=1,
        high=4,
        group="backbone",
        source=ASSUMPTION,
    ),
    Param(
        "party_priority",
        1.0,
        "float",
        "extra weight of Party members in the emergent backbone score (party members first)",
        unit="x",
        low=0.0,
        high=10.0,
        group="backbone",
        term_zh="党员先锋模范作用",
        term_en="vanguard role",
        source=ASSUMPTION,
    ),
    Param(
        "mobile_reach",
        0.2,
        "float",
        "share of weeks a mobile Party member can be reached",
        unit="share",
        low=0.0,
        high=1.0,
        group="backbone",
        term_zh="流动党员",
        term_en="mobile members",
        source="the essay: 定期排查流动党员 (mobile members must be traced); " + ASSUMPTION,
    ),
    Param(
        "fulltime_worker_size",
        3000,
        "int",
        "community size from which a full-time Party-affairs worker is assigned",
        unit="residents",
        low=0,
        high=5_000_000,
        group="backbone",
        term_zh="专职党务工作者",
        term_en="full-time Party-affairs worker",
        source="the essay: 规模较大的社区应配备专职党务工作者; " + ASSUMPTION,
    ),
    Param(
        "fulltime_worker_bonus",
        0.5,
        "float",
        "extra backbones and outreach (capped at everyone) a full-time worker makes possible",
        unit="x",
        low=0.0,
        high=5.0,
        group="backbone",
        source=ASSUMPTION,
    ),
    Param(
        "backbone_pull",
        0.3,
        "float",
        "drive added per unit of contact with credible backbones (mobilisation)",
        unit="drive",
        low=0.0,
        high=5.0,
        group="backbone",
        source=ASSUMPTION,
    ),
    Param(
        "backbone_trust",
        0.5,
        "float",
        "trust evidence per unit of contact with credible backbones",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="backbone",
        term_zh="凝聚力和亲和力",
        term_en="cohesion and affinity",
        source=ASSUMPTION,
    ),
    Param(
        "backbone_burnout",
        0.005,
        "float",
        "weekly share of public spirit a backbone spends by leading (recovered, at spirit_decay, once "
        "it is back below the mutual-aid rung)",
        unit="1/week",
        low=0.0,
        high=0.2,
        group="backbone",
        source=rule_on("0").lstrip("; "),
    ),
    Param(
        "backbone_credibility",
        "seen",
        "choice",
        "what a backbone's example is worth to residents: seen (the service residents see it give, and in part "
        "their trust in the organisation behind it) or rung (its rung / 4, the rule before issue 15)",
        choices=("seen", "rung"),
        group="backbone",
        term_zh="凝聚力和亲和力",
        term_en="cohesion and affinity",
        source="the essay: 红色骨干应该在社区共同行动中发现 (found in shared action)" + rule15_on("'rung'"),
    ),
    Param(
        "backbone_mandate",
        0.3,
        "float",
        "share of a backbone's credibility that comes from its neighbours' trust in the organisation that "
        "named it (the rest: the service residents see it give)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="backbone",
        source=ASSUMPTION,
    ),
    Param(
        "backbone_role_pull",
        0.2,
        "float",
        "drive the role adds to a backbone itself (named, it is expected to serve)",
        unit="drive",
        low=0.0,
        high=5.0,
        group="backbone",
        source=rule15_on("0").lstrip("; "),
    ),
    Param(
        "backbone_lead_bonus",
        0.5,
        "float",
        "how much better a project or team does when a backbone leads it (efficacy and maturing)",
        unit="x",
        low=0.0,
        high=5.0,
        group="backbone",
        term_zh="骨干带头",
        term_en="backbones lead",
        source=ASSUMPTION,
    ),
    # --- 2. red project (红色项目) ---------------------------------------------------------------
    Param(
        "seed_fund",
        8.0,
        "float",
        "government seed fund per budget_period (a year by default, paid each round pro rata), per 1,000 residents "
        "(before three downs)",
        unit="units/period/1000 residents",
        low=0.0,
        high=1000.0,
        group="project",
        term_zh="种子基金",
        term_en="seed fund",
        source=ASSUMPTION,
    ),
    Param(
        "project_cost",
        2.0,
        "float",
        "cost of running one project for one budget_period (a year by default)",
        unit="units",
        low=0.01,
        high=1000.0,
        group="project",
        source=ASSUMPTION,
    ),
    Param(
        "project_budget_share",
        0.6,
        "float",
        "largest share of the pool balance a round's projects may use",
        unit="share",
        low=0.0,
        high=1.0,
        group="project",
        source=ASSUMPTION,
    ),
    Param(
        "project_places",
        30,
        "int",
        "places a project opens at the mutual-aid, public-affairs and volunteering rungs (split 3:2:1)",
        unit="places",
        low=0,
        high=10_000,
        group="project",
        term_zh="红色项目服务超市",
        term_en="red project service supermarket",
        source=ASSUMPTION,
    ),
    Param(
        "project_served",
        60,
        "int",
        "residents a project serves: those with the greatest need in its category (point to point)",
        unit="residents",
        low=1,
        high=100_000,
        group="project",
        term_zh="点对点",
        term_en="point to point",
        source=ASSUMPTION,
    ),
    Param(
        "project_efficacy",
        0.05,
        "float",
        "weekly share of a served resident's need in the project's category a fully staffed project meets",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="project",
        source=ASSUMPTION,
    ),
    Param(
        "project_pull",
        0.4,
        "float",
        "drive added to a resident holding a project place one rung above its own",
        unit="drive",
        low=0.0,
        high=5.0,
        group="project",
        source=ASSUMPTION,
    ),
    Param(
        "project_retention",
        0.5,
        "float",
        "share of slip risk removed for a resident holding a place at its own rung",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="project",
        source=ASSUMPTION,
    ),
    Param(
        "capacity_gain",
        0.01,
        "float",
        "weekly capacity gain of project participants and team members (empowerment, times org_role)",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="project",
        term_zh="赋权增能",
        term_en="empowerment",
        source=ASSUMPTION,
    ),
    Param(
        "participatory_delay",
        4,
        "int",
        "weeks a participatory project spends organising its residents before it meets any need "
        "(direct provision serves from its first week)",
        unit="weeks",
        low=0,
        high=52,
        group="project",
        term_zh="赋权增能",
        term_en="empowerment",
        source=rule_on("0").lstrip("; "),
    ),
    Param(
        "participatory_cost",
        1.3,
        "float",
        "cost of a participatory project relative to direct provision (project_cost)",
        unit="x",
        low=1.0,
        high=5.0,
        group="project",
        source=rule_on("1").lstrip("; "),
    ),
    Param(
        "ownership_pull",
        0.2,
        "float",
        "drive added per unit of ownership: residents whose voiced need a project serves own it "
        "(ownership = resident_voice when it starts, decaying at ownership_decay)",
        unit="drive",
        low=0.0,
        high=2.0,
        group="project",
        term_zh="我参与、我认同",
        term_en="I take part, I agree",
        source="the essay: 社区需求让居民表达(问需于民)…达成“我参与、我认同、我制定、我执行”" + rule_on("0"),
    ),
    Param(
        "ownership_decay",
        0.02,
        "float",
        "weekly decay of residents' ownership of the projects they asked for",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="project",
        source=ASSUMPTION,
    ),
    Param(
        "crowding_out",
        0.15,
        "float",
        "drive removed from residents served directly by a provider organisation (self-help crowded out)",
        unit="drive",
        low=0.0,
        high=5.0,
        group="project",
        term_zh="包办",
        term_en="providing for them",
        source=ASSUMPTION,
    ),
    Param(
        "survey_method",
        "scoring",
        "choice",
        "how residents' needs are aggregated: scoring (mean need) or problem_count (share with need > 0.5)",
        choices=("scoring", "problem_count"),
        group="project",
        term_zh="打分法 / 问题数分析法",
        term_en="scoring / problem-count method",
    ),
    Param(
        "renewal_bar",
        0.3,
        "float",
        "evaluation a project needs to be renewed for the next round",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="project",
        term_zh="参与式绩效评估",
        term_en="participatory performance evaluation",
        source=ASSUMPTION,
    ),
    Param(
        "counts",
        "stochastic",
        "choice",
        "how a count that scales with the community or a lever (co-building units, projects, participatory "
        "projects, teams, backbones, the projects the money buys, a team's places, the points each resident "
        "redeems) is made whole: stochastic (rounded up with the chance of its fraction, on the mechanism's "
        "stream; units carry their fraction) or rounded (the rule before issue 15, with cliffs and steps)",
        choices=("stochastic", "rounded"),
        group="cycle",
        source="no integer cliffs" + rule15_on("'rounded'"),
    ),
    # --- 3. red convention (红色公约) -----------------------------------------------------------
    Param(
        "dialogue_gain",
        0.5,
        "float",
        "norm gained in a dialogue week per unit share of residents taking part",
        unit="1/week",
        low=0.0,
        high=5.0,
        group="convention",
        term_zh="渐进式对话",
        term_en="staged dialogue",
        source=ASSUMPTION,
    ),
    Param(
        "dialogue_bond",
        "gain",
        "choice",
        "how a dialogue week binds its participants: gain (their bond closes 1 - exp(-dialogue_gain) of its gap "
        "to 1) or full (bond 1 at once, the rule before issue 15)",
        choices=("gain", "full"),
        group="convention",
        term_zh="我参与、我认同、我制定、我执行",
        term_en="I take part, agree, make it, keep it",
        source=rule15_on("'full'").lstrip("; "),
    ),
    Param(
        "dialogue_hours",
        2.0,
        "float",
        "hours a participant gives to the dialogue in a dialogue week (taken from the time it has for the ladder)",
        unit="hours/week",
        low=0.0,
        high=40.0,
        group="convention",
        source=rule15_on("0").lstrip("; "),
    ),
    Param(
        "dialogue_cost",
        0.05,
        "float",
        "the organisation's cost of holding the dialogue, per 100 participant-weeks (facilitation), paid from "
        "the pool; what the pool cannot pay is not held",
        unit="units/100 participant-weeks",
        low=0.0,
        high=100.0,
        group="convention",
        source=rule15_on("0").lstrip("; "),
    ),
    Param(
        "norm_decay",
        0.02,
        "float",
        "weekly decay of the norm without renewal",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="convention",
        source=ASSUMPTION,
    ),
    Param(
        "norm_pull",
        0.3,
        "float",
        "drive added per unit of norm strength",
        unit="drive",
        low=0.0,
        high=5.0,
        group="convention",
        term_zh="心理契约",
        term_en="psychological contract",
        source=ASSUMPTION,
    ),
    Param(
        "norm_retention",
        0.5,
        "float",
        "share of slip risk removed per unit of norm strength",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="convention",
        source=ASSUMPTION,
    ),
    Param(
        "spirit_gain",
        0.02,
        "float",
        "weekly public-spirit gain of dialogue participants",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="convention",
        term_zh="公共精神",
        term_en="public spirit",
        source=ASSUMPTION,
    ),
    Param(
        "convention_locality",
        1.0,
        "float",
        "share of the convention's pull and hold that is personal: each resident feels (1 - l) x the "
        "community norm + l x its own bond (1 for dialogue participants, spreading through ties)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="convention",
        term_zh="心理契约",
        term_en="psychological contract",
        source="the essay: 引导党员对行为规范达成心理契约" + rule_on("0"),
    ),
    Param(
        "convention_spread",
        0.1,
        "float",
        "weekly share of the gap to its neighbours' mean bond that a resident's bond to the convention closes "
        "(it spreads through ties, not by decree)",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="convention",
        source=ASSUMPTION,
    ),
    # --- 4. red resource (红色资源) -------------------------------------------------------------
    Param(
        "units_per_1000",
        1.0,
        "float",
        "co-building units (enterprises, schools, hospitals) per 1,000 residents",
        unit="units/1000 residents",
        low=0.0,
        high=100.0,
        group="resource",
        term_zh="共建单位",
        term_en="co-building units",
        source=ASSUMPTION,
    ),
    Param(
        "agreement_rate",
        0.5,
        "float",
        "chance an unsigned unit signs an agreement in a resource phase",
        unit="probability",
        low=0.0,
        high=1.0,
        group="resource",
        term_zh="共建共享协议",
        term_en="co-building agreement",
        source=ASSUMPTION,
    ),
    Param(
        "unit_contribution",
        0.05,
        "float",
        "weekly contribution of a unit when it signs",
        unit="units/week",
        low=0.0,
        high=100.0,
        group="resource",
        source=ASSUMPTION,
    ),
    Param(
        "service_exchange_share",
        0.2,
        "float",
        "share of volunteering hours given to co-building units' causes",
        unit="share",
        low=0.0,
        high=1.0,
        group="resource",
        term_zh="以服务换服务",
        term_en="services for services",
        source=ASSUMPTION,
    ),
    Param(
        "reciprocity",
        0.00002,
        "float",
        "weekly contribution a unit adds per hour of service it receives each week",
        unit="units/hour",
        low=0.0,
        high=10.0,
        group="resource",
        term_zh="以资源换资源",
        term_en="resources for resources",
        source=ASSUMPTION,
    ),
    Param(
        "unit_fade",
        0.05,
        "float",
        "weekly fading of a unit's contribution",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="resource",
        source=ASSUMPTION,
    ),
    # --- 5. red team (红色团队) -----------------------------------------------------------------
    Param(
        "venture_fund",
        4.0,
        "float",
        "government purchase of services per budget_period (a year by default, paid each round pro rata), per 1,000 "
        "residents (before three downs)",
        unit="units/period/1000 residents",
        low=0.0,
        high=1000.0,
        group="team",
        term_zh="公益创投 / 购买服务",
        term_en="venture philanthropy / purchase of services",
        source=ASSUMPTION,
    ),
    Param(
        "training_rate",
        0.6,
        "float",
        "social workers' skill gain per unit of training (purchase x training_share) per 1,000 residents",
        unit="1/unit",
        low=0.0,
        high=5.0,
        group="team",
        term_zh="社工赋权增能",
        term_en="training by social workers",
        source=ASSUMPTION,
    ),
    Param(
        "training_share",
        0.5,
        "float",
        "share of the government's purchase of services spent on training social workers (the rest supports teams)",
        unit="share",
        low=0.0,
        high=1.0,
        group="team",
        source=ASSUMPTION,
    ),
    Param(
        "skill_decay",
        0.01,
        "float",
        "weekly decay of social workers' skill",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="team",
        source=ASSUMPTION,
    ),
    Param(
        "team_size",
        8,
        "int",
        "members a new team is incubated with",
        unit="residents",
        low=2,
        high=1000,
        group="team",
        source=ASSUMPTION,
    ),
    Param(
        "teams_per_1000",
        2.0,
        "float",
        "teams fully skilled social workers can incubate per round per 1,000 residents",
        unit="teams",
        low=0.0,
        high=100.0,
        group="team",
        term_zh="社团孵化",
        term_en="association incubation",
        source=ASSUMPTION,
    ),
    Param(
        "teams_max_per_1000",
        4.0,
        "float?",
        "most teams the social workers can support per 1,000 residents (none = no cap)",
        unit="teams",
        low=0.0,
        high=100.0,
        group="team",
        source=rule_on("none").lstrip("; "),
    ),
    Param(
        "provider_teams",
        True,
        "bool",
        "a providing organisation runs teams its own way: of the teams the social workers can start, a share "
        "1 - org_role are appointed (staffed by the organisation, in full from the start, holding and lifting "
        "the members it assigns but building no one's capacity, never falling apart, costing provider_team_cost); "
        "false = the rule before issue 15 (teams x org_role, none for a provider)",
        group="team",
        term_zh="包办 / 赋权",
        term_en="providing / empowering",
        source=rule15_on("false").lstrip("; "),
    ),
    Param(
        "provider_team_cost",
        3.0,
        "float",
        "weekly cost of an appointed (provider-run) team relative to supporting a residents' team (paid staff)",
        unit="x",
        low=0.0,
        high=100.0,
        group="team",
        source=ASSUMPTION,
    ),
    Param(
        "willingness_min",
        0.3,
        "float",
        "willingness to serve (public spirit x available time) a volunteer needs to join a team",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="team",
        term_zh="服务意愿",
        term_en="willingness to serve",
        source=ASSUMPTION,
    ),
    Param(
        "maturity_rate",
        0.05,
        "float",
        "weekly maturity gain of a team at full social-worker skill (internal governance)",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="team",
        term_zh="内部治理",
        term_en="internal governance",
        source=ASSUMPTION,
    ),
    Param(
        "team_pull",
        0.4,
        "float",
        "drive added to team members per unit of team maturity",
        unit="drive",
        low=0.0,
        high=5.0,
        group="team",
        source=ASSUMPTION,
    ),
    Param(
        "team_retention",
        0.6,
        "float",
        "share of members' slip risk removed per unit of maturity",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="team",
        source=ASSUMPTION,
    ),
    Param(
        "team_service",
        0.02,
        "float",
        "weekly share of need a fully mature team meets for each resident it serves, times the share of its "
        "members on rung >= 3",
        unit="1/week",
        low=0.0,
        high=1.0,
        group="team",
        source=ASSUMPTION,
    ),
    Param(
        "team_support_cost",
        0.01,
        "float",
        "weekly cost of supporting one team, paid from the pool",
        unit="units/week",
        low=0.0,
        high=100.0,
        group="team",
        source=ASSUMPTION,
    ),
    # --- 6. red incentive (红色激励) ------------------------------------------------------------
    Param(
        "points_per_week",
        1,
        "int",
        "points a resident earns per week on the public-affairs rung (twice as many on volunteering)",
        unit="points/week",
        low=0,
        high=1000,
        group="incentive",
        term_zh="公益兑换清单",
        term_en="public-benefit exchange list",
        source=ASSUMPTION,
    ),
    Param(
        "points_crowding",
        0.005,
        "float",
        "weekly share of public spirit a resident earning points loses per unit of the incentive signal "
        "(payment crowding out intrinsic motivation)",
        unit="1/week",
        low=0.0,
        high=0.2,
        group="incentive",
        source=CROWDING + rule_on("0"),
    ),
    Param(
        "point_value",
        0.0001,
        "float",
        "pool units paid per point redeemed",
        unit="units/point",
        low=0.0,
        high=100.0,
        group="incentive",
        source=ASSUMPTION,
    ),
    Param(
        "incentive_budget_share",
        0.5,
        "float",
        "largest share of the pool balance one redemption may use",
        unit="share",
        low=0.0,
        high=1.0,
        group="incentive",
        source=ASSUMPTION,
    ),
    Param(
        "platform",
        0.5,
        "float",
        "strength of the online incentive platform (visibility of service)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="incentive",
        term_zh="互联网+党建 / 智慧党建",
        term_en="Internet + Party building",
        source=ASSUMPTION,
    ),
    Param(
        "initial_credibility",
        0.5,
        "float",
        "residents' initial belief that points will be honoured (then learnt from redemptions)",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="incentive",
        source=ASSUMPTION,
    ),
    Param(
        "incentive_pull",
        0.164,
        "float",
        "drive added towards volunteering per unit of the incentive signal, credibility x (1 + platform) / 2",
        unit="drive",
        low=0.0,
        high=5.0,
        group="incentive",
        source="the value an earlier calibration gave it by imposing 30% volunteering on the full cycle, which is "
        "now a prediction (docs/calibration.md); " + ASSUMPTION,
    ),
    Param(
        "reward_half_value",
        0.0001,
        "float",
        "point value at which a reward motivates (and crowds out) half as much as an unbounded one: the signal "
        "is x value / (value + half); 0 = the reward's size does not matter (the rule before issue 15)",
        unit="units/point",
        low=0.0,
        high=100.0,
        group="incentive",
        source=CROWDING + rule15_on("0"),
    ),
    Param(
        "credibility_learning",
        0.5,
        "float",
        "share of the gap between residents' belief that points are honoured and the share last honoured "
        "closed at each redemption",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="incentive",
        source=ASSUMPTION,
    ),
    Param(
        "incentive_retention",
        0.6,
        "float",
        "share of volunteers' slip risk removed per unit of the incentive signal",
        unit="0-1",
        low=0.0,
        high=1.0,
        group="incentive",
        source=ASSUMPTION,
    ),
    # --- running ------------------------------------------------------------------------------
    Param(
        "steps",
        156,
        "int",
        "weeks to simulate when run() is given no step count (156 = three years)",
        unit="weeks",
        low=0,
        high=100_000,
        group="run",
    ),
    Param(
        "stable_window",
        4,
        "int",
        "run(until_stable=True) stops after this many weeks in a row in which no resident changed rung",
        unit="weeks",
        low=1,
        high=10_000,
        group="run",
    ),
    Param(
        "record_groups",
        True,
        "bool",
        "record the share on each rung by age group, tenure and Party membership every week (false: "
        "skip them, as the threshold limit does: they cost about a fifth of its step at 100,000 residents)",
        group="run",
    ),
    Param(
        "agent_objects",
        "auto",
        "choice",
        "when the Mesa Network and agent objects are built: eager, lazy (on first access), "
        "or auto (eager up to 50,000 residents)",
        choices=("auto", "eager", "lazy"),
        group="run",
    ),
]

PARAMS: dict[str, Param] = {p.name: p for p in _PARAMS}
"""Every parameter by name; a mechanism's switch and parameters join when it is registered
(model/mechanism_registry.py), so this dict (and DEFAULTS) is updated in place."""
DEFAULTS: dict[str, Any] = {p.name: p.default for p in _PARAMS}
MECHANISM_SWITCHES: tuple[str, ...] = ()
"""The registered mechanisms' switches (``<name>_on``), in the cycle's order."""

# The issue-10 rules (docs/ODD.md 7.13) at their neutral values: with these the model runs the rules
# it had before they came in, bit for bit (the stored baseline's "*_rules_neutral" runs). The money
# figures go with budget_period: per round before, per year now (the same money at 26-week rounds).
RULES_NEUTRAL: dict[str, Any] = {
    "slip_drive_weight": 0.0,
    "spirit_decay": 0.0,
    "capacity_decay": 0.0,
    "points_crowding": 0.0,
    "backbone_burnout": 0.0,
    "participatory_delay": 0,
    "participatory_cost": 1.0,
    "ownership_pull": 0.0,
    "convention_locality": 0.0,
    "trust_from_self_help": 1.0,
    "broken_promise_cost": 0.0,
    "budget_period": "round",
    "capacity_growth": "step",
    "teams_max_per_1000": None,
    "seed_fund": 4.0,
    "venture_fund": 2.0,
    "project_cost": 1.0,
}
# The issue-15 rules (docs/ODD.md 7.14: rungs held for months, adults on the ladder, answers no rule
# builds in) at their neutral values; part of RULES_NEUTRAL.
RULES_15_NEUTRAL: dict[str, Any] = {
    "children_on_ladder": True,
    "commitment_rate": 0.0,
    "commitment_hold": 0.0,
    "noise_memory": 0.0,
    "life_event_rate": 0.0,
    "backbone_credibility": "rung",
    "backbone_role_pull": 0.0,
    "counts": "rounded",
    "dialogue_bond": "full",
    "dialogue_hours": 0.0,
    "dialogue_cost": 0.0,
    "provider_teams": False,
    "reward_half_value": 0.0,
}
RULES_NEUTRAL.update(RULES_15_NEUTRAL)
HAND_SET: dict[str, Any] = {
    "threshold_mean": 0.8,
    "threshold_sd": 0.4,
    "rung_step": 0.25,
    "decision_noise": 0.1,
    "slip_rate": 0.03,
    "slip_drive_weight": 2.0,
    "weight_social": 0.5,
    "weight_time": 0.15,
    "volunteer_hours": 4.0,
    "spirit_decay": 0.01,
}
"""The calibrated parameters' values before the calibration (set by hand): the calibration's first
trial (experiments/calibration.py), and with ``RULES_NEUTRAL`` the earlier model (``EARLIER``)."""
EARLIER: dict[str, Any] = {**HAND_SET, **RULES_NEUTRAL}
"""The model before the rules of docs/ODD.md 7.13 and the calibration: the hand-set engine with
every such rule neutral. The exact-rule tests are written for it; the benchmarks compare with it."""
ISSUE_10_FIT: dict[str, Any] = {
    "threshold_mean": 0.75,
    "threshold_sd": 1.0,
    "rung_step": 0.39,
    "decision_noise": 0.37,
    "slip_rate": 0.24,
    "slip_drive_weight": 5.1,
    "weight_social": 0.21,
    "weight_time": 1.1,
    "volunteer_hours": 10.0,
    "spirit_decay": 0.097,
}
"""The calibrated parameters' values from the issue-10 calibration, the defaults before issue 15."""
BEFORE_ISSUE_15: dict[str, Any] = {**ISSUE_10_FIT, **RULES_15_NEUTRAL}
"""The model before issue 15 (docs/ODD.md 7.14): the issue-10 fit with every issue-15 rule neutral."""
BEFORE_MECHANISMS: tuple[str, ...] = ("community", "residents", "initial", "ladder", "strategy", "cycle")
AFTER_MECHANISMS: tuple[str, ...] = ("run",)
GROUPS: tuple[str, ...] = (*BEFORE_MECHANISMS, *AFTER_MECHANISMS)
"""The parameter groups in the docs' order: the engine's, each registered mechanism's (named after it,
in the cycle's order), then running."""
WEEKS_PER_YEAR = 52
"""A year of the model's weekly steps (budgets per year, volunteering in the past year)."""
NEED_CATEGORIES: tuple[str, ...] = ("elder_care", "medical_care", "hardship_relief", "daily_life")
"""Need categories; the first three are the largest unmet needs in the China Social Survey 2021."""


def add_group(name: str, params: list[Param]) -> None:
    """Add a registered mechanism's parameters (its switch first) as the group ``name``: where the
    schema already holds parameters of that group (the essay's six, declared in this file), just
    before them, else after the last mechanism's. Called by model/mechanism_registry.py."""
    global GROUPS, MECHANISM_SWITCHES
    taken = [p.name for p in params if p.name in PARAMS]
    if taken:
        raise ParameterError(f"mechanism {name!r}: parameter {taken[0]!r} is already in the schema; allowed: new names")
    at = next((k for k, p in enumerate(_PARAMS) if p.group == name), None)
    if at is None:
        at = next((k for k, p in enumerate(_PARAMS) if p.group in AFTER_MECHANISMS), len(_PARAMS))
    _PARAMS[at:at] = params
    mechanisms = [g for g in GROUPS if g not in BEFORE_MECHANISMS + AFTER_MECHANISMS]
    GROUPS = (*BEFORE_MECHANISMS, *mechanisms, name, *AFTER_MECHANISMS)
    MECHANISM_SWITCHES = (*MECHANISM_SWITCHES, params[0].name)
    _rebuild()


def remove_group(name: str) -> None:
    """Remove an unregistered mechanism's group of parameters."""
    global GROUPS, MECHANISM_SWITCHES
    _PARAMS[:] = [p for p in _PARAMS if p.group != name]
    GROUPS = tuple(g for g in GROUPS if g != name)
    MECHANISM_SWITCHES = tuple(s for s in MECHANISM_SWITCHES if s != f"{name}_on")
    _rebuild()


def _rebuild() -> None:
    """PARAMS and DEFAULTS from the list, in place (modules hold these very dicts)."""
    PARAMS.clear()
    PARAMS.update({p.name: p for p in _PARAMS})
    DEFAULTS.clear()
    DEFAULTS.update({p.name: p.default for p in _PARAMS})


def closest(name: str, known, n: int = 3) -> list[str]:
    """The ``n`` known names most like ``name``, closest first."""
    return difflib.get_close_matches(str(name)[:100], sorted(known), n=n, cutoff=0.0)  # a long name: its start


def unknown_name_error(name: str, known: list[str] | None = None, what: str = "parameter") -> ParameterError:
    quoted = [f"'{c}'" for c in closest(name, PARAMS if known is None else known)]
    close = " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)
    return ParameterError(
        f"unknown {what} {_short(str(name), 80)}; did you mean {close}? (every {what}: run.py params)"
    )


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
    on = [name for name in MECHANISM_SWITCHES if params[name]]
    if params["n_rungs"] != 5 and on:
        raise ParameterError(
            f"parameter 'n_rungs' = {params['n_rungs']} needs every mechanism off (they act on the essay's "
            f"five-rung ladder) but {', '.join(on)} is on; allowed: n_rungs = 5, or those set to false"
        )
    for a, b in (("renter_share", "migrant_share"), ("aged_0_14_share", "aged_60_plus_share")):
        if params[a] + params[b] > 1.0 + 1e-12:
            raise ParameterError(
                f"parameters '{a}' + '{b}' = {params[a] + params[b]:g} exceed 1; allowed: a sum of at most 1"
            )
    if params["aged_65_plus_share"] > params["aged_60_plus_share"] + 1e-12:
        raise ParameterError(
            f"parameter 'aged_65_plus_share' = {params['aged_65_plus_share']:g} exceeds "
            f"'aged_60_plus_share' = {params['aged_60_plus_share']:g}; allowed: at most that"
        )
    if params["retired_share"] + params["mobile_share"] > 1.0 + 1e-12:
        raise ParameterError(
            "parameters 'retired_share' + 'mobile_share' = "
            f"{params['retired_share'] + params['mobile_share']:g} exceed 1; allowed: a sum of at most 1"
        )
    return params


_FIXED_REASONS = {
    "community": "it builds the community graph at week 0",
    "initial": "it sets the residents' initial state at week 0",
    "residents": "it draws the residents' demography at week 0",
}
FIXED_DURING_RUN: dict[str, str] = {
    **{p.name: _FIXED_REASONS[p.group] for p in _PARAMS if p.group in _FIXED_REASONS},
    "n_rungs": "the ladder's rungs are fixed when the model is built",
    "round_weeks": "the cycle's calendar is fixed when the model is built",
    "units_per_1000": "co-building units are found when the resource mechanism starts",
    "initial_credibility": "it is the points' credibility at the start of the scheme",
    "agent_objects": "agent objects are built with the model",
    "steps": "the run's length is set when it starts (--steps, run(steps))",
    "phase_order": "the cycle's calendar is fixed when the model is built",
    "record_groups": "the outcome columns are fixed when the model is built",
    "cycle_feedback": "the loop-cut twin is a different model from week 0, not a policy",
    "loop_cut": "a cut loop makes a different model from week 0, not a policy",
    "children_on_ladder": "who can hold a rung (and what a share is of) is fixed when the model is built",
    "counts": "how counts are made whole is part of the model from week 0, not a policy",
}
"""Parameters that cannot change once a model is built (model.update, scenario events), and why."""


def check_update(current: Mapping[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Check a mid-run change of parameters (``RedCycleModel.update``, a scenario event): every
    name known and changeable, every value allowed alone and together with the rest. Returns the
    checked changes; raises ParameterError (one line)."""
    checked = {}
    for name, value in changes.items():
        if name not in PARAMS:
            raise unknown_name_error(name)
        if name in FIXED_DURING_RUN:
            raise ParameterError(
                f"parameter '{name}' cannot change during a run: {FIXED_DURING_RUN[name]}; "
                "allowed: levers, rates, budgets, mechanism switches"
            )
        checked[name] = PARAMS[name].check(value)
    validate({**{k: v for k, v in current.items() if k in PARAMS}, **checked})
    return checked


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a CLI ``name=value`` into a checked (name, value) pair."""
    if "=" not in text:
        raise ParameterError(f"--set expects name=value, got {_short(text)}")
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
    "DEFAULTS",
    "FIXED_DURING_RUN",
    "GROUPS",
    "NEED_CATEGORIES",
    "PARAMS",
    "Param",
    "ParameterError",
    "check_update",
    "markdown_table",
    "parse_assignment",
    "validate",
]
