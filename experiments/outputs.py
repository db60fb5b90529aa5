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
* ``spiral.png``: the participation index on a polar clock of the round's six phases.

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
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def varied_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters whose value differs from the schema default."""
    return {k: v for k, v in params.items() if k in DEFAULTS and v != DEFAULTS[k]}


def tidy_table(model, scenario: str) -> pd.DataFrame:
    """One row per week: scenario, seed, varied parameters, then the outcomes."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    front = {"scenario": scenario, "seed": model.seed}
    front.update(varied_parameters(model.p))
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


def summary(model, scenario: dict[str, Any], seconds: float, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest: what was run (command, input files with their hashes, every parameter, seed) and
    what came out; ``run.py rerun`` reproduces a run from it."""
    return {
        "tool": folders.TOOL,
        "files": list(folders.RESULT_FILES),
        **(inputs or {}),
        "scenario": scenario.get("name"),
        "question": scenario.get("question", ""),
        "scenario_file": scenario.get("path"),
        "seed": model.seed,
        "weeks": model.steps,
        "n_residents": model.community.n,
        "n_ties": model.community.n_ties,
        "parameters": model.p,
        "varied_parameters": varied_parameters(model.p),
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
def staged_folder(out: Path, may_replace=folders.replaceable, files=folders.RESULT_FILES):
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


def write_results(model, scenario: dict[str, Any], out_dir: str | os.PathLike, seconds: float,
                  inputs: dict[str, Any] | None = None) -> Path:
    """Write the run's outputs into ``out_dir``, replacing a previous result of this tool there
    (never anything else: :func:`experiments.folders.check_target` refuses first); return the folder.

    ``inputs`` adds the command line and input files (paths and SHA-256) to the manifest.
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
        plot_spiral(table, model.p["round_weeks"], tmp / "spiral.png", title=title)
        # last: a folder with it is whole; a non-UTF-8 file name becomes a JSON escape (\udcff),
        # which json.load reads back to the same name
        with open(tmp / "summary.json", "w", encoding="utf-8", errors="backslashreplace") as fh:
            json.dump(summary(model, scenario, seconds, inputs), fh, indent=2, ensure_ascii=False, default=_jsonable)
    return out
