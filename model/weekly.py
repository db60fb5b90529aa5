"""The week's per-resident bookkeeping after the ladder, compiled: one pass over the residents
instead of about twenty-five numpy operations on whole arrays (docs/ODD.md 7.10).

At 2,000 residents each numpy operation costs a few microseconds of call overhead for well under
a microsecond of arithmetic, so a default run spent more time in these calls than in the ladder
(benchmarks/README.md, "Where a default run goes"). The arithmetic here is the numpy form's,
element by element in the same order (IEEE double, no fastmath; ``model.jit.njit``), so results
are the same bit for bit (tests/test_baseline.py); ``NUMBA_DISABLE_JIT=1`` runs it as plain Python
(tests/test_kernel.py).

The mean over a resident's need categories is summed ((a0 + a1) + a2) + a3, then divided: numpy's
order for a short row (``model.state.row_mean``; ``model.rule.decide`` sums the same way).
"""

from __future__ import annotations

import numpy as np

from .jit import njit
from .rule import MUTUAL_AID


@njit(inline=True)
def _clip01(x):
    """``np.clip(x, 0.0, 1.0)`` for one number."""
    return min(max(x, 0.0), 1.0)


@njit
def mean_need(needs, need_growth, grow):
    """Each resident's mean unmet need over the categories, in a new array; with ``grow``, of the
    needs once this week's growth has arisen (needs + need_growth * (1 - needs)), before any is met."""
    n, k = needs.shape
    out = np.empty(n)
    for i in range(n):
        total = 0.0
        for j in range(k):
            value = needs[i, j] + need_growth[i, j] * (1.0 - needs[i, j]) if grow else needs[i, j]
            total = value if j == 0 else total + value
        out[i] = total / k
    return out


@njit
def update_residents(
    rung,
    top,
    rate,
    record,
    needs,
    after_growth,
    gain,
    unmet_own,
    org_gain,
    trust_from_self_help,
    trust_rate,
    base_trust,
    backbone_trust,
    backbone_contact,
    gain_trust,
    trust,
    spirit_decay,
    public_spirit,
    base_public_spirit,
    capacity_decay,
    capacity,
    base_capacity,
):
    """Participation record, sense of gain, the organisation's share of it, trust, and the fading of
    unused public spirit and capacity, for every resident (``RedCycleModel._update_residents``).

    rate: the exponential average's weight (1 / record_weeks); after_growth: each resident's mean need
    once this week's needs arose; unmet_own: its mean need after self-help and mutual aid, or an
    empty array when trust_from_self_help is 1 (then trust reads the whole sense of gain)."""
    n, k = needs.shape
    by_org_counts = unmet_own.shape[0] > 0
    for i in range(n):
        record[i] += rate * (rung[i] / top - record[i])
        unmet_end = needs[i, 0]
        for j in range(1, k):
            unmet_end += needs[i, j]
        unmet_end /= k
        grown = after_growth[i]
        met = 1.0 - (unmet_end / grown if grown > 0 else 1.0)
        gain[i] += rate * (_clip01(met) - gain[i])
        evidence_gain = gain[i]
        if by_org_counts:  # the organisation's own channels count in full, self-help in part
            by_org = (unmet_own[i] - unmet_end) / grown if grown > 0 else 0.0
            org_gain[i] += rate * (_clip01(by_org) - org_gain[i])
            evidence_gain = org_gain[i] + trust_from_self_help * (gain[i] - org_gain[i])
        if trust_rate != 0.0:
            evidence = min(1.0, base_trust[i] + backbone_trust * backbone_contact[i] + gain_trust * evidence_gain)
            trust[i] += trust_rate * (evidence - trust[i])
        if rung[i] < MUTUAL_AID:  # public spirit and skills unused move back to where they began
            if spirit_decay != 0.0:
                public_spirit[i] -= spirit_decay * (public_spirit[i] - base_public_spirit[i])
            if capacity_decay != 0.0:
                capacity[i] -= capacity_decay * (capacity[i] - base_capacity[i])


@njit
def neighbour_mean(indptr, indices, weights, who, values):
    """For each resident in ``who``, the mean of ``values`` over its neighbours (all of its ties in
    the CSR adjacency, weighted as stored; 0 for an isolated resident): what
    ``(adjacency[who] @ values) / max(degree, 1)`` gives, bit for bit, without building the rows."""
    out = np.empty(len(who))
    for r in range(len(who)):
        i = who[r]
        total = 0.0
        for e in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):  # unsigned: no wraparound check
            total += weights[e] * values[np.uint64(indices[e])]
        out[r] = total / max(indptr[i + 1] - indptr[i], 1)
    return out


@njit
def clear_week(boost, retention, time_taken, clear_time):
    """The start of a week with mechanisms: no boost, no retention yet, and (with the dialogue's
    hours) no hours taken."""
    for i in range(boost.shape[0]):
        boost[i] = 0.0
        retention[i] = 0.0
        if clear_time:
            time_taken[i] = 0.0


@njit
def respond(boost, weight, trust):
    """Each resident's response to the mechanisms: its boost scaled by 1 - w + w x trust
    (w = mechanism_trust_weight)."""
    kept = 1.0 - weight
    for i in range(boost.shape[0]):
        boost[i] *= kept + weight * trust[i]


@njit
def carry_noise(shock, memory, noise):
    """The lasting noise in each resident's drive (noise_memory): this week's carries most of last
    week's, shock = memory x shock + sqrt(1 - memory^2) x noise; updated in place."""
    fresh = np.sqrt(1.0 - memory * memory)
    for i in range(shock.shape[0]):
        shock[i] = shock[i] * memory + fresh * noise[i]


@njit
def free_hours(budget, taken):
    """The hours each resident has for the ladder: its time budget less those a mechanism took, not below 0."""
    out = np.empty(budget.shape[0])
    for i in range(budget.shape[0]):
        out[i] = max(0.0, budget[i] - taken[i])
    return out


@njit
def capped_hours(time_budget, cap, who):
    """``np.minimum(time_budget[who], cap)`` (``who`` a mask) in one compiled pass: the same values in
    the same order, so numpy's sum of them is the same to the last bit."""
    out = np.empty(time_budget.shape[0])
    k = 0
    for i in range(time_budget.shape[0]):
        if who[i]:
            out[k] = min(time_budget[i], cap)
            k += 1
    return out[:k]
