"""Replicated runs and paired comparisons, for the questions, the calibration and the docs.

Runs are independent processes' work: ``run_many`` spreads (configuration, seed) pairs over a
process pool; each run is determined by its parameters and seed alone, so the result is the same
with 1 or 16 processes. Comparisons are *paired*: the same seed gives two configurations the same
community, the same initial state and the same draws in every part they share (one random stream
per part), so the difference isolates the configuration.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

SERIES = ("participation_index", "volunteered_past_year", "share_volunteering", "share_engaged", "needs_met",
          "sense_of_gain", "mean_trust", "incentive_credibility", "points_held", "pool_balance", "n_teams", "norm")


def run_one(job: tuple[str, dict[str, Any], int, int]) -> dict[str, Any]:
    """One run: (label, parameters, seed, weeks) -> its weekly series and its rounds."""
    from model import RedCycleModel

    label, params, seed, weeks = job
    model = RedCycleModel(rng=seed, **params).run(weeks)
    series = model.datacollector.get_model_vars_dataframe()[["week", *SERIES]].copy()
    series.insert(0, "seed", seed)
    series.insert(0, "config", label)
    rounds = model.rounds
    rounds.insert(0, "seed", seed)
    rounds.insert(0, "config", label)
    return {"series": series, "rounds": rounds}


def run_many(configs: dict[str, dict[str, Any]], seeds: Iterable[int], weeks: int,
             processes: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every configuration at every seed; returns (weekly series, rounds), tidy, in a fixed order."""
    seeds = [int(seed) for seed in seeds]
    # seed-major, one chunk per seed: a worker runs every configuration of a seed in turn, so the
    # community's burn-in (model/burnin.py, cached per process) is settled once per seed
    jobs = [(label, params, seed, weeks) for seed in seeds for label, params in configs.items()]
    processes = min(len(jobs), processes or os.cpu_count() or 1)
    if processes <= 1:
        results = [run_one(job) for job in jobs]
    else:
        # spawn: clean workers on every OS (forking a process that runs threads can deadlock)
        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(run_one, jobs, chunksize=max(1, len(configs))))
    k = len(configs)  # back to configuration-major order
    results = [results[j * k + i] for i in range(k) for j in range(len(seeds))]
    series = pd.concat([r["series"] for r in results], ignore_index=True)
    rounds = pd.concat([r["rounds"] for r in results], ignore_index=True)
    return series, rounds


def at_week(series: pd.DataFrame, week: int, outcome: str) -> pd.DataFrame:
    """A configs x seeds table of one outcome at one week."""
    return series[series["week"] == week].pivot(index="seed", columns="config", values=outcome)


def paired_difference(table: pd.DataFrame, a: str, b: str, confidence: float = 0.95) -> dict[str, float]:
    """Mean of a - b over seeds with a t confidence interval (paired by seed)."""
    d = (table[a] - table[b]).to_numpy(dtype=float)
    n = len(d)
    mean = float(d.mean())
    if n < 2 or d.std(ddof=1) == 0:
        return {"mean": mean, "low": mean, "high": mean, "n": n}
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * d.std(ddof=1) / np.sqrt(n))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": n}


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + confidence / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return m, m - half, m + half


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of a small DataFrame (no extra dependency)."""
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])
