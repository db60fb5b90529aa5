"""A steady starting state: the community lives its ordinary life before week 0.

A drawn initial state is not a community anyone lives in: left alone, its rung shares move for
years (the not-engaged share of the default community falls from 66% to 19% in ten weeks, and
trust climbs for two years). So, before week 0, the community runs the status quo
(``scenarios/status_quo.toml``: the organisation as provider; the engine alone on a ladder of
fewer rungs) for ``burn_in_weeks`` weeks, on streams of its own; its residents' state at the end
is the state every scenario starts from, and the organisation, the pool and the mechanisms start
fresh at week 0 (docs/ODD.md 5.4).

Burn-ins are cached in memory, keyed on the community and its initial state (graph, demography
and every registry field, hashed), the seed and the parameters the burn-in reads (``reads()``), so
a sweep over levers the status quo never reads (the points, the teams, the conventions, ...)
settles each community and seed once. The cache is bounded (``CACHE_BYTES``, least recently used
out first) and safe when models are built in several threads at once (the app does).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import params as schema
from .scenarios import load_scenario
from .state import NEVER

ORDINARY_LIFE = "status_quo"
"""The scenario the burn-in runs: the community's ordinary life."""

CARRIED = (
    "rung",
    "weeks_on_rung",
    "capacity",
    "public_spirit",
    "trust",
    "needs",
    "record",
    "gain",
    "last_volunteered",
    "commitment",
    "drive_shock",
    "threshold",
)
"""Registry fields the burn-in hands on to week 0; every other field starts as drawn (or empty)."""

READS = frozenset(
    {
        # the ladder and the engine
        "n_rungs",
        "rung_step",
        "decision_noise",
        "slip_rate",
        "slip_drive_weight",
        "weight_capacity",
        "weight_need",
        "weight_social",
        "weight_spirit",
        "weight_time",
        "volunteer_hours",
        "self_help_efficacy",
        "mutual_aid_efficacy",
        "need_growth",
        "need_pull_decay",
        "spirit_decay",
        "capacity_decay",
        "capacity_gain",
        "capacity_growth",
        "trust_rate",
        "gain_trust",
        "trust_from_self_help",
        "broken_promise_cost",
        "mechanism_trust_weight",
        "crowding_out",
        "renewal_bar",
        # the community (the graph and its residents are hashed whole; these are read again by the burn-in)
        "n_residents",
        "household_size_mean",
        "building_ties",
        "compound_ties",
        "long_ties",
        "branch_ties",
        "party_member_share",
        "renter_attachment",
        "migrant_attachment",
        "mobile_reach",
        # the organisation as provider, and its one mechanism (the project) with its money
        "org_role",
        "resident_voice",
        "three_downs",
        "survey_method",
        "fulltime_worker_size",
        "fulltime_worker_bonus",
        "backbone_trust",
        "backbone_lead_bonus",
        "project_budget_share",
        "project_cost",
        "project_efficacy",
        "project_places",
        "project_pull",
        "project_retention",
        "project_served",
        "ownership_pull",
        "ownership_decay",
        "participatory_cost",
        "seed_fund",
        "budget_period",
        "funds_follow_mechanisms",
        # the cycle (and every registered mechanism's switch: reads())
        "round_weeks",
        "phase_order",
        "cycle_feedback",
        "loop_cut",
        # how long and how outcomes are smoothed
        "steps",
        "record_weeks",
        # holding a rung, adults on the ladder, counts made whole (docs/ODD.md 7.14)
        "noise_memory",
        "life_event_rate",
        "threshold_mean",  # read again by life events
        "threshold_sd",
        "commitment_rate",
        "commitment_hold",
        "commitment_loss",
        "children_on_ladder",
        "counts",
        "dialogue_hours",  # read by the week's bookkeeping; the status quo holds no dialogue
    }
)
"""The parameters the burn-in reads, after ``ordinary_life``: the cache's key. A burn-in built
with other values of any other parameter settles to the same state bit for bit (checked for every
parameter by tests/test_burnin.py, which also spies on what a burn-in reads). The burn-in also
reads ``agent_objects`` (always lazy) and ``record_groups`` (it records nothing)."""


def reads() -> frozenset[str]:
    """Every parameter the burn-in reads: ``READS`` and the registered mechanisms' switches."""
    return READS | frozenset(schema.MECHANISM_SWITCHES)


CACHE_BYTES = 256 * 2**20
"""The cache's bound: least recently used burn-ins go first (a 10,000-resident one takes about a MiB)."""
_cache: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0}


def ordinary_life(p: Mapping[str, Any]) -> dict[str, Any]:
    """The burn-in's parameters: the run's, with the status quo's levers and switches."""
    q = dict(p, burn_in_weeks=0, agent_objects="lazy", steps=p["burn_in_weeks"])
    if p["n_rungs"] == 5:
        q.update(load_scenario(ORDINARY_LIFE))
    else:  # the mechanisms need the five-rung ladder: the ordinary life is the engine alone
        q.update({name: False for name in schema.MECHANISM_SWITCHES})
    return q


def input_files(p: Mapping[str, Any]) -> list[str]:
    """The files a run with (validated) parameters ``p`` reads for its burn-in: the ordinary life's
    scenario and its bases (none without a burn-in or on a ladder of other than five rungs)."""
    from .scenarios import read_scenario

    if not p["burn_in_weeks"] or p["n_rungs"] != 5:
        return []
    return read_scenario(ORDINARY_LIFE)["files"]


def _key(model, q: Mapping[str, Any]) -> str:
    h = hashlib.sha1(repr(sorted((k, q[k]) for k in reads())).encode())
    # the registered mechanisms: how many there are sets the phases' timing (model/cycle.py)
    h.update(str((type(model).__name__, model.seed, schema.MECHANISM_SWITCHES)).encode())
    c = model.community
    for arr in (c.indptr, c.indices, *model.state.arrays().values()):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def settle(model, settling_cls) -> None:
    """Replace ``model``'s initial residents' state by the end of its burn-in (a no-op at 0 weeks)."""
    weeks = model.p.burn_in_weeks
    if weeks == 0:
        return
    q = ordinary_life(model.p)
    key = _key(model, q)
    with _lock:
        settled = _cache.get(key)
        stats["misses" if settled is None else "hits"] += 1
        if settled is not None:
            _cache.move_to_end(key)
    if settled is None:  # outside the lock: two threads may settle the same community, to the same state
        burn = settling_cls(model, q).run(weeks)
        settled = {name: getattr(burn.state, name).copy() for name in CARRIED}
        last = settled["last_volunteered"]
        np.putmask(last, last != NEVER, last - weeks)  # weeks before week 0 are negative
        _store(key, settled)
    for name, values in settled.items():
        getattr(model.state, name)[:] = values


def _store(key: str, settled: dict[str, np.ndarray]) -> None:
    with _lock:
        _cache[key] = settled
        while len(_cache) > 1 and sum(a.nbytes for s in _cache.values() for a in s.values()) > CACHE_BYTES:
            _cache.popitem(last=False)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        stats.update(hits=0, misses=0)
