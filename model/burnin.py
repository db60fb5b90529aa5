"""A steady starting state: the community lives its ordinary life before week 0.

A drawn initial state is not a community anyone lives in: left alone, its rung shares move for
years (the not-engaged share of the default community falls from 66% to 19% in ten weeks, and
trust climbs for two years). So, before week 0, the community runs the status quo
(``scenarios/status_quo.toml``: the organisation as provider; the engine alone on a ladder of
fewer rungs) for ``burn_in_weeks`` weeks, on streams of its own; its residents' state at the end
is the state every scenario starts from, and the organisation, the pool and the mechanisms start
fresh at week 0 (docs/ODD.md 5.4).

Burn-ins are cached in memory per community (graph, demography and initial state, hashed) and
burn-in parameters, so a sweep over the levers of one community and seed settles it once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np

from . import params as schema
from .scenarios import load_scenario
from .state import NEVER

ORDINARY_LIFE = "status_quo"
"""The scenario the burn-in runs: the community's ordinary life."""

CARRIED = ("rung", "weeks_on_rung", "capacity", "public_spirit", "trust", "needs", "record", "gain",
           "last_volunteered", "commitment", "drive_shock")
"""Registry fields the burn-in hands on to week 0; every other field starts as drawn (or empty)."""

CACHE_BYTES = 256 * 2**20
_cache: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
stats = {"hits": 0, "misses": 0}


def ordinary_life(p: dict[str, Any]) -> dict[str, Any]:
    """The burn-in's parameters: the run's, with the status quo's levers and switches."""
    q = dict(p, burn_in_weeks=0, agent_objects="lazy", steps=p["burn_in_weeks"])
    if p["n_rungs"] == 5:
        q.update(load_scenario(ORDINARY_LIFE))
    else:  # the mechanisms need the five-rung ladder: the ordinary life is the engine alone
        q.update({name: False for name in schema.MECHANISM_SWITCHES})
    return q


def _key(model, q: dict[str, Any]) -> str:
    h = hashlib.sha1(repr(sorted((k, v) for k, v in q.items() if k not in ("agent_objects",))).encode())
    h.update(str((type(model).__name__, model.seed)).encode())
    c = model.community
    for arr in (c.indptr, c.indices, *model.state.arrays().values()):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def settle(model, settling_cls) -> None:
    """Replace ``model``'s initial residents' state by the end of its burn-in (a no-op at 0 weeks)."""
    weeks = model.p["burn_in_weeks"]
    if weeks == 0:
        return
    q = ordinary_life(model.p)
    key = _key(model, q)
    settled = _cache.get(key)
    if settled is None:
        stats["misses"] += 1
        burn = settling_cls(model, q).run(weeks)
        settled = {name: getattr(burn.state, name).copy() for name in CARRIED}
        last = settled["last_volunteered"]
        np.putmask(last, last != NEVER, last - weeks)  # weeks before week 0 are negative
        _store(key, settled)
    else:
        stats["hits"] += 1
        _cache.move_to_end(key)
    for name, values in settled.items():
        getattr(model.state, name)[:] = values


def _store(key: str, settled: dict[str, np.ndarray]) -> None:
    _cache[key] = settled
    while len(_cache) > 1 and sum(a.nbytes for s in _cache.values() for a in s.values()) > CACHE_BYTES:
        _cache.popitem(last=False)


def clear_cache() -> None:
    _cache.clear()
    stats.update(hits=0, misses=0)
