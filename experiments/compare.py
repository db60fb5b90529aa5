"""Scenario comparison with common random numbers, for policy analysts: a report without Python.

    uv run run.py compare red_microcycle status_quo policy_from_year2 --reps 30 --out results/compare

Replication k of every scenario runs with the same seed (``seed_for(seed, k)``): the same
community, initial state and draws in every part the scenarios share, so differences are paired.
The folder holds ``report.md`` (for each main outcome at years 1, 3, 5 within the run and at the
end: mean, 95% interval, the difference from the first scenario with its paired interval, and the
paired effect size d_z = mean difference / sd of the differences), ``timeseries.png`` (means with
95% bands), ``intervals.png`` (end-of-run intervals side by side), ``runs.parquet`` (one row per
scenario x replication), ``timeseries.parquet`` and ``manifest.json``; it is written under a
temporary name and renamed when done.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.params import PARAMS, validate
from model.scenarios import read_scenario
from model.timeline import check_events

from .replications import markdown_table, mean_ci, paired_difference
from .sweep import MAIN_OUTCOMES, SpecError, outcome_names, run_batch, seed_for

YEARS = (1, 3, 5)


def plan(scenarios: list[str], reps: int, steps: int | None = None, seed: int = 1,
         overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check everything before anything runs: the scenarios, the overrides, the steps."""
    if not scenarios:
        raise SpecError("compare needs at least one scenario; allowed: names from 'run.py scenarios' or .toml paths")
    if reps < 1:
        raise SpecError(f"--reps must be >= 1, got {reps}")
    if seed < 0:
        raise SpecError(f"--seed must be a non-negative integer, got {seed}")
    entries = []
    for name in scenarios:
        s = read_scenario(name)
        params = {**s["parameters"], **(overrides or {})}
        if steps is not None:
            params["steps"] = PARAMS["steps"].check(steps)
        full = validate(params)
        check_events(full, s["events"])
        entries.append({"name": s["name"], "params": params, "events": s["events"], "steps": full["steps"]})
    labels = [e["name"] for e in entries]
    if len(set(labels)) != len(labels):
        twice = next(x for x in labels if labels.count(x) > 1)
        raise SpecError(f"scenario '{twice}' is named twice; allowed: each once")
    return {"scenarios": entries, "reps": reps, "seed": seed, "overrides": overrides or {},
            "outcome_columns": outcome_names(entries[0]["params"])}


def run_compare(p: dict[str, Any], workers: int | None = None, client: Any = None,
                progress: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every scenario x replication: (runs, weekly time series), tidy."""
    from .replications import map_unordered
    from .replications import progress as progress_bar

    tasks = {}
    for i, e in enumerate(p["scenarios"]):
        for k in range(p["reps"]):
            tasks[(i, k)] = {"base": e["params"], "events": e["events"], "steps": e["steps"],
                             "outcome_columns": p["outcome_columns"], "timeseries": list(MAIN_OUTCOMES), "every": 1,
                             "runs": [{"run_id": i * p["reps"] + k, "sample_id": i, "replication": k,
                                       "seed": seed_for(p["seed"], k), "point": {}}]}
    rows, series = {}, {}
    with progress_bar(total=len(tasks), desc="compare", enabled=progress) as bar:
        for key, result in map_unordered(run_batch, tasks, workers, client):
            rows[key], series[key] = result["rows"], result["series"]
            bar.update(1)
    names = [e["name"] for e in p["scenarios"]]
    runs = pd.concat([rows[k] for k in sorted(rows)], ignore_index=True)
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        raise SpecError(f"run {int(failed['run_id'].iloc[0])} failed: {failed['status'].iloc[0]}")
    runs.insert(0, "scenario", [names[i] for i in runs["sample_id"]])
    def value(i: int, name: str):
        return p["scenarios"][i]["params"].get(name, PARAMS[name].default)

    keys = sorted({k for e in p["scenarios"] for k in e["params"]})
    varied = [k for k in keys if len({repr(value(i, k)) for i in range(len(names))}) > 1]  # differ between scenarios
    for j, name in enumerate(varied):
        runs.insert(3 + j, name, [value(i, name) for i in runs["sample_id"]])
    runs = runs.drop(columns=["sample_id", "run_id", "traceback"])
    ts = pd.concat([series[k] for k in sorted(series)], ignore_index=True)
    ts.insert(0, "scenario", [names[i] for i in ts["sample_id"]])
    ts = ts.drop(columns=["sample_id", "run_id"])
    return runs, ts


def report(p: dict[str, Any], runs: pd.DataFrame, ts: pd.DataFrame) -> str:
    names = [e["name"] for e in p["scenarios"]]
    first = names[0]
    end = int(ts["week"].max())
    weeks = [(f"year {y}", 52 * y) for y in YEARS if 52 * y < end] + [(f"end (week {end})", end)]
    lines = [f"# Scenario comparison: {', '.join(names)}", "",
             f"{p['reps']} replications per scenario with common random numbers (replication k of every "
             f"scenario uses the same seed; base seed {p['seed']}). Intervals are 95% t intervals over "
             f"replications; differences are paired by replication (scenario minus **{first}**); "
             "d_z = mean difference / standard deviation of the differences (|d_z| ≥ 0.8 is large).", ""]
    if p["overrides"]:
        lines += ["Set for every scenario: " + ", ".join(f"`{k} = {v}`" for k, v in p["overrides"].items()), ""]
    for outcome in MAIN_OUTCOMES:
        lines += [f"## {outcome}", ""]
        rows = []
        for label, week in weeks:
            table = ts[ts["week"] == week].pivot(index="replication", columns="scenario", values=outcome)
            for name in names:
                m, lo, hi = mean_ci(table[name].to_numpy())
                row = {"when": label, "scenario": name, "mean": f"{m:.3f}", "95% interval": f"[{lo:.3f}, {hi:.3f}]"}
                if name == first:
                    row.update({f"difference from {first}": "", "paired 95% interval": "", "d_z": ""})
                else:
                    d = paired_difference(table, name, first)
                    diffs = (table[name] - table[first]).to_numpy(dtype=float)
                    sd = diffs.std(ddof=1) if len(diffs) > 1 else 0.0
                    dz = d["mean"] / sd if sd > 0 else float("nan")
                    row.update({f"difference from {first}": f"{d['mean']:+.3f}",
                                "paired 95% interval": f"[{d['low']:+.3f}, {d['high']:+.3f}]", "d_z": f"{dz:+.2f}"})
                rows.append(row)
        lines += [markdown_table(pd.DataFrame(rows)), ""]
    lines += ["![time series](timeseries.png)", "", "![end-of-run intervals](intervals.png)", ""]
    return "\n".join(lines)


def plot(p: dict[str, Any], ts: pd.DataFrame, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [e["name"] for e in p["scenarios"]]
    fig, axes = plt.subplots(2, 3, figsize=(14, 7), sharex=True)
    for ax, outcome in zip(axes.flat, MAIN_OUTCOMES, strict=True):
        for name in names:
            g = ts[ts["scenario"] == name].groupby("week")[outcome]
            mean, sem, n = g.mean(), g.sem().fillna(0.0), g.count()
            from scipy import stats

            half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sem
            ax.plot(mean.index, mean.values, label=name)
            ax.fill_between(mean.index, mean - half, mean + half, alpha=0.25)
        ax.set_title(outcome)
        ax.set_xlabel("week")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "timeseries.png", dpi=100)
    plt.close(fig)
    end = ts[ts["week"] == ts["week"].max()]
    fig, axes = plt.subplots(1, len(MAIN_OUTCOMES), figsize=(3 * len(MAIN_OUTCOMES), 3.5))
    for ax, outcome in zip(axes, MAIN_OUTCOMES, strict=True):
        for i, name in enumerate(names):
            m, lo, hi = mean_ci(end[end["scenario"] == name][outcome].to_numpy())
            ax.errorbar([i], [m], yerr=[[m - lo], [hi - m]], fmt="o", capsize=4)
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
        ax.set_title(outcome, fontsize=9)
    fig.tight_layout()
    fig.savefig(folder / "intervals.png", dpi=100)
    plt.close(fig)


def write_compare(p: dict[str, Any], runs: pd.DataFrame, ts: pd.DataFrame, out: str | os.PathLike) -> Path:
    """Write the comparison folder under a temporary name, then rename it into place."""
    from .outputs import git_commit, staged_folder, versions

    out = Path(out)
    check_folder(out, plan_digest(p))
    with staged_folder(out, may_replace(plan_digest(p)), FILES) as tmp:
        runs.to_parquet(tmp / "runs.parquet", index=False)
        ts.to_parquet(tmp / "timeseries.parquet", index=False)
        (tmp / "report.md").write_text(report(p, runs, ts), encoding="utf-8")
        plot(p, ts, tmp)
        manifest = {"kind": "compare", "digest": plan_digest(p), "scenarios": p["scenarios"], "reps": p["reps"],
                    "seed": p["seed"],
                    "seeds": [seed_for(p["seed"], k) for k in range(p["reps"])], "overrides": p["overrides"],
                    "versions": versions(), "commit": git_commit()}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return out


def plan_digest(p: dict[str, Any]) -> str:
    import hashlib

    text = json.dumps({k: p[k] for k in ("scenarios", "reps", "seed", "overrides")}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


FILES = ("report.md", "runs.parquet", "timeseries.parquet", "timeseries.png", "intervals.png", "manifest.json")


def may_replace(digest: str):
    """The test a folder must pass to be replaced by this comparison: empty, or this same comparison's
    files (its manifest's digest) and nothing else."""
    from .folders import holds_only_own

    return lambda folder: holds_only_own(folder, FILES, "manifest.json", lambda m, _: m.get("digest") == digest)


def check_folder(out: Path, digest: str) -> None:
    """A comparison may fill a new or empty folder, or redo the same comparison; nothing else."""
    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink() or not out.is_dir():
        raise SpecError(f"--out '{out}' exists and is not a folder; allowed: a new or empty folder, or an earlier "
                        "comparison")
    if not may_replace(digest)(out):
        raise SpecError(f"--out '{out}' holds another experiment or files this comparison did not write; allowed: "
                        "a new or empty folder, or this same comparison (its files alone)")
