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
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

SERIES = (
    "participation_index",
    "volunteered_past_year",
    "share_volunteering",
    "share_engaged",
    "needs_met",
    "sense_of_gain",
    "mean_trust",
    "incentive_credibility",
    "points_held",
    "pool_balance",
    "n_teams",
    "norm",
)


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


def progress(
    iterable=None,
    total: int | None = None,
    desc: str = "",
    unit: str = "run",
    enabled: bool | None = None,
    leave: bool = True,
):
    """A progress bar with the time left (tqdm), on stderr: shown on a terminal once the work has
    taken a second, quiet in logs and pipes (``enabled`` forces it on or off)."""
    import sys

    from tqdm.auto import tqdm

    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, delay=1.0, disable=disable, leave=leave)


ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
"""Each worker process uses one BLAS/OpenMP thread: the processes are the parallelism."""


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes with one BLAS/OpenMP thread each."""
    for name, value in ONE_THREAD.items():
        os.environ.setdefault(name, value)  # inherited by the spawned workers
    # spawn: clean workers on every OS (forking a process that runs threads can deadlock)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_leave_interrupts_to_the_parent,
        initargs=(os.getpid(), threading.current_thread() is threading.main_thread()),
    )


@contextmanager
def workers_pool(workers: int | None) -> Iterator[ProcessPoolExecutor | None]:
    """A process pool of ``workers`` processes, stopped on the way out; None (run in this process)
    when ``workers`` is None or at most 1."""
    if not workers or workers <= 1:
        yield None
        return
    with process_pool(workers) as pool:
        yield pool


def _leave_interrupts_to_the_parent(parent: int | None = None, main_thread: bool = False) -> None:
    """Workers ignore Ctrl-C (the parent stops them: no traceback from every worker) and end when
    the parent process is gone, however it died (a kill -9 of the main process leaves no worker)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        exit_with_parent(parent, signal_too=main_thread)


WATCH_SECONDS = 0.5
"""How often a worker checks that its parent is alive."""


def exit_with_parent(parent: int, signal_too: bool = True) -> None:
    """End this process as soon as ``parent`` is no longer its parent: a watchdog thread polling the
    parent id (everywhere), and, with ``signal_too``, at once through Linux's parent-death signal (it
    follows the thread that started the worker, so only for workers started by the main thread)."""
    import ctypes
    import signal
    import threading
    import time

    if signal_too:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (AttributeError, OSError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    if os.getppid() != parent:  # the parent died before the watch began
        os._exit(1)
    threading.Thread(target=watch, name="redcycle-parent-watch", daemon=True).start()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what has not started and end the workers (on Ctrl-C)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def map_unordered(
    func: Callable[[Any], Any], tasks: dict[Any, Any], workers: int | None = None, client: Any = None, retries: int = 3
) -> Iterator[tuple[Any, Any]]:
    """``(key, func(task))`` for every task, as each finishes: in this process (1 worker), on a pool of
    processes (all cores by default) or on a Dask ``client``. At most two tasks per worker are in
    flight, so the results need not fit in memory; a pool that loses a worker is rebuilt and the
    unfinished tasks are run again (up to ``retries`` times)."""
    pending = dict(tasks)
    if client is not None:
        yield from _map_dask(func, pending, client)
        return
    workers = max(1, min(len(pending), workers or os.cpu_count() or 1))
    if workers == 1:
        for key, task in pending.items():
            yield key, func(task)
        return
    for attempt in range(retries + 1):
        try:
            with process_pool(workers) as pool:
                queue = iter(list(pending))
                running = {}
                for key in queue:
                    running[pool.submit(func, pending[key])] = key
                    if len(running) >= 2 * workers:
                        break
                try:
                    while running:
                        done, _ = wait(running, return_when=FIRST_COMPLETED)
                        for future in done:
                            key = running.pop(future)
                            result = future.result()
                            del pending[key]
                            yield key, result
                            nxt = next(queue, None)
                            if nxt is not None:
                                running[pool.submit(func, pending[nxt])] = nxt
                except (KeyboardInterrupt, GeneratorExit):
                    _stop(pool)
                    raise
            return
        except BrokenProcessPool:
            if attempt == retries:
                raise


def _map_dask(func, pending: dict, client) -> Iterator[tuple[Any, Any]]:
    from dask.distributed import as_completed

    workers = max(1, len(client.scheduler_info().get("workers", {})) or 1)
    queue = iter(list(pending))
    keys = {}
    first = []
    for key in queue:
        future = client.submit(func, pending[key], pure=False)
        keys[future.key] = key
        first.append(future)
        if len(first) >= 2 * workers:
            break
    flow = as_completed(first)
    for future in flow:
        key = keys.pop(future.key)
        result = future.result()
        future.release()
        yield key, result
        nxt = next(queue, None)
        if nxt is not None:
            new = client.submit(func, pending[nxt], pure=False)
            keys[new.key] = nxt
            flow.add(new)


def run_many(
    configs: dict[str, dict[str, Any]], seeds: Iterable[int], weeks: int, processes: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every configuration at every seed; returns (weekly series, rounds), tidy, in a fixed order."""
    seeds = [int(seed) for seed in seeds]
    # seed-major: consecutive jobs share a seed, so a worker's cached burn-in (model/burnin.py) is
    # settled once per seed and community
    jobs = [(label, params, seed, weeks) for seed in seeds for label, params in configs.items()]
    done = dict(
        progress(
            map_unordered(run_one, dict(enumerate(jobs)), processes),
            total=len(jobs),
            desc=", ".join(configs)[:40],
            leave=False,
        )
    )
    k = len(configs)  # back to configuration-major order
    results = [done[j * k + i] for i in range(k) for j in range(len(seeds))]
    series = pd.concat([r["series"] for r in results], ignore_index=True)
    rounds = pd.concat([r["rounds"] for r in results], ignore_index=True)
    return series, rounds


def final_outcomes(job: tuple[dict[str, Any], int, str | None, str | None]) -> dict[str, Any]:
    """One replication of a run (``run --reps``): (parameters with the timeline as ``events``, seed,
    graph file, residents file) -> ``seed`` and its final outcomes. The worker reads the files itself."""
    from model import RedCycleModel, read_graph_file

    params, seed, graph_file, residents_file = job
    graph = read_graph_file(graph_file) if graph_file else None
    model = RedCycleModel(graph=graph, residents=residents_file, rng=seed, **{"agent_objects": "lazy", **params}).run()
    return {"seed": seed, **model.final_outcomes()}


def replication_summary(rows: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t interval over the replications (``rows``: one per seed) of each numeric outcome."""
    out = []
    for col in rows.columns:
        numeric = pd.api.types.is_numeric_dtype(rows[col]) and not pd.api.types.is_bool_dtype(rows[col])
        if col not in ("seed", "week") and numeric:
            m, low, high = mean_ci(rows[col].to_numpy(dtype=float), confidence)
            out.append({"outcome": col, "mean": m, "low": low, "high": high})
    return pd.DataFrame(out)


def replication_report(rows: pd.DataFrame, scenario: str) -> str:
    """replications.md: the summary of ``run --reps`` as a table a person reads."""
    from model.glossary import OUTCOMES

    table = replication_summary(rows)
    seeds = rows["seed"].astype(int)
    lines = [
        f"# {scenario}: {len(rows)} replications",
        "",
        f"Seeds {seeds.min()} to {seeds.max()}, one run each with the same parameters; the other files of "
        f"this folder are the run with seed {seeds.iloc[0]}. Mean over the replications of each final outcome, "
        f"with its 95% interval (t, {len(rows) - 1} degrees of freedom).",
        "",
    ]
    if len(rows) < 2:
        lines += ["One replication gives no interval: run with `--reps 2` or more.", ""]
    cells = pd.DataFrame(
        {
            "outcome": table["outcome"],
            "meaning": [OUTCOMES[o].en if o in OUTCOMES else "" for o in table["outcome"]],
            "mean": [f"{v:.4g}" for v in table["mean"]],
            "95% interval": [f"[{lo:.4g}, {hi:.4g}]" for lo, hi in zip(table["low"], table["high"], strict=True)],
        }
    )
    return "\n".join([*lines, markdown_table(cells), ""])


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
    half = float(_t_quantile(confidence, n - 1) * d.std(ddof=1) / np.sqrt(n))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": n}


def _t_quantile(confidence: float, dof) -> float:
    from scipy import stats  # imported when needed: it takes about a second, which every sweep would pay

    return stats.t.ppf(0.5 + confidence / 2, dof)


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if len(v) < 2:
        return m, m, m
    half = float(_t_quantile(confidence, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return m, m - half, m + half


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of a small DataFrame (no extra dependency)."""
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])
