"""The action ladder (社区行动逻辑) and the needs it serves, for all residents at once.

    遵循居民从自助、互助到参与公共事务，再到参与各类志愿活动的社区行动逻辑
    "following the community action logic by which residents move from self-help and mutual aid
    to public affairs, and then to all kinds of volunteering"

    社区工作者从居民的需求出发，引导居民从身边关心的事情开始参与社区治理
    "community workers start from residents' needs and guide them to take part in community
    governance beginning with the things nearby that they care about"

The rule in one line: every week each resident who can hold a rung (an adult, unless
``children_on_ladder``) may climb one rung (when its drive reaches its bar) or slip one rung, all at
once from the start-of-week state; needs grow and are met by self-help and mutual aid. Rungs are
held for months: the noise in a resident's drive lasts from week to week (``noise_memory``), and
commitment built while it holds a rung lowers its risk of slipping (``commitment_hold``). The
equations are in docs/ODD.md 7.1 (the ladder), 7.2 (needs) and 7.14 (holding a rung); the rule
itself, for one resident, and the compiled kernel that applies it are model/rule.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import scipy.sparse as sp

from . import libm
from .parameters import Parameters
from .rule import (
    EMPTY,
    EVERYONE,
    LadderRule,
    commit,
    decide,
    ladder_rule,
    recount,
    serve,
    unmet_share,
    variant,
    week_kernel,
)
from .state import ResidentState
from .weekly import carry_noise, free_hours


class Rung(IntEnum):
    """The rungs of the action ladder. Code names rungs through this enum, never by number."""

    NOT_ENGAGED = 0
    SELF_HELP = 1
    MUTUAL_AID = 2
    PUBLIC_AFFAIRS = 3
    VOLUNTEERING = 4

    @property
    def key(self) -> str:
        """The rung's name in outcome columns (``share_<key>``)."""
        return self.name.lower()

    @property
    def zh(self) -> str:
        return RUNG_TERMS[self][0]

    @property
    def en(self) -> str:
        return RUNG_TERMS[self][1]


RUNG_TERMS: dict[Rung, tuple[str, str]] = {
    Rung.NOT_ENGAGED: ("未参与", "not engaged"),
    Rung.SELF_HELP: ("自助", "self-help"),
    Rung.MUTUAL_AID: ("互助", "mutual aid"),
    Rung.PUBLIC_AFFAIRS: ("参与公共事务", "public affairs"),
    Rung.VOLUNTEERING: ("志愿活动", "volunteering"),
}
"""Each rung's Chinese and English name, as the essay words them; the one copy."""

TWO_RUNG_TERMS: tuple[tuple[str, str, str], ...] = (("inactive", "未激活", "inactive"), ("active", "激活", "active"))
"""(key, zh, en) of the two rungs of the linear threshold limit (``n_rungs`` = 2)."""


def rung_terms(n_rungs: int) -> tuple[tuple[str, str, str], ...]:
    """(key, zh, en) of each rung of a ladder with ``n_rungs`` rungs, bottom first."""
    if n_rungs == 2:
        return TWO_RUNG_TERMS
    return tuple((r.key, r.zh, r.en) for r in list(Rung)[:n_rungs])


@dataclass
class LadderResult:
    climbs: int
    slips: int


WEEKS_A_YEAR = 52


def life_events(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """The residents (ascending) who have a life event this week: each independently with chance
    q = 1 - exp(-rate / 52), the chance of at least one event of a Poisson process of ``rate`` a year.
    Drawn as the gaps between events (geometric): as many draws as events, not one per resident."""
    q = -math.expm1(-rate / WEEKS_A_YEAR)
    if q <= 0.0 or n == 0:  # a rate so small that the chance is 0 in double precision
        return np.zeros(0, dtype=np.int64)
    chunk = max(8, int(1.5 * n * q) + 8)
    found: list[np.ndarray] = []
    last = -1
    while True:
        # a gap past the last resident ends the week's events: capped there, the sums cannot overflow
        at = last + np.cumsum(np.minimum(rng.geometric(q, chunk), n + 1))
        found.append(at[at < n])
        if at[-1] >= n:
            return np.concatenate(found)
        last = int(at[-1])


def redraw_thresholds(rng: np.random.Generator, threshold: np.ndarray, p: Parameters) -> None:
    """Life events (docs/ODD.md 7.14, ``life_event_rate``): each resident who has one this week
    draws its threshold anew from the distribution it was drawn from, max(0, Normal(threshold_mean,
    threshold_sd)), in place. The thresholds' spread over the community stays what it was; who
    stands where in it changes across years."""
    who = life_events(rng, len(threshold), float(p.life_event_rate))
    if len(who):
        threshold[who] = np.maximum(0.0, rng.normal(p.threshold_mean, p.threshold_sd, len(who)))


@dataclass
class Draws:
    """One week's random draws of the ladder, one per resident (empty when the rule draws none)."""

    noise: np.ndarray  # the drive's noise: normal(0, decision_noise), or the lasting noise (noise_memory)
    uniform: np.ndarray  # uniform in [0, 1): compared with the slip hazard
    hours: np.ndarray  # the hours each resident has for the ladder this week (its time budget less any taken)


class Ladder:
    """The ladder rule (model/rule.py) bound to one community's adjacency and one parameter set.

    Each week it draws the residents' random numbers from its named stream with numpy (noise, then
    slip), then the compiled kernel applies the rule to everyone. ``Resident.step`` applies the
    same rule one agent at a time from the same draws (``draws``, ``decide``, ``rule``)."""

    Rung = Rung  # the agents read rung names here (agents/ import nothing from model/)
    decide = staticmethod(decide)
    serve = staticmethod(serve)
    unmet_share = staticmethod(unmet_share)
    commit = staticmethod(commit)

    DERIVED_READS = frozenset({"need_pull_decay"})
    """The parameters :meth:`derive` reads: a change of one mid-run re-derives it (``model.update``)."""

    def __init__(
        self,
        adjacency: sp.csr_matrix,
        params: Parameters,
        rng: np.random.Generator,
        mechanisms: bool,
        adult: np.ndarray | None = None,
        life: np.random.Generator | None = None,
    ):
        self.adjacency = adjacency
        self.rng = rng
        # life events' stream (docs/ODD.md 7.14); None: the thresholds were given, and stay as given
        self.life = life
        self.top = params.n_rungs - 1
        self.indptr, self.indices = adjacency.indptr, adjacency.indices
        # who can hold a rung (EVERYONE: no mask, the rule before issue 15); the social share is of the
        # neighbours who can (a child's rung is always 0)
        self.adult = EVERYONE if adult is None or adult.all() else adult
        self.neighbours = (
            np.diff(self.indptr) if len(self.adult) == 0 else (adjacency @ self.adult.astype(np.int64)).astype(np.int64)
        )
        # isolated residents divide 0 by 1: no social influence (mechanisms divide by this too)
        self.degree = np.maximum(self.neighbours, 1).astype(np.float64)
        self.p = params
        self.derive()
        # whether any mechanism writes boost/retention; the engine alone skips reading them
        self.mechanisms = mechanisms
        # neighbour counts by level (model/rule.py recount): kept up to date from who moved, not recounted
        self._counted = np.zeros(0, dtype=np.int8)
        self._at_least = np.zeros((0, 0), dtype=np.int32)
        self.draws = Draws(EMPTY, EMPTY, EMPTY)
        self._rule_key: tuple[int, int, bool] | None = None
        self._rule = ladder_rule(params, mechanisms)
        self._kernel: Callable[..., tuple[int, int]] | None = None  # the compiled pass, chosen with ``rule``

    def __getstate__(self) -> dict:
        # a copy chooses its compiled pass again with its rule (the key holds id(params) anyway)
        return {**self.__dict__, "_rule_key": None, "_kernel": None}

    def derive(self) -> None:
        """What the ladder derives from the parameters once (again after a change of DERIVED_READS):
        the pull of a need on each rung, need_pull_decay ** rung."""
        self.need_factor = libm.power(self.p.need_pull_decay, np.arange(self.top + 1))

    @property
    def rule(self) -> LadderRule:
        """This week's constants of the rule (the parameters can change between weeks: the rule is
        built again after any change, ``Parameters._generation``, or a change of ``mechanisms``)."""
        key = (id(self.p), self.p._generation, self.mechanisms)
        if self._rule_key != key:
            self._rule, self._rule_key = ladder_rule(self.p, self.mechanisms), key
            # the engine's pass compiled for this rule: its top rung and the switches it has off as
            # constants (model/rule.py week_kernel; the same results as the generic pass)
            self._kernel = week_kernel(variant(self._rule, len(self.adult) == 0))
        return self._rule

    def draw(self, state: ResidentState) -> Draws:
        """This week's life events first (their own stream, "life"), then its draws from the ladder's
        stream, in a fixed order: noise, then slip; with
        ``noise_memory`` the noise is the lasting one (``state.drive_shock``, updated here); and the
        hours each resident has for the ladder this week."""
        p, n = self.p, state.n
        if p.life_event_rate and self.life is not None:  # before the week: this week's drive meets the new bar
            redraw_thresholds(self.life, state.threshold, p)
        noise = EMPTY
        if p.decision_noise:
            noise = self.rng.normal(0.0, p.decision_noise, n)
            if p.noise_memory:  # circumstances that last: this week's noise carries most of last week's
                carry_noise(state.drive_shock, float(p.noise_memory), noise)
                noise = state.drive_shock
        uniform = self.rng.random(n) if p.slip_rate else EMPTY
        hours = state.time_budget
        if self.mechanisms and p.dialogue_hours:  # hours a mechanism took this week are not free
            hours = free_hours(hours, state.time_taken)
        self.draws = Draws(noise, uniform, hours)
        return self.draws

    def neighbour_counts(self, rung: np.ndarray) -> np.ndarray:
        """``at_least[i, level - 1]``: how many of resident i's neighbours are on ``level`` or above
        (level 1 ... top), for the rungs in ``rung``. Kept between weeks and brought up to date from
        the residents whose rung changed (model/rule.py ``recount``); rebuilt from zero when the
        ladder's height changes."""
        n, top = len(rung), self.p.n_rungs - 1
        if self._at_least.shape != (n, top):
            self._counted = np.zeros(n, dtype=np.int8)
            # two bytes a count while no resident has 32,767 ties (8 MiB at a million residents)
            wide = len(self.indptr) > 1 and int(np.diff(self.indptr).max()) >= np.iinfo(np.int16).max
            self._at_least = np.zeros((n, top), dtype=np.int32 if wide else np.int16)
        recount(self.indptr, self.indices, rung, self._counted, self._at_least)
        return self._at_least

    def step(self, state: ResidentState, week: int) -> LadderResult:
        """Every resident's week at once (the compiled kernel); ``week`` is stamped as
        ``last_volunteered`` on those who end it on the top rung."""
        draws = self.draw(state)
        rule = self.rule  # (and self._kernel, chosen with it)
        kernel = self._kernel
        assert kernel is not None  # chosen with the rule
        climbs, slips = kernel(
            rule,
            self.neighbour_counts(state.rung),
            self.neighbours,
            self.adult,
            state.rung,
            state.weeks_on_rung,
            state.last_volunteered,
            week,
            state.capacity,
            state.public_spirit,
            draws.hours,
            state.threshold,
            state.boost,
            state.retention,
            state.needs,
            state.need_growth,
            self.need_factor,
            draws.noise,
            draws.uniform,
            state.commitment,
        )
        return LadderResult(int(climbs), int(slips))
