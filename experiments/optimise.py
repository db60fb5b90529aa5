"""Multi-objective policy search: which mix of levers does most, for what it costs.

    uv run run.py optimise sweeps/policy_search.toml --out results/policy_search
    uv run run.py rerun results/policy_search          # the same search again, front.csv compared

An experiment file has one ``[optimise]`` table (docs/optimise.md explains every key)::

    [optimise]
    scenario = "red_microcycle"   # the base scenario the levers move away from
    reference = "status_quo"      # the status quo the report compares with
    seeds = 3                     # paired seeds per candidate (common random numbers)
    evaluations = 64              # candidates in all
    population = 8                # NSGA-II population: candidates asked, run and told as one batch
    algorithm = "nsga2"           # nsga2 (optuna NSGAIISampler, seeded) | random
    seed = 1                      # seeds the sampler, the runs' seeds and the posterior sample
    fresh_seeds = 5               # the front re-evaluated on as many new seeds
    posterior = "posterior.csv"   # optional: parameter sets from the calibration (relative to this file)
    posterior_sets = 4            # sets drawn from it; each candidate runs seeds x sets
    margin = 0.01                 # the cheapest point must beat the reference by this on `benefit`
    benefit = "participation"     # objective names (default: the first to maximise, the first to minimise)
    cost = "money"
    [optimise.fixed]              # parameters set for every run
    n_residents = 1000
    [optimise.levers]             # numbers: [low, high] or {low, high, step}; switches and choices: a list
    seed_fund = [0.0, 16.0]
    team_on = [true, false]
    [[optimise.objectives]]       # an outcome at a horizon, maximised or minimised
    name = "participation"
    outcome = "participation_index"
    year = 5                      # or week = 260
    sense = "max"
    statistic = "mean"            # or a quantile in (0, 1): 0.1 = the value 9 runs in 10 beat
    [[optimise.constraints]]      # an outcome's mean over the runs, at most `max` / at least `min`
    outcome = "pool_out_per_year"
    max = 10.0

Any final outcome of the model is an objective; besides them, ``<x>_per_year`` for every ``<x>_total``
(the pool's money in and out, the organisers' hours) is the total at the horizon over its years.

The search is optuna's NSGA-II, seeded, asked ``population`` candidates at a time: each batch is run
(on every core, or on Dask) and told in candidate order, and each candidate is drawn by a sampler
seeded afresh from the spec's seed and the candidate's number, so the same seed gives the same front
with any number of workers, and a search killed at any moment and resumed (its optuna journal is in
the output folder; study.journal.lock is optuna's lock while it writes) or extended with more
``evaluations`` is the search run in one go.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.params import PARAMS, ParameterError, parse_assignment, unknown_name_error, validate
from model.scenarios import read_scenario

from .folders import default_out
from .sweep import SpecError, prepare_folder, run_batch, seed_for

KEYS = {
    "scenario",
    "reference",
    "seeds",
    "evaluations",
    "population",
    "algorithm",
    "seed",
    "fresh_seeds",
    "posterior",
    "posterior_sets",
    "margin",
    "benefit",
    "cost",
    "steps",
    "fixed",
    "levers",
    "objectives",
    "constraints",
}
OBJECTIVE_KEYS = {"name", "outcome", "year", "week", "sense", "statistic"}
CONSTRAINT_KEYS = {"name", "outcome", "year", "week", "max", "min"}
ALGORITHMS = ("nsga2", "random")
SEARCH_KEYS = (
    "scenario_name",
    "base",
    "events",
    "levers",
    "objectives",
    "constraints",
    "seeds",
    "population",
    "algorithm",
    "seed",
    "posterior_rows",
    "steps",
)
"""What decides the search's trials (its digest): not `evaluations` (more extend the same search),
nor what only the report and the re-evaluation use."""
FILES = (
    "experiment.json",
    "study.journal",
    "study.journal.lock",
    "front.csv",
    "trials.parquet",
    "runs.parquet",
    "report.md",
    "report.html",
    "manifest.json",
)
BOOTSTRAP = 400  # resamples of a candidate's runs for the interval of its statistic
AFTER = 10**9  # bootstrap keys of the re-evaluation (a trial's key is its number)


class OptimiseError(SpecError):
    """An experiment file or option the search cannot run (a one-line message)."""


# ------------------------------------------------------------------------------------ the spec ------
def read_spec(
    path: str | os.PathLike,
    evaluations: int | None = None,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Read and check an experiment file with an ``[optimise]`` table; everything is checked here,
    before any run (``evaluations``, ``seed`` and the fixed parameters ``overrides`` from the command
    line win)."""
    from .sweep import read_table

    p, raw = read_table(path, "optimise", OptimiseError)
    if evaluations is not None:
        raw["evaluations"] = evaluations
    if seed is not None:
        raw["seed"] = seed
    if overrides:
        fixed = raw.get("fixed", {})
        raw["fixed"] = {**fixed, **overrides} if isinstance(fixed, dict) else fixed
    try:
        return check_spec(raw, p.resolve().parent)
    except ParameterError as exc:
        raise OptimiseError(f"experiment file '{p}': {exc}") from None


def _integer(raw: dict, key: str, default: int, low: int) -> int:
    v = raw.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise OptimiseError(f"'{key}' must be an integer >= {low}, got {v!r}")
    return v


def _week(entry: dict, what: str) -> int:
    if "year" in entry and "week" in entry:
        raise OptimiseError(f"{what}: give 'year' or 'week', not both")
    if "week" in entry:
        week = entry["week"]
    else:
        year = entry.get("year", 3)
        if isinstance(year, bool) or not isinstance(year, int | float) or year <= 0:
            raise OptimiseError(f"{what}: 'year' must be a number > 0, got {year!r}")
        week = round(52 * year)
    if isinstance(week, bool) or not isinstance(week, int) or week < 1:
        raise OptimiseError(f"{what}: 'week' must be an integer >= 1, got {week!r}")
    return week


def _outcome(name: Any, known: list[str], what: str) -> str:
    if not isinstance(name, str):
        raise OptimiseError(f"{what}: 'outcome' must be an outcome name, got {name!r}")
    if name not in known:
        raise unknown_name_error(name, known, what="outcome")
    return name


def _entries(raw: dict, key: str, allowed: set[str]) -> list[dict]:
    entries = raw.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise OptimiseError(f"'{key}' must be [[optimise.{key}]] tables")
    for i, e in enumerate(entries):
        for k in e:
            if k not in allowed:
                raise OptimiseError(f"unknown key '{k}' in {key} {i + 1}; allowed: {', '.join(sorted(allowed))}")
    return entries


def check_spec(raw: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A complete, checked search (every default filled in); ``folder`` is where relative paths start."""
    for key in raw:
        if key not in KEYS:
            raise OptimiseError(f"unknown key '{key}' in [optimise]; allowed: {', '.join(sorted(KEYS))}")
    spec = {
        "raw": raw,
        "folder": str(folder),
        "scenario": raw.get("scenario", "red_microcycle"),
        "reference": raw.get("reference", "status_quo"),
        "seeds": _integer(raw, "seeds", 3, 1),
        "evaluations": _integer(raw, "evaluations", 32, 1),
        "population": _integer(raw, "population", 8, 2),
        "seed": _integer(raw, "seed", 1, 0),
        "fresh_seeds": _integer(raw, "fresh_seeds", 5, 0),
        "algorithm": raw.get("algorithm", "nsga2"),
    }
    if spec["algorithm"] not in ALGORITHMS:
        raise OptimiseError(f"unknown algorithm '{spec['algorithm']}'; allowed: {', '.join(ALGORITHMS)}")
    levers, ranges, values = _levers(raw.get("levers", {}))
    fixed = raw.get("fixed", {})
    if not isinstance(fixed, dict):
        raise OptimiseError("[optimise.fixed] must be a table of parameters")
    fixed = {"record_groups": False, **fixed}  # the groups' shares are not searched on: skipping them is faster
    objectives = _entries(raw, "objectives", OBJECTIVE_KEYS)
    constraints = _entries(raw, "constraints", CONSTRAINT_KEYS)
    if not objectives:
        raise OptimiseError("no objectives; allowed: one or more [[optimise.objectives]] tables")
    weeks = [_week(e, f"objective {i + 1}") for i, e in enumerate(objectives)]
    weeks += [_week(e, f"constraint {i + 1}") for i, e in enumerate(constraints)]
    steps = raw.get("steps", max(weeks))
    # the sweep's checks: the scenario, fixed parameters, every range and value, and the outcomes
    corners = check_spec_of_sweep(spec["scenario"], fixed, ranges, values, steps)
    if max(weeks) > corners["steps"]:
        raise OptimiseError(
            f"an objective or constraint at week {max(weeks)} is after the run's end (week "
            f"{corners['steps']}); allowed: a horizon within 'steps'"
        )
    known = corners["outcome_columns"]
    derived = [f"{k[: -len('_total')]}_per_year" for k in known if k.endswith("_total")]
    spec.update(
        scenario_name=corners["scenario_name"],
        base=corners["base"],
        events=corners["events"],
        steps=corners["steps"],
        levers=levers,
        outcome_columns=known,
    )
    spec["objectives"] = []
    for i, (e, week) in enumerate(zip(objectives, weeks, strict=False)):
        what = f"objective {i + 1}"
        outcome = _outcome(e.get("outcome"), known + derived, what)
        sense = e.get("sense", "max")
        if sense not in ("max", "min"):
            raise OptimiseError(f"{what}: unknown sense {sense!r}; allowed: max, min")
        statistic = e.get("statistic", "mean")
        if statistic != "mean" and (
            isinstance(statistic, bool) or not isinstance(statistic, int | float) or not 0 < statistic < 1
        ):
            raise OptimiseError(f"{what}: 'statistic' must be 'mean' or a quantile in (0, 1), got {statistic!r}")
        spec["objectives"].append(
            {
                "name": str(e.get("name", f"{outcome}@{week}")),
                "outcome": outcome,
                "week": week,
                "sense": sense,
                "statistic": statistic,
            }
        )
    spec["constraints"] = []
    for i, (e, week) in enumerate(zip(constraints, weeks[len(objectives) :], strict=True)):
        what = f"constraint {i + 1}"
        outcome = _outcome(e.get("outcome"), known + derived, what)
        bounds = {k: e[k] for k in ("max", "min") if k in e}
        if len(bounds) != 1 or any(isinstance(v, bool) or not isinstance(v, int | float) for v in bounds.values()):
            raise OptimiseError(f"{what}: give one bound, 'max' or 'min', a number; got {bounds or 'none'}")
        ((kind, bound),) = bounds.items()
        spec["constraints"].append(
            {
                "name": str(e.get("name", f"{outcome}@{week} {kind} {bound:g}")),
                "outcome": outcome,
                "week": week,
                "kind": kind,
                "bound": float(bound),
            }
        )
    names = [o["name"] for o in spec["objectives"]] + [c["name"] for c in spec["constraints"]]
    if len(set(names)) != len(names):
        raise OptimiseError(
            f"objective or constraint name '{next(n for n in names if names.count(n) > 1)}' is "
            "used twice; allowed: each once"
        )
    spec["posterior_rows"], spec["posterior_file"] = _posterior(raw, folder, spec, levers)
    reference = read_scenario(spec["reference"])
    spec["reference_name"] = reference["name"]
    spec["reference_base"] = {
        **reference["parameters"],
        **{k: v for k, v in corners["base"].items() if k in fixed or k == "steps"},
    }
    spec["reference_events"] = reference["events"]
    validate(spec["reference_base"])
    objective_names = [o["name"] for o in spec["objectives"]]
    maximised = [o["name"] for o in spec["objectives"] if o["sense"] == "max"]
    minimised = [o["name"] for o in spec["objectives"] if o["sense"] == "min"]
    for key, pool in (("benefit", maximised), ("cost", minimised)):
        chosen = raw.get(key, pool[0] if pool else None)
        if chosen is not None and chosen not in pool:
            kind = "maximised" if key == "benefit" else "minimised"
            raise OptimiseError(
                f"'{key}' = {chosen!r} is not a {kind} objective; allowed: "
                f"{', '.join(pool) or 'none (add one)'} (objectives: {', '.join(objective_names)})"
            )
        spec[key] = chosen
    margin = raw.get("margin", 0.0)
    if isinstance(margin, bool) or not isinstance(margin, int | float) or margin < 0:
        raise OptimiseError(f"'margin' must be a number >= 0, got {margin!r}")
    spec["margin"] = float(margin)
    spec["digest"] = search_digest(spec)
    return spec


def check_spec_of_sweep(scenario: str, fixed: dict, ranges: dict, values: dict, steps) -> dict[str, Any]:
    """The scenario, fixed parameters, lever ranges and values, checked by the sweep's own rules
    (a factorial design of the levers' corners: every corner's parameters are valid)."""
    raw = {
        "scenario": scenario,
        "design": "factorial",
        "levels": 2,
        "fixed": fixed,
        "steps": steps,
        "ranges": ranges,
        "values": values,
        "batch": 1,
    }
    if not ranges and not values:
        raise OptimiseError("no levers; allowed: one or more parameters under [optimise.levers]")
    from . import sweep

    try:
        return sweep.check_spec(raw)
    except ParameterError as exc:  # the sweep names its own tables; here they are the levers
        raise OptimiseError(
            str(exc)
            .replace("[sweep.ranges]", "[optimise.levers]")
            .replace("[sweep.values]", "[optimise.levers]")
            .replace("[sweep.fixed]", "[optimise.fixed]")
        ) from None


def _levers(table: Any) -> tuple[dict[str, dict], dict[str, list], dict[str, list]]:
    """Each lever as optuna will suggest it; and the sweep's ranges and values, to check them."""
    if not isinstance(table, dict):
        raise OptimiseError(
            "[optimise.levers] must be a table: name = [low, high], {low, high, step} or a list of values"
        )
    levers, ranges, values = {}, {}, {}
    for name, given in table.items():
        if name not in PARAMS:
            raise unknown_name_error(name)
        kind = PARAMS[name].kind
        numeric = kind in ("int", "float", "float?")
        if numeric and isinstance(given, dict):
            extra = set(given) - {"low", "high", "step"}
            if extra or not {"low", "high"} <= set(given):
                raise OptimiseError(
                    f"lever '{name}': a table needs 'low' and 'high' (and optionally 'step'), got {sorted(given)}"
                )
            step = given.get("step")
            if step is not None and (isinstance(step, bool) or not isinstance(step, int | float) or step <= 0):
                raise OptimiseError(f"lever '{name}': 'step' must be a number > 0, got {step!r}")
            bounds = [given["low"], given["high"]]
        elif numeric and isinstance(given, list) and len(given) == 2 and not any(isinstance(v, bool) for v in given):
            step, bounds = None, given
        elif not numeric and isinstance(given, list) and given:
            values[name] = given
            levers[name] = {"kind": "choice", "choices": [PARAMS[name].check(v) for v in given]}
            continue
        else:
            allowed = "[low, high] or {low, high, step}" if numeric else "a non-empty list of its values"
            raise OptimiseError(f"lever '{name}' ({kind}) = {given!r}; allowed: {allowed}")
        ranges[name] = bounds
        levers[name] = {"kind": "int" if kind == "int" else "float", "low": bounds[0], "high": bounds[1], "step": step}
    for name, lever in levers.items():  # the bounds in their parameter's type, once the sweep's checks pass
        if lever["kind"] != "choice":
            lever["low"], lever["high"] = (PARAMS[name].check(b) for b in (lever["low"], lever["high"]))
    return levers, ranges, values


def _posterior(raw: dict, folder: Path, spec: dict, levers: dict) -> tuple[list[dict], dict | None]:
    """The posterior sets the candidates are scored over: ``posterior_sets`` rows drawn from the CSV
    with the spec's seed (by weight, with replacement, when it has a ``weight`` column; else distinct
    rows). Without a posterior: one empty set (the scenario's own parameters)."""
    if "posterior" not in raw:
        if "posterior_sets" in raw:
            raise OptimiseError("'posterior_sets' needs 'posterior' (a CSV of parameter sets)")
        return [{"set": None, "row": None, "params": {}}], None
    from .outputs import file_record

    given = raw["posterior"]
    if not isinstance(given, str) or not given:
        raise OptimiseError(f"'posterior' must be a path to a CSV file, got {given!r}")
    path = (folder / given).resolve()
    try:
        table = pd.read_csv(path)
        record = file_record(path)
    except FileNotFoundError:
        raise OptimiseError(
            f"posterior file '{path}' not found; allowed: a CSV path relative to the experiment file"
        ) from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise OptimiseError(f"posterior file '{path}' cannot be read as CSV: {str(exc).splitlines()[0]}") from None
    params = [c for c in table.columns if c not in ("set", "weight")]
    for c in params:
        if c not in PARAMS:
            raise OptimiseError(
                f"posterior file '{path}': column {str(unknown_name_error(c))}; the columns "
                "are parameters, 'set' and 'weight'"
            )
        if c in levers:
            raise OptimiseError(
                f"posterior file '{path}': '{c}' is also a lever; allowed: a parameter is either "
                "searched or drawn from the posterior"
            )
    if not params or table.empty:
        raise OptimiseError(
            f"posterior file '{path}' holds no parameter sets; allowed: a header of parameter names and one row per set"
        )
    k = _integer(raw, "posterior_sets", min(4, len(table)), 1)
    rng = np.random.default_rng(np.random.SeedSequence([spec["seed"], 20]))
    if "weight" in table.columns:
        w = pd.to_numeric(table["weight"], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise OptimiseError(f"posterior file '{path}': 'weight' must be numbers >= 0, not all 0")
        rows = rng.choice(len(table), size=k, replace=True, p=w / w.sum())
    else:
        if k > len(table):
            raise OptimiseError(
                f"'posterior_sets' = {k} but posterior file '{path}' has {len(table)} sets; allowed: "
                f"at most {len(table)} (or give a 'weight' column to draw with replacement)"
            )
        rows = rng.choice(len(table), size=k, replace=False)
    out = []
    for i in rows.tolist():
        row = table.iloc[i]
        try:
            values = {
                c: PARAMS[c].parse(str(row[c]))
                if isinstance(row[c], str)
                else PARAMS[c].check(row[c].item() if isinstance(row[c], np.generic) else row[c])
                for c in params
            }
            validate({**spec.get("base", {}), **values})
        except ParameterError as exc:
            raise OptimiseError(f"posterior file '{path}', row {i + 2}: {exc}") from None
        label = table["set"].iloc[i] if "set" in table else i  # from its column: a row of numbers is all floats
        out.append({"set": label.item() if isinstance(label, np.generic) else label, "row": i, "params": values})
    return out, record


def search_digest(spec: dict[str, Any]) -> str:
    text = json.dumps({k: spec[k] for k in SEARCH_KEYS}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------------- the runs ----------
def cells(spec: dict[str, Any], fresh: bool = False) -> list[tuple[int, int, int]]:
    """The (seed index, seed, posterior set index) a candidate runs on: the same for every candidate
    (common random numbers); ``fresh``: the seeds after the search's, for the re-evaluation."""
    first, count = (spec["seeds"], spec["fresh_seeds"]) if fresh else (0, spec["seeds"])
    return [
        (k, seed_for(spec["seed"], k), j)
        for k in range(first, first + count)
        for j in range(len(spec["posterior_rows"]))
    ]


def task(spec: dict[str, Any], levers: dict[str, Any], fresh: bool = False, reference: bool = False) -> dict:
    """One candidate's runs as a sweep batch (experiments/sweep.py run_batch): every seed x posterior set."""
    needed = sorted({_base_outcome(o["outcome"]) for o in spec["objectives"] + spec["constraints"]})
    runs = [
        {
            "run_id": i,
            "sample_id": j,
            "replication": k,
            "seed": seed,
            "point": {**spec["posterior_rows"][j]["params"], **levers},
        }
        for i, (k, seed, j) in enumerate(cells(spec, fresh))
    ]
    base, events = (spec["reference_base"], spec["reference_events"]) if reference else (spec["base"], spec["events"])
    return {
        "base": base,
        "events": events,
        "steps": spec["steps"],
        "outcome_columns": [],
        "timeseries": needed,
        "every": 1,
        "runs": runs,
    }


def _base_outcome(name: str) -> str:
    return f"{name[: -len('_per_year')]}_total" if name.endswith("_per_year") else name


def measures(spec: dict[str, Any], result: dict[str, Any]) -> pd.DataFrame | str:
    """Each run's objective and constraint values (one row per run), or the first run's error."""
    rows = result["rows"]
    bad = rows[rows["status"] != "ok"]
    if len(bad):
        return str(bad["status"].iloc[0])
    series = result["series"].set_index(["run_id", "week"])
    out = (
        rows[["run_id", "replication", "sample_id", "seed"]]
        .rename(columns={"replication": "seed_index", "sample_id": "posterior_set"})
        .reset_index(drop=True)
    )
    for m in spec["objectives"] + spec["constraints"]:
        base = _base_outcome(m["outcome"])
        values = series[base].xs(m["week"], level="week").reindex(out["run_id"]).to_numpy(dtype=float)
        if base != m["outcome"]:
            values = values * 52.0 / m["week"]
        out[m["name"]] = values
    return out.drop(columns="run_id")


def statistic(values: np.ndarray, stat: str | float) -> float:
    return float(np.mean(values)) if stat == "mean" else float(np.quantile(values, stat))


def interval(values: np.ndarray, stat: str | float, seed: int) -> tuple[float, float]:
    """The 95% percentile-bootstrap interval of the statistic over the candidate's runs (seeded)."""
    if len(values) < 2:
        return float(values[0]), float(values[0])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(values), size=(BOOTSTRAP, len(values)))
    resampled = values[draws]
    stats = resampled.mean(axis=1) if stat == "mean" else np.quantile(resampled, stat, axis=1)
    return float(np.percentile(stats, 2.5)), float(np.percentile(stats, 97.5))


def score(spec: dict[str, Any], runs: pd.DataFrame, key: int) -> dict[str, float]:
    """A candidate's statistics, intervals and constraint means from its runs."""
    out = {}
    for o in spec["objectives"]:
        v = runs[o["name"]].to_numpy(dtype=float)
        out[o["name"]] = statistic(v, o["statistic"])
        out[f"{o['name']}_low"], out[f"{o['name']}_high"] = interval(v, o["statistic"], seed_for(spec["seed"], key))
    for c in spec["constraints"]:
        out[c["name"]] = float(runs[c["name"]].mean())
    out["feasible"] = all(_violation(c, out[c["name"]]) <= 0 for c in spec["constraints"])
    return out


def _violation(c: dict, value: float) -> float:
    """<= 0 when the constraint holds (optuna's convention)."""
    return value - c["bound"] if c["kind"] == "max" else c["bound"] - value


def evaluate(func, tasks: list, pool=None, client=None, bar=None) -> list:
    """``func`` on every task, results in task order: in this process, on a process pool or on Dask."""
    if client is not None:
        futures = client.map(func, tasks, pure=False)
        results = []
        for f in futures:
            results.append(f.result())
            if bar is not None:
                bar.update(1)
        return results
    results = []
    for r in pool.map(func, tasks) if pool is not None else map(func, tasks):
        results.append(r)
        if bar is not None:
            bar.update(1)
    return results


# ------------------------------------------------------------------------------ the search ---------
def sampler(spec: dict[str, Any], number: int):
    """A fresh sampler for candidate ``number``, seeded from the spec's seed and the number alone."""
    import optuna

    seed = seed_for(spec["seed"], 1000 + number)
    match spec["algorithm"]:
        case "nsga2":
            return optuna.samplers.NSGAIISampler(population_size=spec["population"], seed=seed)
        case "random":
            return optuna.samplers.RandomSampler(seed=seed)
        case other:
            raise OptimiseError(f"unknown algorithm '{other}'; allowed: {', '.join(ALGORITHMS)}")


def suggest(trial, levers: dict[str, dict]) -> dict[str, Any]:
    out = {}
    for name, lever in levers.items():
        match lever["kind"]:
            case "choice":
                out[name] = trial.suggest_categorical(name, lever["choices"])
            case "int":
                out[name] = trial.suggest_int(name, lever["low"], lever["high"], step=int(lever["step"] or 1))
            case _:
                out[name] = trial.suggest_float(name, lever["low"], lever["high"], step=lever["step"])
    return out


def open_study(spec: dict[str, Any], out: Path):
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(out / "study.journal")))
    directions = ["maximize" if o["sense"] == "max" else "minimize" for o in spec["objectives"]]
    return optuna.create_study(
        study_name="redcycle-optimise",
        storage=storage,
        load_if_exists=True,
        directions=directions,
        sampler=sampler(spec, 0),
    )


def search(spec: dict[str, Any], out: Path, pool=None, client=None, progress: bool | None = None):
    """Run (or resume) the search into ``out``'s journal: batches of ``population`` candidates, asked
    (each from a sampler seeded by its number), run, then told in order. After a kill, the candidates
    asked and not told are run with their levers and the batch is completed: the trials are the same."""
    import optuna

    from .replications import progress as progress_bar

    study = open_study(spec, out)
    total, size = spec["evaluations"], spec["population"]
    done = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))
    with progress_bar(total=max(0, total - done), desc="optimise", unit="candidate", enabled=progress) as bar:
        while True:
            trials = study.get_trials(deepcopy=False)
            running = [t for t in trials if t.state == optuna.trial.TrialState.RUNNING]  # a killed batch
            if not running and len(trials) >= total:
                break
            asked, candidates = [], []
            start = running[0].number if running else len(trials)  # a killed batch is finished first
            batch_end = min(total, (start // size + 1) * size)
            for number in range(start, max(batch_end, len(trials))):
                study.sampler = sampler(spec, number)  # each candidate's draw: the told trials and its number
                old = [t for t in running if t.number == number]
                trial = optuna.trial.Trial(study, old[0]._trial_id) if old else study.ask()
                asked.append(trial)
                candidates.append(suggest(trial, spec["levers"]))
            results = evaluate(run_batch, [task(spec, c) for c in candidates], pool, client, bar)
            for trial, result in zip(asked, results, strict=True):
                runs = measures(spec, result)
                if isinstance(runs, str):
                    trial.set_user_attr("error", runs)
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    continue
                s = score(spec, runs, trial.number)
                trial.set_user_attr("score", s)
                trial.set_user_attr("runs", runs.to_dict(orient="list"))
                for c in spec["constraints"]:  # NSGA-II ranks feasible candidates first (<= 0: within)
                    violation = _violation(c, s[c["name"]])
                    trial.set_constraint(c["name"], violation if np.isfinite(violation) else 1e300)
                study.tell(trial, [s[o["name"]] for o in spec["objectives"]])
    return study


def trials_table(spec: dict[str, Any], study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per candidate (levers, statistics with intervals, constraints, state) and one per run."""
    rows, runs = [], []
    for t in study.get_trials(deepcopy=False):
        if not t.state.is_finished():
            continue
        row = {"trial": t.number, "state": t.state.name.lower(), **{k: t.params.get(k) for k in spec["levers"]}}
        row.update(t.user_attrs.get("score", {}))
        row["error"] = t.user_attrs.get("error", "")
        rows.append(row)
        if "runs" in t.user_attrs:
            r = pd.DataFrame(t.user_attrs["runs"])
            r.insert(0, "trial", t.number)
            runs.append(r)
    table = pd.DataFrame(rows).sort_values("trial", ignore_index=True)
    for name in [f"{o['name']}{end}" for o in spec["objectives"] for end in ("", "_low", "_high")] + [
        c["name"] for c in spec["constraints"]
    ]:
        if name not in table:  # every candidate failed
            table[name] = np.nan
    if "feasible" not in table:
        table["feasible"] = False
    table["feasible"] = table["feasible"].fillna(False).astype(bool)
    return table, (pd.concat(runs, ignore_index=True) if runs else pd.DataFrame())


def pareto(values: np.ndarray) -> np.ndarray:
    """Which rows are non-dominated, every column to be maximised (ties: both kept)."""
    keep = np.ones(len(values), dtype=bool)
    for i in range(len(values)):
        others = np.delete(values, i, axis=0)
        dominated = np.all(others >= values[i], axis=1) & np.any(others > values[i], axis=1)
        keep[i] = not dominated.any()
    return keep


def oriented(spec: dict[str, Any], table: pd.DataFrame, suffix: str = "") -> np.ndarray:
    return np.column_stack(
        [
            table[o["name"] + suffix].to_numpy(dtype=float) * (1 if o["sense"] == "max" else -1)
            for o in spec["objectives"]
        ]
    )


def front_of(spec: dict[str, Any], table: pd.DataFrame) -> pd.DataFrame:
    """The feasible non-dominated candidates (the same lever values counted once), best first on the first objective."""
    ok = table[(table["state"] == "complete") & table["feasible"]]
    ok = ok.drop_duplicates(subset=list(spec["levers"]), keep="first")
    if ok.empty:
        return ok.copy()
    front = ok[pareto(oriented(spec, ok))].copy()
    first = spec["objectives"][0]
    return front.sort_values(first["name"], ascending=first["sense"] == "min", ignore_index=True)


def knee(spec: dict[str, Any], front: pd.DataFrame) -> int:
    """The front's point closest to the ideal one, each objective scaled to 0-1 over the front (1 the best)."""
    v = oriented(spec, front)
    span = v.max(axis=0) - v.min(axis=0)
    scaled = np.where(span > 0, (v - v.min(axis=0)) / np.where(span > 0, span, 1.0), 1.0)
    return int(np.argmin(np.sqrt(((1.0 - scaled) ** 2).sum(axis=1))))


def reevaluate(
    spec: dict[str, Any], front: pd.DataFrame, pool=None, client=None, progress: bool | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The front on fresh seeds, and the reference on the search's and the fresh seeds: which points hold."""
    from .replications import progress as progress_bar

    levers = [{k: _plain(r[k]) for k in spec["levers"]} for _, r in front.iterrows()]
    tasks = [task(spec, {}, fresh=False, reference=True)]
    if spec["fresh_seeds"]:
        tasks += [task(spec, {}, fresh=True, reference=True)] + [task(spec, lv, fresh=True) for lv in levers]
    else:
        levers = []
    with progress_bar(total=len(tasks), desc="re-evaluate", enabled=progress) as bar:
        results = evaluate(run_batch, tasks, pool, client, bar)
    measured = [measures(spec, r) for r in results]
    for m in measured:
        if isinstance(m, str):
            raise OptimiseError(f"a run of the re-evaluation failed: {m}")
    reference = {"search": score(spec, measured[0], AFTER)}
    front = front.copy()
    if spec["fresh_seeds"]:
        reference["fresh"] = score(spec, measured[1], AFTER + 1)
    if levers:
        fresh = pd.DataFrame([score(spec, m, AFTER + 2 + i) for i, m in enumerate(measured[2:])])
        for c in fresh.columns:
            front[f"fresh_{c}"] = fresh[c].to_numpy()
        front["holds"] = pareto(oriented(spec, fresh)) & fresh["feasible"].to_numpy(dtype=bool)
    return front, reference


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def picks(spec: dict[str, Any], front: pd.DataFrame, reference: dict) -> dict[str, Any]:
    """The knee and the cheapest point that beats the reference by more than the margin on the benefit
    (judged on the fresh seeds when there are any: the search's own values flatter its winners)."""
    out: dict[str, Any] = {"knee": knee(spec, front) if len(front) else None, "cheapest": None}
    if not (len(front) and spec["benefit"] and spec["cost"]):
        return out
    prefix = "fresh_" if spec["fresh_seeds"] else ""
    ref = reference["fresh" if spec["fresh_seeds"] else "search"]
    gain = front[prefix + spec["benefit"]] - ref[spec["benefit"]]
    beats = front[gain > spec["margin"]]
    if len(beats):
        out["cheapest"] = int(beats[prefix + spec["cost"]].idxmin())
    return out


# ------------------------------------------------------------------------------ the outputs --------
OWN = re.compile(r"front_\d+\.png|\.(?:" + "|".join(re.escape(f) for f in FILES) + r"|front_\d+\.png)\.tmp\d+")
"""Besides FILES: the figures, and the files a killed session left half-written (``.<file>.tmp<pid>``)."""
RELEASED_LOCK = re.compile(r"study\.journal\.lock[0-9a-f-]{36}\.rename")
"""optuna releases its journal lock (a symbolic link) by renaming it to this name and then removing it:
a session killed between the two leaves it behind, a dead lock the resumed search removes."""


def _is_lock(p: Path) -> bool:
    return p.name == "study.journal.lock" or RELEASED_LOCK.fullmatch(p.name) is not None


def may_hold(folder: Path) -> bool:
    """Only this search's own files, plain (resume, or the report rewritten); optuna's lock, held or
    being released, is a symbolic link."""
    try:
        return all(
            (p.name in FILES or OWN.fullmatch(p.name) or _is_lock(p))
            and (p.is_file() or _is_lock(p))
            and not (p.is_symlink() and not _is_lock(p))
            for p in folder.iterdir()
        )
    except OSError:
        return False


def prepare(spec: dict[str, Any], out: Path) -> bool:
    """A new or empty folder, or this same search's (resumed); True when resuming."""
    if out.is_symlink():
        raise OptimiseError(f"--out '{out}' is a symbolic link; allowed: a real folder path")
    if out.is_dir() and (out / "experiment.json").is_file() and not may_hold(out):
        raise OptimiseError(
            f"--out '{out}' holds files this search did not write; allowed: a new or empty folder, "
            "or this search's own folder (to resume)"
        )

    def populate(tmp: Path, spec: dict) -> dict:
        return {"spec": {k: v for k, v in spec.items() if k != "outcome_columns"}}

    try:
        return prepare_folder(out, spec, "optimise", spec["digest"], populate)
    except SpecError as exc:
        raise OptimiseError(str(exc)) from None


def optimise(
    spec: dict[str, Any] | str | os.PathLike,
    out: str | os.PathLike | None = None,
    workers: int | None = None,
    client: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run (or resume) the search and write its folder; return the front as a DataFrame (levers,
    objectives with their intervals, the fresh re-evaluation, ``holds``, ``knee``, ``cheapest``).

    ``spec``: a checked spec (:func:`read_spec`) or a path to an experiment file; ``out``: the output
    folder (default: a temporary one, removed afterwards); ``workers``: processes (default all cores;
    1 runs in this process); ``client``: a Dask client instead."""
    import tempfile

    from .replications import workers_pool

    if not isinstance(spec, dict):
        spec = read_spec(spec)
    if out is None:
        with tempfile.TemporaryDirectory() as tmp:
            return optimise(spec, Path(tmp) / "search", workers, client, progress)
    out = Path(out)
    started = time.perf_counter()
    if prepare(spec, out):
        for stale in out.iterdir():
            if (stale.name.startswith(".") and OWN.fullmatch(stale.name)) or RELEASED_LOCK.fullmatch(stale.name):
                stale.unlink(missing_ok=True)
    workers = workers or os.cpu_count() or 1
    with workers_pool(None if client is not None else workers) as pool:
        study = search(spec, out, pool, client, progress)
        table, runs = trials_table(spec, study)
        front = front_of(spec, table)
        front, reference = reevaluate(spec, front, pool, client, progress)
    chosen = picks(spec, front, reference)
    front["knee"] = [i == chosen["knee"] for i in range(len(front))]
    front["cheapest"] = [i == chosen["cheapest"] for i in range(len(front))]
    from .optimise_report import write_outputs

    write_outputs(
        spec,
        out,
        table,
        runs,
        front,
        reference,
        chosen,
        {
            "seconds_this_session": round(time.perf_counter() - started, 3),
            "workers": "dask" if client is not None else workers,
        },
    )
    return front


# ------------------------------------------------------------------------------ the command --------
def add_parser(sub, where) -> None:
    """``run.py optimise``: the experiment file, --evaluations, and the experiment commands' --out,
    --workers, --dask and --quiet (``where``)."""
    o = sub.add_parser(
        "optimise",
        help="multi-objective policy search (optuna NSGA-II) over an experiment file's "
        "levers: Pareto front, report.md/html, front.csv (resumable)",
        description="Search the levers of an experiment file ([optimise] table; docs/optimise.md) "
        "for the Pareto front of its objectives under its constraints, each candidate "
        "scored over paired seeds (and posterior sets); re-evaluate the front on fresh "
        "seeds and write report.md, report.html, front.csv, trials.parquet, "
        "runs.parquet and manifest.json into --out. Killed, it resumes with the same "
        "command.",
    )
    o.add_argument("spec", metavar="SPEC.toml", help="the experiment file ([optimise] table)")
    o.add_argument(
        "--evaluations",
        type=int,
        default=None,
        metavar="N",
        help="override 'evaluations' (more extend an earlier search in --out)",
    )
    o.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="override 'seed' (the base of the runs' seeds and of the sampler's)",
    )
    o.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="overrides",
        help="add a fixed parameter (repeatable)",
    )
    where(o)


def command(args, fail) -> int:
    """``run.py optimise``: everything checked before any run; one-line errors (``fail``), exit 2."""
    from contextlib import nullcontext

    from .sweep import connect

    address = args.dask or os.environ.get("DASK_SCHEDULER_ADDRESS")
    try:
        if args.workers is not None and args.workers < 1:
            return fail(f"--workers must be >= 1, got {args.workers}")
        if args.evaluations is not None and args.evaluations < 1:
            return fail(f"--evaluations must be >= 1, got {args.evaluations}")
        spec = read_spec(args.spec, args.evaluations, args.seed, dict(parse_assignment(t) for t in args.overrides))
        args.out = args.out or default_out("optimise", Path(args.spec).stem)
        check_out(Path(args.out), spec)
        with connect(address, args.workers) if address else nullcontext() as client:
            front = optimise(spec, args.out, args.workers, client, False if args.quiet else None)
    except ParameterError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        print(
            f"run.py: interrupted; the candidates told so far are in '{args.out}/study.journal': the same command "
            "resumes the search",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(f"optimise: {args.out}/ (report.md, report.html, front.csv: {len(front)} points on the front)")
    return 0


def check_out(out: Path, spec: dict[str, Any]) -> None:
    """Before any work: the folder is new, empty, or this search's own; its parent is writable."""
    from .folders import check_target

    if out.is_symlink():
        raise OptimiseError(f"--out '{out}' is a symbolic link; allowed: a real folder path")
    if out.exists():
        if not out.is_dir():
            raise OptimiseError(
                f"--out '{out}' exists and is not a folder; allowed: a new or empty folder, or this search's own folder"
            )
        marker = out / "experiment.json"
        try:
            held = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
        except (OSError, ValueError):
            held = None
        empty = not any(out.iterdir())
        if not empty and not (
            isinstance(held, dict)
            and held.get("kind") == "optimise"
            and held.get("digest") == spec["digest"]
            and may_hold(out)
        ):
            raise OptimiseError(
                f"--out '{out}' holds other files or another experiment; allowed: a new or empty "
                "folder, or this same search's folder (to resume or extend it)"
            )
        return
    check_target(out)  # a writable parent, a folder name


def is_search(folder: Path) -> bool:
    try:
        return json.loads((folder / "experiment.json").read_text(encoding="utf-8")).get("kind") == "optimise"
    except (OSError, ValueError, AttributeError):
        return False


def rerun_command(args, fail) -> int:
    """``run.py rerun DIR`` for a search: the recorded spec again into DIR-rerun (or --out); front.csv
    and trials.parquet compared. Exit 0 identical, 1 different, 2 an input changed or is refused."""
    from .outputs import file_record

    folder = Path(args.dir)
    try:
        held = json.loads((folder / "experiment.json").read_text(encoding="utf-8"))["spec"]
        raw, spec_folder = held["raw"], Path(held["folder"])
    except (OSError, ValueError, KeyError, TypeError):
        return fail(
            f"'{folder}' holds no record of a search (experiment.json with its spec); allowed: a folder "
            "written by run.py optimise"
        )
    if held.get("posterior_file"):
        rec = held["posterior_file"]
        try:
            now = file_record(rec["path"])["sha256"]
        except OSError:
            return fail(f"posterior file '{rec['path']}' of the search in '{folder}' is gone; allowed: the same file")
        if now != rec["sha256"]:
            return fail(
                f"posterior file '{rec['path']}' changed since the search in '{folder}'; allowed: the file as it was"
            )
    out = Path(args.out) if args.out else folder.with_name(folder.name + "-rerun")
    try:
        spec = check_spec(raw, spec_folder)
        if out.resolve() == folder.resolve():
            return fail(f"--out '{out}' is the folder being reproduced; allowed: another folder")
        check_out(out, spec)
        optimise(spec, out, None, None, False if args.quiet else None)
    except ParameterError as exc:
        return fail(str(exc))
    same = (folder / "front.csv").read_bytes() == (out / "front.csv").read_bytes()
    try:
        pd.testing.assert_frame_equal(
            pd.read_parquet(folder / "trials.parquet"), pd.read_parquet(out / "trials.parquet")
        )
    except AssertionError:
        same = False
    if not same:
        print(f"not reproduced: front.csv or trials.parquet differ between '{folder}' and '{out}'")
        return 1
    print(f"reproduced: front.csv and trials.parquet in '{out}' are identical to '{folder}'")
    return 0
