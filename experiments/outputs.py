"""Tidy outputs: the time series, a manifest (summary.json) and a figure, written atomically.

Every output folder holds:

* ``timeseries.csv`` and ``timeseries.parquet``: one row per week, with the scenario, the seed
  and the parameters that differ from the defaults as columns (tidy: ready to stack with other
  runs);
* ``summary.json``: scenario, question, every parameter, seed, package versions, git commit,
  final outcomes, run time;
* ``rounds.csv``: one row per completed round of the micro-cycle: its outcomes, their gain over
  the round before and whether the community ended the round higher (``spiral_up``);
* ``rung_shares.png``: the share of residents on each rung over time;
* ``spiral.png``: the participation index on a polar clock of the round's six phases, one turn a
  round, with the same community and seed under a reference model dashed beside it (the loop-cut
  twin, or the status quo: ``run.py``'s ``reference_run``).

The folder is written under a temporary name beside the target and put in place by one atomic
rename; a folder is replaced only when it holds a previous result of this tool and nothing else
(:mod:`experiments.folders`), so a failure or a kill never leaves a half-written result and never
deletes anything else.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.params import DEFAULTS

from . import folders

PACKAGES = ("mesa", "numpy", "scipy", "networkx", "pandas", "pyarrow", "matplotlib")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str:
    """The project's commit, with ``-dirty`` when the work tree has changes; ``unknown`` outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def varied_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters whose value differs from the schema default."""
    return {k: v for k, v in params.items() if k in DEFAULTS and v != DEFAULTS[k]}


def weekly_parameters(model, weeks) -> dict[str, list[Any]]:
    """Each parameter that differs from its default at some week, with its value in force at each of
    ``weeks`` (week 0: the starting values; week w: the values its step ran with, a timeline's
    changes included), in the schema's order."""
    start = getattr(model, "initial_parameters", model.p)
    changed = {c["parameter"] for c in model.changes}
    names = [k for k in start if k in DEFAULTS and (start[k] != DEFAULTS[k] or k in changed)]
    columns: dict[str, list[Any]] = {}
    for name in names:
        steps = [(c["week"], c["after"]) for c in model.changes if c["parameter"] == name]
        values = []
        for week in weeks:
            value = start[name]
            for at, after in steps:
                if 1 <= at <= week:
                    value = after
            values.append(value)
        columns[name] = values
    return columns


def tidy_table(model, scenario: str) -> pd.DataFrame:
    """One row per week: scenario, seed, the parameters that differ from the defaults (each week's
    values), then the outcomes."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    front: dict[str, Any] = {"scenario": scenario, "seed": model.seed}
    front.update(weekly_parameters(model, df["week"].tolist()))
    for i, (k, v) in enumerate(front.items()):
        df.insert(i, k, v)
    return df


def _jsonable(x):
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def file_record(path: str | os.PathLike) -> dict[str, str]:
    """An input file as the manifest records it: its absolute path and the SHA-256 of its bytes."""
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return {"path": os.path.abspath(path), "sha256": digest}


def run_inputs(
    argv: list[str], scenario: dict[str, Any], params: dict[str, Any], graph_file=None, residents_file=None
) -> dict[str, Any]:
    """What a run reads, for its manifest: the command, the scenario's files, the graph and residents
    files, and the files the model itself reads (the burn-in's scenario), each with its SHA-256."""
    from model import burnin
    from model.params import validate

    records = {}
    for key, path in (("graph_file", graph_file), ("residents_file", residents_file)):
        try:
            records[key] = file_record(path) if path and os.path.isfile(path) else None
        except OSError:
            records[key] = None  # reading the file says what is wrong with it, in one line
    return {
        "command": ["run.py", *argv],
        "cwd": os.getcwd(),
        "scenario_files": [file_record(f) for f in scenario["files"]],
        **records,
        "model_files": [file_record(f) for f in burnin.input_files(validate(params))],
    }


class ManifestError(ValueError):
    """A result folder whose manifest cannot be rerun (a one-line message)."""


def read_manifest(folder: Path) -> dict[str, Any]:
    """A run's summary.json, checked for what ``rerun`` needs (a hand-edited one gets one line)."""
    what = (
        f"'{folder}' holds no manifest of this tool that records its inputs (summary.json with "
        "scenario_files and graph_file); allowed: a result folder written by run.py"
    )
    try:
        with open(folder / "summary.json", encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError, RecursionError):
        raise ManifestError(what) from None
    if not isinstance(manifest, dict) or manifest.get("tool") != folders.TOOL:
        raise ManifestError(what)
    kinds = {"parameters": dict, "seed": int, "scenario_files": list, "events": list, "model_files": list}
    for key, kind in kinds.items():
        if key in ("events", "model_files") and key not in manifest:
            continue  # written before these were recorded
        if key not in manifest or not isinstance(manifest[key], kind) or isinstance(manifest[key], bool):
            raise ManifestError(
                f"'{folder}/summary.json' has no valid '{key}' (a {kind.__name__}); it was edited "
                "by hand or not written by this tool; allowed: a manifest as run.py writes it"
            )
    for key in ("scenario", "question"):
        if not isinstance(manifest.get(key, ""), str):
            raise ManifestError(
                f"'{folder}/summary.json' has '{key}' = {str(manifest[key])[:40]!r}, not text; "
                "allowed: a manifest as run.py writes it"
            )
    recorded_files(manifest, check=True, folder=folder)
    return manifest


def same_bytes(a: Path, b: Path) -> bool:
    """Both files readable and byte for byte the same (a file gone or unreadable differs)."""
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def recorded_files(manifest: dict[str, Any], check: bool = False, folder: Path | None = None) -> list[dict[str, str]]:
    """Every input file a manifest records (scenario, burn-in, graph, residents)."""
    records = [
        *manifest.get("scenario_files", []),
        *manifest.get("model_files", []),
        *(manifest.get(k) for k in ("graph_file", "residents_file") if manifest.get(k)),
    ]
    for r in records:
        if check and not (isinstance(r, dict) and isinstance(r.get("path"), str) and isinstance(r.get("sha256"), str)):
            raise ManifestError(
                f"'{folder}/summary.json' records an input file as {str(r)[:60]!r}; allowed: "
                '{"path": ..., "sha256": ...} as run.py writes it'
            )
    return records


def changed_input(manifest: dict[str, Any], folder: Path) -> str | None:
    """Why the run in ``folder`` cannot be reproduced as it was (an input gone or changed), or None."""
    for rec in recorded_files(manifest):
        try:
            now = file_record(rec["path"])["sha256"]
        except (OSError, ValueError):
            return f"input file '{rec['path']}' of the run in '{folder}' is gone; allowed: the same file"
        if now != rec["sha256"]:
            return (
                f"input file '{rec['path']}' changed since the run in '{folder}' (SHA-256 was "
                f"{rec['sha256'][:12]}…, is {now[:12]}…); allowed: the file as it was"
            )
    return None


def summary(
    model,
    scenario: dict[str, Any],
    seconds: float,
    inputs: dict[str, Any] | None = None,
    files: tuple[str, ...] = folders.RESULT_FILES,
) -> dict[str, Any]:
    """The manifest: what was run (command, input files with their hashes, every parameter, seed) and
    what came out; ``run.py rerun`` reproduces a run from it."""
    return {
        "tool": folders.TOOL,
        "files": list(files),
        **(inputs or {}),
        "scenario": scenario.get("name"),
        "question": scenario.get("question", ""),
        "scenario_file": scenario.get("path"),
        "seed": model.seed,
        "weeks": model.steps,
        "n_residents": model.community.n,
        "n_ties": model.community.n_ties,
        "parameters": getattr(model, "initial_parameters", model.p),  # at week 0; then the events
        "varied_parameters": varied_parameters(getattr(model, "initial_parameters", model.p)),
        "events": getattr(model, "timeline", []),
        "events_not_reached": getattr(model, "events_pending", []),
        "parameters_at_end": model.p.as_dict(),
        "final": model.final_outcomes(),
        "mechanisms_on": list(model.mechanisms),
        "changes": model.changes,
        "pool": {"balance": model.pool.balance, "inflows": model.pool.inflows(), "outflows": model.pool.outflows()},
        "rounds": model.recorder.rounds,
        "versions": versions(),
        "commit": git_commit(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_seconds": round(seconds, 4),
    }


@contextmanager
def staged_folder(out: Path, may_replace=folders.replaceable, files=folders.OWN_FILES):
    """Yield a new hidden folder beside ``out`` to write into. When the block ends without error it is put
    in place by one atomic rename (experiments/folders.py): onto a free name, or swapped with what is at
    ``out`` if ``may_replace`` accepts it then (checked again at that moment). On any error it is removed,
    with any parent folders made for it, and ``out`` is left as it was. Nothing else beside ``out`` is
    touched, except the hidden folders of killed runs that hold nothing but ``files``."""
    made = folders.make_parents(out)
    tmp = None
    ours: set[str] | None = None  # once the folder may have been under the target's name: what we wrote
    try:
        folders.clean_leftovers(out, files)
        tmp = folders.temporary_folder(out)
        yield tmp
        ours = {p.name for p in tmp.iterdir()} | set(files)
        folders.put_in_place(tmp, out, may_replace, ours)
    except BaseException:
        if tmp is not None and tmp.exists():
            if ours is None:  # never visible under the target's name: all of it is ours
                shutil.rmtree(tmp, ignore_errors=True)
            else:  # an undone exchange: only our own files by name, never a user's that reached it
                folders.remove_own(tmp, ours)
        folders.remove_empty(made)
        raise


def write_results(
    model,
    scenario: dict[str, Any],
    out_dir: str | os.PathLike,
    seconds: float,
    inputs: dict[str, Any] | None = None,
    replications: pd.DataFrame | None = None,
    twin: tuple[pd.DataFrame, str] | None = None,
) -> Path:
    """Write the run's outputs into ``out_dir``, replacing a previous result of this tool there
    (never anything else: :func:`experiments.folders.check_target` refuses first); return the folder.

    ``inputs`` adds the command line and input files (paths and SHA-256) to the manifest;
    ``replications`` (one row per seed: ``seed`` and the final outcomes) adds replications.csv and
    replications.md (mean and 95% interval of each outcome); ``twin`` (the weekly participation index
    of the same community and seed under a reference model, and its name) is drawn dashed on the
    spiral and recorded in the manifest.
    """
    out = folders.check_target(out_dir)
    with staged_folder(out) as tmp:
        name = scenario.get("name", "custom")
        table = tidy_table(model, name)
        table.to_csv(tmp / "timeseries.csv", index=False)
        with open(tmp / "timeseries.parquet", "wb") as fh:  # a handle: pyarrow cannot open non-UTF-8 names
            table.to_parquet(fh, index=False)
        rounds = model.rounds
        rounds.insert(0, "seed", model.seed)
        rounds.insert(0, "scenario", name)
        rounds.to_csv(tmp / "rounds.csv", index=False)
        from .plotting import plot_rung_shares, plot_spiral

        title = f"{name} (seed {model.seed})"
        plot_rung_shares(table, model.rung_names, tmp / "rung_shares.png", title=title)
        twin_table, twin_label = twin if twin is not None else (None, "")
        plot_spiral(
            table, model.p["round_weeks"], tmp / "spiral.png", title=title, twin=twin_table, twin_label=twin_label
        )
        if twin is not None:
            inputs = {
                **(inputs or {}),
                "spiral_reference": {
                    "name": twin_label,
                    "final_participation_index": float(twin_table["participation_index"].iloc[-1]),
                },
            }
        # last: a folder with it is whole; a non-UTF-8 file name becomes a JSON escape (\udcff),
        # which json.load reads back to the same name
        files = folders.RESULT_FILES
        if replications is not None:
            from .replications import replication_report

            replications.to_csv(tmp / "replications.csv", index=False)
            (tmp / "replications.md").write_text(replication_report(replications, name), encoding="utf-8")
            files = folders.OWN_FILES
            inputs = {
                **(inputs or {}),
                "replications": {"n": len(replications), "seeds": [int(s) for s in replications["seed"]]},
            }
        with open(tmp / "summary.json", "w", encoding="utf-8", errors="backslashreplace") as fh:
            json.dump(
                summary(model, scenario, seconds, inputs, files), fh, indent=2, ensure_ascii=False, default=_jsonable
            )
    return out
