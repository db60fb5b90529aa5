"""One function for outside tools: parameters and a seed in, outcomes out, no files written.

    from model import simulate
    out = simulate({"org_role": 0.2, "n_residents": 1000}, seed=1, steps=104)
    out["volunteered_past_year"], out["timeseries"]["participation_index"][-1]

The EMA Workbench, SALib or a user's own loop can drive the model through it; the sweeps of
experiments/ run every run through it too, so a sweep's row is exactly ``simulate``'s answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .model import RedCycleModel
from .params import ParameterError


def simulate(params: Mapping[str, Any], seed: int, steps: int | None = None) -> dict[str, Any]:
    """Run the model once: every final outcome (week, shares on each rung, volunteered in the past
    year, participation index, needs met, trust, …) as a number, and under ``"timeseries"`` one
    numpy array per outcome, one value per week from week 0.

    ``params`` are schema parameters (model/params.py), optionally with ``"events"`` (a policy
    timeline, model/timeline.py); ``steps`` defaults to the ``steps`` parameter. Bad input raises
    ParameterError with a one-line message.
    """
    if not isinstance(params, Mapping):
        raise ParameterError(
            f"simulate needs a mapping of parameter names to values, got {type(params).__name__}; "
            "allowed: a dict such as {'n_residents': 1000} (or {} for the defaults)"
        )
    # Mesa's agent objects are views the run does not need: built on first use only (same results)
    model = RedCycleModel(rng=seed, **{"agent_objects": "lazy", **params}).run(steps)
    out: dict[str, Any] = model.final_outcomes()
    out["timeseries"] = {k: np.asarray(v) for k, v in model.datacollector.model_vars.items()}
    return out
