"""The ladder rule for one resident, written once, and the compiled weekly kernel that applies it
to every resident in one pass.

    遵循居民从自助、互助到参与公共事务，再到参与各类志愿活动的社区行动逻辑

:func:`decide` (drive, climb, slip: docs/ODD.md 7.1), :func:`serve` (a need grows, self-help and
mutual aid meet part of it: 7.2) and :func:`commit` (7.14) are the whole weekly rule for ONE
resident, as functions of that resident's fields, its neighbours' counts and its random draws,
numbers in and numbers out. Two callers, one rule:

* :func:`ladder_week`, the engine: one compiled pass over all residents (each resident's
  neighbour counts read from :func:`recount`'s table, kept up to date from who moved; then
  :func:`decide`, :func:`serve` for each need category and :func:`commit`, and the move applied
  with weeks on rung and last volunteered). The engine runs it compiled for the week's rule
  (:func:`week_kernel`): the rule's top rung and the parts it switches off are constants there,
  so the compiler drops them (the same code, the same results);
* ``agents.Resident.step``, the Mesa-idiomatic form: one agent object at a time, counting its
  neighbours through Mesa's Network space and calling the same functions.

The random draws are made with numpy from the ladder's named stream, one array per kind for the
whole community, before the kernel runs (model/ladder.py); the kernel and the agents only read
them, so results do not depend on the order residents are visited in, or on numba.

The arithmetic is IEEE double in the order numpy's vectorised form used (no fastmath), so the
results are the same bit for bit (tests/test_baseline.py).

**Extending the rule** with a per-resident field (as ``commitment`` was, docs/ODD.md 7.14): add the
field to model/state.py; add it as an argument of :func:`decide` and use it there; pass
``field[i]`` from :func:`ladder_week` (and update it there after the decision, as ``commitment``
is) and ``self.<field>`` from ``Resident.step`` (and update it in ``advance``); a new constant goes
into :class:`LadderRule` (its name is the parameter's, so :func:`ladder_rule` reads it) and, in the
same place, into the copy of the rule :func:`week_kernel` hands the pass (fixed as 0 when it is
off if the rule reads it only behind ``!= 0.0``: then it is one of :data:`SWITCHES`). Every field
is passed explicitly: numba compiles what it is given, and a reader sees what the rule reads.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .jit import njit

NOT_ENGAGED, SELF_HELP, MUTUAL_AID = 0, 1, 2
"""The rungs the rule names (equal to ``model.ladder.Rung``'s; compiled code cannot read an enum
from Python at run time, tests/test_kernel.py checks that they agree)."""


class LadderRule(NamedTuple):
    """The constants of the ladder rule for one week (the parameters of docs/ODD.md 7.1-7.2)."""

    top: int  # the top rung (n_rungs - 1)
    weight_social: float
    weight_capacity: float
    weight_spirit: float
    weight_need: float
    weight_time: float
    volunteer_hours: float
    decision_noise: float
    rung_step: float
    slip_rate: float
    slip_drive_weight: float
    need_growth: float  # the parameter; 0 switches need growth off (each resident's rate is a field)
    self_help_efficacy: float
    mutual_aid_efficacy: float
    commitment_rate: float  # docs/ODD.md 7.14: commitment grows on a rung above 0, fades on rung 0
    commitment_hold: float  # the share of the slip risk full commitment removes
    commitment_loss: float  # the share of commitment a slip breaks
    mechanisms: bool  # whether any mechanism writes boost and retention (else both count as 0)


def ladder_rule(p: Mapping[str, Any], mechanisms: bool) -> LadderRule:
    """This week's :class:`LadderRule` from the parameter dict (built each week: policies change it)."""
    return LadderRule._make(
        (int(p["n_rungs"] - 1), *(float(p[name]) for name in LadderRule._fields[1:-1]), bool(mechanisms))
    )


@njit(inline=True)
def decide(
    rule,
    rung,
    n_next,
    degree,
    capacity,
    public_spirit,
    time_budget,
    threshold,
    boost,
    retention,
    unmet,
    need_pull,
    noise,
    uniform,
    commitment,
    adult,
):
    """A resident's move this week (+1 climb, -1 slip, 0 stay) from its start-of-week state
    (docs/ODD.md 7.1); :func:`serve` then gives each of its needs after the week (7.2).

    rung: its rung at the start of the week; n_next: its neighbours on rung min(rung + 1, top) or
    above; degree: its number of neighbours who can hold a rung; capacity ... retention: its fields
    (time_budget: the hours it has for the ladder this week); unmet: its mean unmet need at the
    start of the week (:func:`unmet_share`; read only with a need weight); need_pull: the pull of a
    need on its rung (need_pull_decay ** rung); noise: its normal draw (0 without decision noise);
    uniform: its uniform draw in [0, 1) for the slip (unused without slip); commitment: its
    commitment (docs/ODD.md 7.14); adult: whether it can hold a rung (a child never climbs).

    Numbers only, no arrays: compiled into the engine's pass, a rule that took the registry's
    arrays (to read and serve the needs row in place) ran the threshold limit's pass at 100,000
    residents about 2x slower even with every need term off (benchmarks/README.md).
    """
    d = float(max(degree, 1))  # isolated: 0 / 1, no social influence
    # drive: the share of neighbours on the next rung or above, then each term (docs/ODD.md 7.1)
    drive = (n_next / d) * rule.weight_social
    if rule.weight_capacity != 0.0:
        drive += rule.weight_capacity * capacity
    if rule.weight_spirit != 0.0:
        drive += rule.weight_spirit * public_spirit
    if rule.weight_need != 0.0:
        drive += rule.weight_need * need_pull * unmet
    if rule.weight_time != 0.0:
        drive += rule.weight_time * min(1.0, time_budget / rule.volunteer_hours)
    if rule.mechanisms:
        drive += boost
    if rule.decision_noise != 0.0:
        drive += noise
    bar = threshold + rule.rung_step * rung
    move = 0
    if drive >= bar and rung < rule.top and adult:
        move = 1
    elif rule.slip_rate != 0.0 and rung > NOT_ENGAGED:
        risk = rule.slip_rate * (1.0 - retention) if rule.mechanisms else rule.slip_rate
        if rule.commitment_hold != 0.0:  # months on a rung build a habit, a role, ties: harder to leave
            risk = risk * (1.0 - rule.commitment_hold * commitment)
        if rule.slip_drive_weight != 0.0:
            # short of the bar of one's own rung (what it took to climb onto it): likelier to leave it
            own_bar = threshold + rule.rung_step * (rung - 1.0)
            risk = min(1.0, risk * (1.0 + rule.slip_drive_weight * max(0.0, own_bar - drive)))
        if uniform < risk:
            move = -1
    return move


@njit(inline=True)
def serve(rule, need, growth, rung, capacity, n_helpers, degree):
    """One of a resident's need categories after its week (docs/ODD.md 7.2): the need grows at its
    rate, then its own self-help (on the self-help rung or above) and its neighbours' mutual aid
    (the share of them on the mutual-aid rung or above: n_helpers of degree) each meet a part of
    what is left. rung: its start-of-week rung; growth: its rate in this category."""
    if rule.need_growth != 0.0:
        need += growth * (1.0 - need)
    if rule.self_help_efficacy != 0.0 and rung >= SELF_HELP:
        need *= 1.0 - rule.self_help_efficacy * capacity
    if rule.mutual_aid_efficacy != 0.0 and rule.top >= MUTUAL_AID:
        need *= 1.0 - rule.mutual_aid_efficacy * (n_helpers / float(max(degree, 1)))
    return need


@njit(inline=True)
def unmet_share(needs, i):
    """The mean of row i of ``needs`` (its unmet need over the categories), summed
    ((a0 + a1) + a2) + a3: numpy's order for a short row (state.row_mean)."""
    k = needs.shape[1]
    total = needs[i, 0]
    for j in range(1, k):
        total += needs[i, j]
    return total / k


@njit(inline=True)
def commit(rule, commitment, rung_after, slipped):
    """A resident's commitment after its week (docs/ODD.md 7.14): it grows while the resident holds a
    rung above 0 and fades on rung 0, at commitment_rate; a slip then breaks a share commitment_loss."""
    if rule.commitment_rate == 0.0:
        return commitment
    if rung_after > NOT_ENGAGED:
        commitment += rule.commitment_rate * (1.0 - commitment)
    else:
        commitment += rule.commitment_rate * -commitment
    if slipped and rule.commitment_loss != 0.0:
        commitment *= 1.0 - rule.commitment_loss
    return commitment


@njit
def recount(indptr, indices, rung, counted, at_least):
    """Bring the neighbour counts up to date with ``rung``: ``at_least[i, level - 1]`` is the number of
    i's neighbours on ``level`` or above (level 1 ... top), as of the rungs in ``counted``. Each
    resident whose rung differs from its ``counted`` one adds or removes itself at the levels between
    the two in every neighbour's row of ``at_least`` (the adjacency is symmetric: j's row lists the
    residents whose rows hold j), then ``counted`` takes its rung. Returns how many residents moved.

    The counts are integers, so they equal a recount from scratch whatever the order: the cost is
    the degree of those who moved, not every tie every week. It reconciles ``counted`` with whatever
    wrote ``rung`` (the kernel, the Mesa agents, a survey or a test), not only the kernel's moves.
    """
    n = rung.shape[0]
    levels = at_least.shape[1]
    moved = 0
    for block in range((n + RECOUNT_BLOCK - 1) // RECOUNT_BLOCK):
        start = block * RECOUNT_BLOCK
        size = min(RECOUNT_BLOCK, n - start)
        differ = 0
        for k in range(size):  # did anyone here move? A sum of comparisons, which vectorises
            differ += counted[start + k] != rung[start + k]
        if differ == 0:
            continue
        for j in range(start, start + size):
            before = np.int64(counted[j])
            after = np.int64(rung[j])
            if before == after:
                continue
            moved += 1
            if after > before:
                low, high, by = before, min(after, levels), 1
            else:
                low, high, by = after, min(before, levels), -1
            for e in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):  # unsigned: no wraparound check
                i = np.uint64(indices[e])
                for column in range(low, high):  # levels low + 1 ... high
                    at_least[i, column] += by
            counted[j] = rung[j]
    return moved


RECOUNT_BLOCK = 256
"""Residents :func:`recount` checks for a move in one vectorised pass before visiting each of them:
once a cascade has run most blocks hold no mover (at 100,000 residents and nobody moving, 0.006 ms
against 0.06 ms for visiting every resident)."""


SWITCHES = (
    "weight_capacity",
    "weight_spirit",
    "weight_need",
    "weight_time",
    "decision_noise",
    "slip_rate",
    "slip_drive_weight",
    "need_growth",
    "self_help_efficacy",
    "mutual_aid_efficacy",
    "commitment_rate",
    "commitment_hold",
    "commitment_loss",
    "mechanisms",
)
"""The constants of :class:`LadderRule` that switch a part of the rule off when they are 0 (False):
the rule reads each only behind ``if rule.<name> != 0.0`` (or ``if rule.mechanisms``).
:func:`week_kernel` compiles the engine's pass with those that are off as constants
(tests/test_kernel.py checks that the rule reads no other constant that way)."""


class Variant(NamedTuple):
    """What a compiled variant of the engine's pass fixes (:func:`week_kernel`); ``GENERIC``
    fixes nothing."""

    top: int  # the top rung, a constant; 0: read from the rule
    live: tuple[bool, ...]  # per SWITCHES: False compiles that switch as 0 (off)
    everyone: bool  # every resident can hold a rung (``adult`` is empty)


GENERIC = Variant(0, (True,) * len(SWITCHES), False)


def variant(rule: LadderRule, everyone: bool) -> Variant:
    """The variant of the engine's pass for this week's rule: its top rung and the switches that are
    off compiled as constants, and whether everyone can hold a rung."""
    return Variant(rule.top, tuple(bool(getattr(rule, name) != 0) for name in SWITCHES), everyone)


@functools.cache
def week_kernel(fixed: Variant = GENERIC):
    """The engine's week (:func:`ladder_week`), compiled with what ``fixed`` fixes as constants.

    The rule is the same one (:func:`decide`, :func:`serve`, :func:`commit`, inlined): the pass
    only hands it a :class:`LadderRule` whose switches that are off are the constant 0 and whose
    top rung is a constant, so the compiler drops the parts they switch off and the loads they
    read. With the threshold limit's switches the pass has no branch left that the compiler
    cannot turn into a select, and it runs vectorised (about 10x faster at 100,000 residents;
    benchmarks/README.md). A switch that is on is read from the rule as before, so the results are
    the same bit for bit whatever is fixed (tests/test_kernel.py runs each against ``GENERIC``).

    Each variant is compiled on first use and cached on disk like the rest (``cache=True``; numba
    keys a closure's cache entry by the values it closes over); a run uses one or two.
    """
    top_fixed = fixed.top
    live = dict(zip(SWITCHES, fixed.live, strict=True))
    (capacity_on, spirit_on, need_on, time_on, noise_on, slip_on, slip_drive_on) = (live[name] for name in SWITCHES[:7])
    (growth_on, self_help_on, mutual_aid_on, commitment_on, hold_on, loss_on, mechanisms_on) = (
        live[name] for name in SWITCHES[7:]
    )
    adult_given = not fixed.everyone

    @njit
    def ladder_week(
        rule,
        at_least,
        degree,
        adult,
        rung,
        weeks_on_rung,
        last_volunteered,
        week,
        capacity,
        public_spirit,
        time_budget,
        threshold,
        boost,
        retention,
        needs,
        need_growth,
        need_factor,
        noise,
        uniform,
        commitment,
    ):
        """The engine's week: :func:`decide` for every resident from the start-of-week rungs, each move
        applied with its commitment, weeks on rung and last volunteered in the same pass. Returns
        (climbs, slips).

        at_least: the neighbour counts of the start-of-week rungs (:func:`recount`, called just
        before); a resident's decision reads only its own fields and its own row of counts, so
        applying its move at once changes no other resident's decision (the synchronous update of
        docs/ODD.md 7.1). degree: each resident's neighbours who can hold a rung; adult: who can hold
        a rung (an empty array: everyone); week: this week (``last_volunteered`` of those on the top
        rung afterwards); noise, uniform: this week's draws, one per resident, or empty arrays when
        the rule draws none.
        """
        # the rule with what this variant fixes as constants, field by field in LadderRule's order (numba
        # builds a named tuple from positions only; the tests give every constant a different value)
        rule = LadderRule(
            top_fixed if top_fixed else rule.top,
            rule.weight_social,
            rule.weight_capacity if capacity_on else 0.0,
            rule.weight_spirit if spirit_on else 0.0,
            rule.weight_need if need_on else 0.0,
            rule.weight_time if time_on else 0.0,
            rule.volunteer_hours,
            rule.decision_noise if noise_on else 0.0,
            rule.rung_step,
            rule.slip_rate if slip_on else 0.0,
            rule.slip_drive_weight if slip_drive_on else 0.0,
            rule.need_growth if growth_on else 0.0,
            rule.self_help_efficacy if self_help_on else 0.0,
            rule.mutual_aid_efficacy if mutual_aid_on else 0.0,
            rule.commitment_rate if commitment_on else 0.0,
            rule.commitment_hold if hold_on else 0.0,
            rule.commitment_loss if loss_on else 0.0,
            rule.mechanisms if mechanisms_on else False,
        )
        n = rung.shape[0]
        top = rule.top
        has_noise = noise.shape[0] > 0
        has_uniform = uniform.shape[0] > 0
        has_adult = adult_given and adult.shape[0] > 0
        has_helpers = top >= MUTUAL_AID
        k = needs.shape[1]
        serves = (
            rule.need_growth != 0.0
            or rule.self_help_efficacy != 0.0
            or (rule.mutual_aid_efficacy != 0.0 and has_helpers)
        )
        last_level = np.uint8(top - 1)
        climbs = 0
        slips = 0
        for i in range(n):
            r = rung[i]
            # the count of neighbours on the next rung or above (on the top rung: on it), column
            # min(r + 1, top) - 1; unsigned (a rung is never negative), so with the top a constant 1
            # it is the constant column 0
            move = decide(
                rule,
                r,
                at_least[i, min(np.uint8(r), last_level)],
                degree[i],
                capacity[i],
                public_spirit[i],
                time_budget[i],
                threshold[i],
                boost[i],
                retention[i],
                unmet_share(needs, i) if rule.weight_need != 0.0 else 0.0,
                need_factor[r],
                noise[i] if has_noise else 0.0,
                uniform[i] if has_uniform else 1.0,
                commitment[i],
                adult[i] if has_adult else True,
            )
            if serves:
                helpers = at_least[i, MUTUAL_AID - 1] if has_helpers else 0
                for j in range(k):
                    needs[i, j] = serve(rule, needs[i, j], need_growth[i, j], r, capacity[i], helpers, degree[i])
            after = r + move
            commitment[i] = commit(rule, commitment[i], after, move < 0)
            # every field written whatever the move (selects, not branches: the pass vectorises)
            climbs += move > 0
            slips += move < 0
            rung[i] = after
            held = weeks_on_rung[i] + 1
            weeks_on_rung[i] = held if move == 0 else 0
            last = last_volunteered[i]
            last_volunteered[i] = week if after == top else last
        return climbs, slips

    return ladder_week


ladder_week = week_kernel(GENERIC)
"""The engine's week with nothing fixed: every switch read from the rule (:func:`week_kernel`)."""


EMPTY = np.empty(0)
"""The draws of a kind the rule does not use this week."""
EVERYONE = np.empty(0, dtype=np.bool_)
"""``adult`` when everyone can hold a rung (children_on_ladder, or no children)."""
