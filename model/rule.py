"""The ladder rule for one resident, written once, and the compiled weekly kernel that applies it
to every resident in one pass.

    遵循居民从自助、互助到参与公共事务，再到参与各类志愿活动的社区行动逻辑

:func:`decide` is the whole weekly rule of docs/ODD.md 7.1 (drive, climb, slip) and 7.2 (needs
grow, self-help and mutual aid meet part of them) for ONE resident, as a function of that
resident's fields, its neighbours' counts and its random draws. Two callers, one rule:

* :func:`ladder_week`, the engine: one compiled pass over all residents (neighbour counts over the
  CSR adjacency, :func:`decide`, then the moves applied with weeks on rung and last volunteered);
* ``agents.Resident.step``, the Mesa-idiomatic form: one agent object at a time, counting its
  neighbours through Mesa's Network space and calling the same :func:`decide`.

The random draws are made with numpy from the ladder's named stream, one array per kind for the
whole community, before the kernel runs (model/ladder.py); the kernel and the agents only read
them, so results do not depend on the order residents are visited in, or on numba.

The arithmetic is IEEE double in the order numpy's vectorised form used (no fastmath), so the
results are the same bit for bit (tests/test_baseline.py).

**Extending the rule** with a per-resident field (as ``commitment`` was, docs/ODD.md 7.14): add the field to model/state.py; add it as an argument of
:func:`decide` and use it there; pass ``field[i]`` from :func:`ladder_week` (and update the
field in its second loop, where the moves are applied: e.g. grow it when ``next_rung[i] ==
rung[i]``) and ``self.<field>`` from ``Resident.step`` (and update it in ``advance``); a new
constant goes into :class:`LadderRule` (its name is the parameter's, so :func:`ladder_rule` reads
it). Every field is passed explicitly: numba compiles what it is given, and a reader sees what the
rule reads.
"""

from __future__ import annotations

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
    n_helpers,
    degree,
    capacity,
    public_spirit,
    time_budget,
    threshold,
    boost,
    retention,
    needs,
    need_growth,
    i,
    need_factor,
    noise,
    uniform,
    commitment,
    adult,
):
    """A resident's week: its move (+1 climb, -1 slip, 0 stay) from its start-of-week state; its
    row ``i`` of ``needs`` is served in place (growth, self-help, mutual aid; start-of-week rungs).

    rung: its rung at the start of the week; n_next: its neighbours on rung min(rung + 1, top) or
    above; n_helpers: its neighbours on the mutual-aid rung or above; degree: its number of
    neighbours who can hold a rung; capacity ... retention: its fields (time_budget: the hours it
    has for the ladder this week); needs, need_growth: the registry's
    (residents x need categories) arrays, of which only row i is read and written (a row view
    would cost reference counting per resident in compiled code); need_factor: the need pull by
    rung (need_pull_decay ** rung); noise: its normal draw (0 without decision noise); uniform:
    its uniform draw in [0, 1) for the slip (unused without slip); commitment: its commitment
    (docs/ODD.md 7.14); adult: whether it can hold a rung (a child never climbs).

    Scalars, not the registry's arrays, for the fields: the engine's pass runs about 1.8x faster
    (measured at 2,000 and 100,000 residents), the arrays being reloaded after every write.
    """
    d = float(max(degree, 1))  # isolated: 0 / 1, no social influence
    # drive: the share of neighbours on the next rung or above, then each term (docs/ODD.md 7.1)
    drive = (n_next / d) * rule.weight_social
    if rule.weight_capacity != 0.0:
        drive += rule.weight_capacity * capacity
    if rule.weight_spirit != 0.0:
        drive += rule.weight_spirit * public_spirit
    if rule.weight_need != 0.0:
        k = needs.shape[1]
        unmet = needs[i, 0]
        for j in range(1, k):  # ((a0 + a1) + a2) + a3: numpy's order for a short row (state.row_mean)
            unmet += needs[i, j]
        drive += rule.weight_need * need_factor[rung] * (unmet / k)
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
    # needs grow, then one's own self-help and neighbours' mutual aid meet part of them (7.2)
    if rule.need_growth != 0.0:
        for j in range(needs.shape[1]):
            needs[i, j] += need_growth[i, j] * (1.0 - needs[i, j])
    if rule.self_help_efficacy != 0.0 and rung >= SELF_HELP:
        kept = 1.0 - rule.self_help_efficacy * capacity
        for j in range(needs.shape[1]):
            needs[i, j] *= kept
    if rule.mutual_aid_efficacy != 0.0 and rule.top >= MUTUAL_AID:
        kept = 1.0 - rule.mutual_aid_efficacy * (n_helpers / d)
        for j in range(needs.shape[1]):
            needs[i, j] *= kept
    return move


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
def ladder_week(
    rule,
    indptr,
    indices,
    degree,
    adult,
    rung,
    next_rung,
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
    """The engine's week: :func:`decide` for every resident from the start-of-week rungs, then the
    moves applied at once. Returns (climbs, slips).

    indptr, indices: the symmetric CSR adjacency; degree: each resident's neighbours who can hold a
    rung; adult: who can hold a rung (an empty array: everyone); next_rung: a buffer as long as ``rung``; week:
    this week (``last_volunteered`` of those on the top rung afterwards); noise, uniform: this
    week's draws, one per resident, or empty arrays when the rule draws none.
    """
    n = rung.shape[0]
    top = rule.top
    has_noise = noise.shape[0] > 0
    has_uniform = uniform.shape[0] > 0
    has_adult = adult.shape[0] > 0
    for i in range(n):
        r = rung[i]
        level = min(r + 1, top)
        n_next = 0
        n_helpers = 0
        for e in range(indptr[i], indptr[i + 1]):
            other = rung[indices[e]]
            if other >= level:
                n_next += 1
            if other >= MUTUAL_AID:
                n_helpers += 1
        move = decide(
            rule,
            r,
            n_next,
            n_helpers,
            degree[i],
            capacity[i],
            public_spirit[i],
            time_budget[i],
            threshold[i],
            boost[i],
            retention[i],
            needs,
            need_growth,
            i,
            need_factor,
            noise[i] if has_noise else 0.0,
            uniform[i] if has_uniform else 1.0,
            commitment[i],
            adult[i] if has_adult else True,
        )
        next_rung[i] = r + move
    climbs = 0
    slips = 0
    for i in range(n):
        commitment[i] = commit(rule, commitment[i], next_rung[i], next_rung[i] < rung[i])
        if next_rung[i] == rung[i]:
            weeks_on_rung[i] += 1
        else:
            if next_rung[i] > rung[i]:
                climbs += 1
            else:
                slips += 1
            rung[i] = next_rung[i]
            weeks_on_rung[i] = 0
        if rung[i] == top:
            last_volunteered[i] = week
    return climbs, slips


EMPTY = np.empty(0)
"""The draws of a kind the rule does not use this week."""
EVERYONE = np.empty(0, dtype=np.bool_)
"""``adult`` when everyone can hold a rung (children_on_ladder, or no children)."""
