"""Parameter sweeps: an experiment file, a design, runs streamed to a parquet dataset, resumable.

An experiment file (TOML, like NetLogo's BehaviorSpace) has one ``[sweep]`` table::

    [sweep]
    scenario = "red_microcycle"   # the base scenario (a name or a .toml path)
    design = "lhs"                # factorial | lhs | points | morris | sobol
    samples = 64                  # lhs: points; morris: trajectories; sobol: base samples (a power of 2)
    replications = 3              # seeds per point; replication k of every point uses the same seed
    steps = 156                   # weeks per run
    seed = 1                      # the base seed; replication k runs with seed_for(seed, k)
    outcomes = ["participation_index", "volunteered_past_year"]   # for sensitivity (default: main outcomes)
    timeseries = ["participation_index"]   # weekly outcomes to keep in DIR/timeseries/ (default: none)
    every = 4                     # keep every 4th week of those (default: 1)
    [sweep.fixed]                 # parameters set for every run
    n_residents = 2000
    [sweep.ranges]                # lhs, morris, sobol (and factorial with `levels`): [low, high]
    org_role = [0.0, 1.0]
    [sweep.values]                # factorial: every combination; points: the i-th value of each list
    survey_method = ["scoring", "random"]

Runs go in batches (``batch`` runs per task; by default about a million resident-weeks of work,
fixed by the spec so a resumed sweep has the same batches); each finished batch is one parquet file of ``DIR/runs/`` (and ``DIR/timeseries/``),
written under a temporary name and renamed, so a sweep killed at any moment resumes with the same
command, redoing no finished batch. A run that raises is a row with its error in ``status``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import time
import tomllib
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.params import PARAMS, ParameterError, unknown_name_error, validate
from model.resources import project_path
from model.scenarios import read_scenario
from model.timeline import check_events

DESIGNS = ("factorial", "lhs", "points", "morris", "sobol")
MAIN_OUTCOMES = (
    "participation_index",
    "volunteered_past_year",
    "share_volunteering",
    "needs_met",
    "sense_of_gain",
    "mean_trust",
)
SPEC_KEYS = {
    "scenario",
    "design",
    "samples",
    "replications",
    "steps",
    "seed",
    "outcomes",
    "timeseries",
    "every",
    "levels",
    "batch",
    "fixed",
    "ranges",
    "values",
    "num_levels",
}
MORRIS_LEVELS = 4


class SpecError(ParameterError):
    """An experiment file or option that cannot be run (a one-line message)."""


def seed_for(base: int, replication: int) -> int:
    """The seed of replication ``k``: the same for every point or scenario (common random numbers)."""
    return int(np.random.SeedSequence([base, replication]).generate_state(1, np.uint32)[0])


# ---------------------------------------------------------------------------- the spec ------
SPEC_DIR = project_path("sweeps")
"""Named experiment files (``run.py sweep levers_lhs`` reads ``sweeps/levers_lhs.toml``; in an installed
wheel, the copy shipped in the package)."""


def spec_path(name_or_path: str | os.PathLike) -> Path:
    from model.scenarios import check_path_length

    text = os.fspath(name_or_path)
    check_path_length(text, "experiment")
    if text.endswith(".toml") or "/" in text or os.sep in text:
        return Path(text)
    path = SPEC_DIR / f"{text}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SPEC_DIR.glob("*.toml")))
        raise SpecError(f"unknown experiment '{text}'; available: {known} (or a path to a .toml file)")
    return path


def read_table(path: str | os.PathLike, table: str, error: type[Exception] = SpecError) -> tuple[Path, dict]:
    """The experiment file's path and its one ``[table]`` (a copy), or ``error`` in one line."""
    p = spec_path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))  # a byte-order mark is no error
    except FileNotFoundError:
        raise error(f"experiment file '{p}' not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"experiment file '{p}' is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"experiment file '{p}' cannot be read: {exc}") from None
    if set(data) != {table} or not isinstance(data[table], dict):
        found = ", ".join(sorted(data)) or "none"
        raise error(f"experiment file '{p}' needs exactly one [{table}] table; found: {found}")
    return p, dict(data[table])


def read_spec(
    path: str | os.PathLike, overrides: dict[str, Any] | None = None, fixed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Read and check an experiment file (a path, or a name in sweeps/); ``overrides`` (from
    command-line flags) win, ``fixed`` parameters are added to ``[sweep.fixed]``."""
    p, raw = read_table(path, "sweep")
    raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
    insist = bool(raw.pop("insist", False))  # a command-line flag, not part of the experiment
    from model.scenarios import is_path

    named = raw.get("scenario")
    if isinstance(named, str) and is_path(named) and not os.path.isabs(named):
        raw["scenario"] = str(p.parent / named)  # a relative scenario path is beside the experiment file
    if fixed:
        raw["fixed"] = {**raw.get("fixed", {}), **fixed}
    try:
        return check_spec(raw, insist)
    except ParameterError as exc:
        raise SpecError(f"experiment file '{p}': {exc}") from None


def check_spec(raw: dict[str, Any], insist: bool = False) -> dict[str, Any]:
    """A complete, checked spec (every default filled in) from a ``[sweep]`` table. A design of more
    points than experiments/limits.py allows is refused before its points are made, unless ``insist``."""
    for key in raw:
        if key not in SPEC_KEYS:
            raise SpecError(f"unknown key '{key}' in [sweep]; allowed: {', '.join(sorted(SPEC_KEYS))}")
    spec = {
        "scenario": "red_microcycle",
        "design": "lhs",
        "samples": 16,
        "replications": 1,
        "steps": None,
        "seed": 1,
        "outcomes": list(MAIN_OUTCOMES),
        "timeseries": [],
        "every": 1,
        "levels": 3,
        "fixed": {},
        "ranges": {},
        "values": {},
        "num_levels": MORRIS_LEVELS,
    }
    spec.update(raw)
    if spec["design"] not in DESIGNS:
        raise SpecError(f"unknown design '{spec['design']}'; allowed: {', '.join(DESIGNS)}")
    for key, low in (("samples", 1), ("replications", 1), ("seed", 0), ("every", 1), ("levels", 2), ("num_levels", 2)):
        v = spec[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise SpecError(f"'{key}' must be an integer >= {low}, got {v!r}")
    scenario = read_scenario(spec["scenario"])
    spec["scenario_name"] = scenario["name"]
    base = {**scenario["parameters"], **_checked(spec["fixed"], "fixed")}
    if spec["steps"] is None:
        spec["steps"] = validate(base)["steps"]
    base["steps"] = PARAMS["steps"].check(spec["steps"])
    spec["base"] = base
    spec["events"] = scenario["events"]
    check_events(validate(base), scenario["events"])
    ranges = {}
    for name, bounds in spec["ranges"].items():
        if name not in PARAMS:
            raise unknown_name_error(name)
        par = PARAMS[name]
        if par.kind not in ("int", "float", "float?"):
            raise SpecError(
                f"range of '{name}': a {par.kind} parameter cannot take a range; allowed: list its values "
                "under [sweep.values]"
            )
        if not (isinstance(bounds, list) and len(bounds) == 2):
            raise SpecError(f"range of '{name}' must be [low, high], got {bounds!r}")
        low, high = (par.check(b) for b in bounds)
        if not low < high:
            raise SpecError(f"range of '{name}' = [{low}, {high}] is empty or inverted; allowed: low < high")
        ranges[name] = [low, high]
    values = {}
    for name, options in spec["values"].items():
        if name not in PARAMS:
            raise unknown_name_error(name)
        if not isinstance(options, list) or not options:
            raise SpecError(f"values of '{name}' must be a non-empty list, got {options!r}")
        values[name] = [PARAMS[name].check(v) for v in options]
    spec["ranges"], spec["values"] = ranges, values
    both = ranges.keys() & values.keys()
    if both:
        raise SpecError(f"parameter '{sorted(both)[0]}' is both in [sweep.ranges] and [sweep.values]; allowed: one")
    fixed_too = sorted(spec["fixed"].keys() & (ranges.keys() | values.keys()))
    if fixed_too:  # one would silently win
        raise SpecError(f"parameter '{fixed_too[0]}' is both fixed ([sweep.fixed] or --set) and varied; allowed: one")
    match spec["design"]:
        case "lhs" | "morris" | "sobol":
            if values or not ranges:
                raise SpecError(f"design '{spec['design']}' needs [sweep.ranges] and no [sweep.values]")
            if spec["design"] in ("morris", "sobol") and len(ranges) < 2:
                raise SpecError(f"design '{spec['design']}' needs at least 2 ranges, got {len(ranges)}")
        case "points":
            lengths = {len(v) for v in values.values()}
            if ranges or len(lengths) != 1:
                raise SpecError("design 'points' needs [sweep.values] lists of equal length and no ranges")
        case "factorial":
            if not (ranges or values):
                raise SpecError("design 'factorial' needs [sweep.ranges] (with 'levels') or [sweep.values]")
    from .limits import check_design

    check_design(spec["design"], spec["samples"], ranges, values, spec["levels"], spec["replications"], insist)
    spec["points"] = design_points(spec)
    for point in spec["points"][:1] + spec["points"][-1:]:
        validate({**base, **point})
    known = outcome_names(base)
    for key in ("outcomes", "timeseries"):
        if (
            not isinstance(spec[key], list)
            or not all(isinstance(x, str) for x in spec[key])
            or (key == "outcomes" and not spec[key])
        ):
            raise SpecError(
                f"'{key}' must be a list of outcome names{' (at least one)' if key == 'outcomes' else ''}, "
                f"got {str(spec[key])[:60]}; allowed: names such as {', '.join(MAIN_OUTCOMES[:2])}"
            )
        for name in spec[key]:
            if name not in known:
                raise unknown_name_error(name, known, what="outcome")
    spec["outcome_columns"] = known
    n_runs = len(spec["points"]) * spec["replications"]
    spec["n_runs"] = n_runs
    if "batch" not in raw:
        spec["batch"] = default_batch(n_runs, validate(base))
    elif isinstance(spec["batch"], bool) or not isinstance(spec["batch"], int) or spec["batch"] < 1:
        raise SpecError(f"'batch' must be an integer >= 1, got {spec['batch']!r}")
    return spec


BATCH_WORK = 1_000_000
"""Resident-weeks a batch of runs aims at (about 0.3 s of model time): per-batch costs (a task sent
and answered, a parquet file written) stay a few per cent of the work."""


def default_batch(n_runs: int, params: dict[str, Any]) -> int:
    """Runs per batch: enough for BATCH_WORK resident-weeks, at most 50, and at least 8 batches in
    all (work for every core and a moving progress bar). Fixed by the spec alone, so a resumed sweep
    has the same batches whatever the workers."""
    per_run = max(1, params["n_residents"] * max(1, params["steps"]))
    return max(1, min(50, math.ceil(BATCH_WORK / per_run), n_runs // 8))


def _checked(table: Any, what: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise SpecError(f"[sweep.{what}] must be a table of parameters")
    out = {}
    for name, value in table.items():
        if name not in PARAMS:
            raise unknown_name_error(name)
        out[name] = PARAMS[name].check(value)
    return out


def outcome_names(params: dict[str, Any]) -> list[str]:
    """Every final outcome a run with these parameters reports (from a model built, not run)."""
    from model import RedCycleModel

    small = {**params, "agent_objects": "lazy"}
    return list(RedCycleModel(rng=0, **small).final_outcomes())


def salib_problem(spec: dict[str, Any]) -> dict[str, Any]:
    names = list(spec["ranges"])
    return {"num_vars": len(names), "names": names, "bounds": [spec["ranges"][n] for n in names]}


def design_points(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The design's points, in a fixed order: one dict of parameter values each."""
    ranges, values, n = spec["ranges"], spec["values"], spec["samples"]
    match spec["design"]:
        case "factorial":
            axes = {name: list(np.linspace(low, high, spec["levels"])) for name, (low, high) in ranges.items()}
            for name in axes:  # an integer range with more levels than integers: each value once
                if PARAMS[name].kind == "int":
                    axes[name] = list(dict.fromkeys(int(round(x)) for x in axes[name]))
            axes.update(values)
            unit = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
            return [_typed(p) for p in unit]
        case "points":
            length = len(next(iter(values.values())))
            return [_typed({name: values[name][i] for name in values}) for i in range(length)]
        case "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(ranges), seed=spec["seed"]).random(n)
            x = qmc.scale(unit, [lo for lo, _ in ranges.values()], [hi for _, hi in ranges.values()])
        case "morris":
            from SALib.sample import morris

            x = morris.sample(salib_problem(spec), N=n, num_levels=spec["num_levels"], seed=spec["seed"])
        case "sobol":
            from SALib.sample import sobol

            if n & (n - 1):
                raise SpecError(f"design 'sobol' needs 'samples' a power of 2, got {n}")
            x = sobol.sample(salib_problem(spec), N=n, calc_second_order=False, seed=spec["seed"])
        case other:
            raise SpecError(f"unknown design '{other}'; allowed: {', '.join(DESIGNS)}")
    return [_typed(dict(zip(ranges, row.tolist(), strict=True))) for row in x]


def _typed(point: dict[str, Any]) -> dict[str, Any]:
    """Values in their parameter's type (integers rounded), as plain Python values."""
    out = {}
    for name, value in point.items():
        value = value.item() if isinstance(value, np.generic) else value
        out[name] = int(round(value)) if PARAMS[name].kind == "int" else value
    return out


def spec_digest(spec: dict[str, Any]) -> str:
    """What identifies an experiment: everything that decides its rows."""
    keys = (
        "scenario_name",
        "base",
        "events",
        "design",
        "samples",
        "replications",
        "steps",
        "seed",
        "points",
        "timeseries",
        "every",
        "batch",
    )
    text = json.dumps({k: spec[k] for k in keys}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------- the runs ------
def runs_of(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every run: run id, sample id, replication, seed and parameters; replication-major within a point."""
    out = []
    for sample, point in enumerate(spec["points"]):
        for k in range(spec["replications"]):
            out.append(
                {
                    "run_id": sample * spec["replications"] + k,
                    "sample_id": sample,
                    "replication": k,
                    "seed": seed_for(spec["seed"], k),
                    "point": point,
                }
            )
    return out


def run_batch(task: dict[str, Any]) -> dict[str, Any]:
    """One batch of runs (in a worker): a row per run, and the recorded weeks of each."""
    from model import simulate

    rows, series = [], []
    columns, kept, every = task["outcome_columns"], task["timeseries"], task["every"]
    for run in task["runs"]:
        row = {k: run[k] for k in ("run_id", "sample_id", "replication", "seed")}
        row.update(run["point"])
        params = {**task["base"], **run["point"]}
        if task["events"]:
            params["events"] = task["events"]
        try:
            result = simulate(params, seed=run["seed"], steps=task["steps"])
        except Exception as exc:  # a run that raises is recorded and the sweep goes on
            row.update({c: math.nan for c in columns})
            row["status"] = f"error: {type(exc).__name__}: {exc}".splitlines()[0]
            row["traceback"] = traceback.format_exc()
            rows.append(row)
            continue
        row.update({c: float(result[c]) for c in columns})
        row["status"] = "ok"
        row["traceback"] = ""
        rows.append(row)
        if kept:
            weeks = result["timeseries"]["week"]
            pick = np.arange(0, len(weeks), every)
            frame = {
                "run_id": run["run_id"],
                "sample_id": run["sample_id"],
                "replication": run["replication"],
                "week": weeks[pick].astype(np.int64),
            }
            frame.update({c: result["timeseries"][c][pick].astype(np.float64) for c in kept})
            series.append(pd.DataFrame(frame))
    return {"rows": pd.DataFrame(rows), "series": pd.concat(series, ignore_index=True) if series else None}


def _write_atomic(df: pd.DataFrame, path: Path) -> None:
    from .folders import temporary_file

    tmp = temporary_file(path)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:  # a full disk, a kill signal turned exception: no half-written part stays
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- the folder ----
def is_empty(folder: Path) -> bool:
    try:
        return not any(folder.iterdir())
    except OSError:
        return False


def prepare_folder(
    out: Path, spec: dict[str, Any], kind: str = "sweep", digest: str | None = None, populate=None
) -> bool:
    """Create the experiment folder (under a temporary name, then renamed), or accept an existing
    one holding this same experiment (a resume). Returns True when resuming. Refuses a folder holding
    another experiment or anything this tool did not write. ``digest`` identifies the experiment
    (default: the sweep's); ``populate(tmp, spec)`` fills the new folder and returns what
    experiment.json records beside kind and digest (default: a sweep's runs/ and design)."""
    digest = digest or spec_digest(spec)
    marker = out / "experiment.json"
    if out.exists():
        if not out.is_dir():
            raise SpecError(
                f"--out '{out}' exists and is not a folder; allowed: a new or empty folder, or this "
                f"{kind}'s own folder (to resume)"
            )
        if marker.is_file():
            try:
                data = json.loads(marker.read_text(encoding="utf-8"))
                held = data.get("digest") if isinstance(data, dict) else None  # a hand-edited file holds anything
            except (OSError, ValueError, RecursionError):
                held = None
            if held != digest:
                raise SpecError(
                    f"--out '{out}' holds a different experiment; allowed: a new or empty folder, or "
                    f"the same experiment file and flags (to resume)"
                )
            return True
        if any(out.iterdir()):
            raise SpecError(
                f"--out '{out}' is not empty and was not written by a {kind}; allowed: a new or empty folder"
            )
    from .outputs import staged_folder

    with staged_folder(out, is_empty, ()) as tmp:  # onto a new or empty folder only (checked above, and again)
        record = (populate or _sweep_folder)(tmp, spec)
        (tmp / "experiment.json").write_text(
            json.dumps({"kind": kind, "digest": digest, **record}, indent=2, default=str), encoding="utf-8"
        )
    return False


def _sweep_folder(tmp: Path, spec: dict[str, Any]) -> dict[str, Any]:
    (tmp / "runs").mkdir()
    if spec["timeseries"]:
        (tmp / "timeseries").mkdir()
    _write_atomic(pd.DataFrame(spec["points"]).assign(sample_id=range(len(spec["points"]))), tmp / "design.parquet")
    return {"spec": {k: v for k, v in spec.items() if k != "points"}, "n_points": len(spec["points"])}


_PART = re.compile(r"batch-(\d{6})\.parquet")


def finished_batches(out: Path, batches: list[list[int]] | None = None, series: bool = False) -> set[int]:
    """The batches whose parts read back whole: a parquet footer, the batch's row count and exactly its
    run ids, in ``runs/`` (and, when the sweep keeps weekly series, a readable part in ``timeseries/``).
    ``batches`` lists each batch's run ids. A part that does not read back is redone; a file in
    ``runs/`` or ``timeseries/`` that this sweep does not name so is refused (one line)."""
    import pyarrow.parquet as pq

    done = set()
    for sub in ("runs", "timeseries") if series else ("runs",):
        for p in sorted((out / sub).iterdir()) if (out / sub).is_dir() else []:
            if p.name.startswith("."):
                continue  # hidden: a temporary part (cleaned when its process is gone) or a user's; never read
            m = _PART.fullmatch(p.name)
            if not m or not p.is_file() or p.is_symlink() or (batches is not None and int(m.group(1)) >= len(batches)):
                raise SpecError(
                    f"'{p}' is not a part of this sweep; allowed in {sub}/: only the parts it writes "
                    f"(batch-NNNNNN.parquet, {len(batches or [])} of them): move it away and run again"
                )
    for p in (out / "runs").glob("batch-*.parquet"):
        b = int(_PART.fullmatch(p.name).group(1))
        if batches is None:
            done.add(b)
            continue
        try:
            table = pq.read_table(p, columns=["run_id", "status"])
            ok = table.num_rows == len(batches[b]) and table.column("run_id").to_pylist() == batches[b]
            if ok and series and "ok" in table.column("status").to_pylist():  # its weeks were written first
                pq.ParquetFile(out / "timeseries" / p.name).metadata  # noqa: B018  (the footer reads)
        except (OSError, ValueError, KeyError, TypeError):  # pyarrow's errors are OSError and ValueError
            ok = False
        if ok:
            done.add(b)
    return done


def connect(address: str | None, workers: int | None = None, timeout: float = 5.0):
    """A Dask client: ``local`` starts a local cluster on 127.0.0.1; an address connects to a running
    scheduler. An unreachable scheduler is a one-line SpecError after ``timeout`` seconds."""
    from dask.distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            env=dict(_one_thread_env()),
        )
        return Client(cluster)
    import dask

    try:
        with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
            return Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as exc:
        raise SpecError(
            f"cannot reach the Dask scheduler at '{address}' ({type(exc).__name__} after {timeout:g} s); "
            "allowed: a running scheduler's address (tcp://host:port) or 'local'"
        ) from None
    except ValueError as exc:
        raise SpecError(
            f"Dask scheduler address '{address}' is not valid: {exc}; allowed: tcp://host:port or 'local'"
        ) from None


def _one_thread_env():
    from .replications import ONE_THREAD

    return ONE_THREAD.items()


def run_sweep(
    spec: dict[str, Any],
    out: str | os.PathLike,
    workers: int | None = None,
    client: Any = None,
    progress: bool | None = None,
    kind: str = "sweep",
) -> Path:
    """Run (or resume) a sweep into ``out``: ``runs/`` (and ``timeseries/``) parquet datasets, one file
    per batch. ``workers``: processes (default all cores); ``client``: a Dask client instead."""
    from .replications import map_unordered
    from .replications import progress as progress_bar

    out = Path(out)
    if prepare_folder(out, spec, kind):  # resuming: drop what a killed session left half-written (only that)
        from .folders import clean_temporary_files

        for sub in ("runs", "timeseries"):
            clean_temporary_files(out / sub)
    runs = runs_of(spec)
    size = spec["batch"]
    batches = [[r["run_id"] for r in runs[b * size : (b + 1) * size]] for b in range(math.ceil(len(runs) / size))]
    done = finished_batches(out, batches, bool(spec["timeseries"]))
    task_base = {k: spec[k] for k in ("base", "events", "steps", "outcome_columns", "timeseries", "every")}
    tasks = {
        b: {**task_base, "runs": runs[b * size : (b + 1) * size]}
        for b in range(math.ceil(len(runs) / size))
        if b not in done
    }
    started = time.perf_counter()
    bar = progress_bar(total=len(runs), desc=kind, enabled=progress)
    bar.update(min(len(runs), len(done) * size))
    try:
        for b, result in map_unordered(run_batch, tasks, workers, client):
            if result["series"] is not None:
                _write_atomic(result["series"], out / "timeseries" / f"batch-{b:06d}.parquet")
            _write_atomic(result["rows"], out / "runs" / f"batch-{b:06d}.parquet")  # the batch is done
            bar.update(len(result["rows"]))
    finally:
        bar.close()
    manifest = {
        "kind": kind,
        "runs": len(runs),
        "batches": math.ceil(len(runs) / size),
        "seconds_this_session": round(time.perf_counter() - started, 3),
        "resumed_batches": len(done),
        "workers": "dask" if client is not None else workers or os.cpu_count(),
    }
    from .outputs import git_commit, versions

    manifest.update({"versions": versions(), "commit": git_commit()})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if not tasks and progress is not False:
        print(f"{kind}: nothing was recomputed: all {manifest['batches']} batches in '{out}' were already finished")
    if kind == "sweep":
        from .sweep_report import sweep_report

        text = sweep_report(spec, out, read_runs(out), manifest["batches"], len(done))
        (out / "report.md").write_text(text, encoding="utf-8")
    return out


def read_runs(out: str | os.PathLike) -> pd.DataFrame:
    """The sweep's runs, one row each, in run-id order."""
    return pd.read_parquet(Path(out) / "runs").sort_values("run_id", ignore_index=True)


def read_timeseries(out: str | os.PathLike) -> pd.DataFrame:
    return pd.read_parquet(Path(out) / "timeseries").sort_values(["run_id", "week"], ignore_index=True)
