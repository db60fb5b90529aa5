"""Joint calibration of the influential uncertain parameters against a table of patterns.

    uv run run.py calibrate --trials 300 --seeds 3 --n-residents 1000 --out results/calibration --write-docs
    uv run python -m experiments.calibration results/calibration   # docs/calibration.md from a result, no runs

Pattern-oriented modelling (Grimm et al. 2005, Science 310:987-991): the model is held against
several patterns at once, each with its source (cited in full in docs/sources.md). The ordinary community (``status_quo``) is held to the national
survey levels; the full cycle's effect is *not* a target: it is predicted afterwards, with an
interval over the accepted parameter sets and seeds.

An optuna study (TPE sampler, fixed seed) minimises the loss, the sum over patterns of the
distance of the pattern's value outside its band divided by the pattern's tolerance (0 inside
the band). The accepted sets are the trials that meet every band (the pattern-oriented filter),
or, when fewer than ten do, the best 5% of the trials by loss; the new defaults are the best
trial's values, rounded.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model import RedCycleModel
from model.params import DEFAULTS as DEFAULTS_OF
from model.params import HAND_SET
from model.scenarios import load_scenario

WEEKS = 156  # three years: the status quo's survey year and the full cycle's evaluation
AFTER = 260  # support_withdrawn: two years after support ends at week 157
YEAR = 52
ACTIVE_RUNG = 2  # "taking part" for the civic core: mutual aid, public affairs or volunteering
CORE_SHARE = 0.31  # Mohan & Bulloch (2012): the civic core is 31% of adults


@dataclass(frozen=True)
class Pattern:
    name: str
    measure: str
    target: str
    low: float
    high: float
    tolerance: float  # the distance outside the band that counts 1 in the loss
    source: str
    scenario: str

    def distance(self, value: float) -> float:
        """0 inside the band, else how far outside it in units of the tolerance (NaN counts 10)."""
        if not np.isfinite(value):
            return 10.0
        return max(0.0, self.low - value, value - self.high) / self.tolerance


PATTERNS: tuple[Pattern, ...] = (
    Pattern("volunteering", "share of residents aged 15 and over on the volunteering rung in one of the last 52 "
            "weeks, week 156", "about 30%", 0.22, 0.38, 0.08,
            "China Social Survey 2021: about 30% of residents aged 18-69 volunteered in the past year (docs/sources.md)",
            "status_quo"),
    Pattern("rung_profile", "smallest fall between neighbouring rungs of the shares on rungs 1..4 "
            "(min over k of share_k - share_k+1), week 156", "lower rungs fuller (every fall > 0)",
            0.01, 1.0, 0.05,
            "China Social Survey 2017: participation is mostly neighbourly mutual help, volunteering rarer "
            "(docs/sources.md)", "status_quo"),
    Pattern("activists", "share of retirees or Party members among residents on the two top rungs (public "
            "affairs, volunteering), week 156", "a majority (their population share is about a quarter)",
            0.5, 0.95, 0.1,
            "Read (2012), Roots of the State: neighbourhood activists are mostly retirees and Party members",
            "status_quo"),
    Pattern("civic_core", "share of the weeks on the mutual-aid rung or above over the last 52 weeks given by the "
            "31% of residents aged 15 and over who gave the most, week 156", "most (87% in the UK)",
            0.75, 0.95, 0.1,
            "Mohan & Bulloch (2012), TSRC working paper 73: 31% of adults, the civic core, give 87% of "
            "volunteering hours", "status_quo"),
    Pattern("fading", "share of the full cycle's gain in volunteering over the status quo lost two years after "
            "support ends: (v156 - v260) / (v156 - status quo v156)", "a sizeable part fades",
            0.25, 1.5, 0.25,
            "Mansuri & Rao (2013), Localizing Development: induced participation tends to fade when "
            "external support ends", "support_withdrawn"),
)
PATTERN_NAMES = tuple(p.name for p in PATTERNS)


def run_status_quo(seed: int, n_residents: int, overrides: dict[str, Any]) -> dict[str, float]:
    """Patterns 1-4 from one status-quo run; the last year stepped week by week to count each
    resident's weeks of taking part (the model's rules untouched)."""
    m = RedCycleModel(rng=seed, **{**load_scenario("status_quo"), **overrides, "n_residents": n_residents,
                                   "record_groups": False})
    m.run(WEEKS - YEAR)
    st = m.state
    active = np.zeros(st.n, dtype=np.int32)
    for _ in range(YEAR):
        m.step()
        active += st.rung >= ACTIVE_RUNG
    adult = st.age_group >= 1
    shares = m.rung_counts() / st.n
    top = st.rung >= 3
    core = np.sort(active[adult])[::-1]
    k = max(1, round(CORE_SHARE * len(core)))
    return {
        "volunteering": float(np.mean(st.last_volunteered[adult] > m.steps - YEAR)),
        "rung_profile": float(np.min(shares[1:-1] - shares[2:])),
        "activists": float(np.mean((st.work_status[top] == 2) | (st.party_category[top] != 0))) if top.any()
        else float("nan"),
        "civic_core": float(core[:k].sum() / core.sum()) if core.sum() else float("nan"),
        "retiree_or_member_share": float(np.mean((st.work_status == 2) | (st.party_category != 0))),
        "sq_volunteered_past_year": float(m.outcomes["volunteered_past_year"]),
        "sq_participation_index": float(m.outcomes["participation_index"]),
    }


def run_withdrawn(seed: int, n_residents: int, overrides: dict[str, Any]) -> dict[str, float]:
    """The full cycle for three years (week 156), then support withdrawn to week 260."""
    m = RedCycleModel(rng=seed, **{**load_scenario("support_withdrawn"), **overrides, "n_residents": n_residents,
                                   "record_groups": False})
    df = m.run(AFTER).datacollector.get_model_vars_dataframe().set_index("week")
    return {"cycle_volunteered_past_year": float(df.at[WEEKS, "volunteered_past_year"]),
            "cycle_participation_index": float(df.at[WEEKS, "participation_index"]),
            "after_volunteered_past_year": float(df.at[AFTER, "volunteered_past_year"])}


def run_seed(job: tuple[dict[str, Any], int, int]) -> dict[str, float]:
    """Everything the patterns and the prediction need from one seed."""
    overrides, seed, n_residents = job
    return {"seed": seed, **run_status_quo(seed, n_residents, overrides), **run_withdrawn(seed, n_residents, overrides)}


def pattern_values(rows: list[dict[str, float]]) -> dict[str, float]:
    """Each pattern's value from the seeds' rows: means over seeds (the fading share: of the means)."""
    with warnings.catch_warnings():  # a pattern no seed can measure (no one on the top rungs) is NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = {k: float(np.nanmean([r[k] for r in rows])) for k in rows[0] if k != "seed"}
    gain = mean["cycle_volunteered_past_year"] - mean["sq_volunteered_past_year"]
    fall = mean["cycle_volunteered_past_year"] - mean["after_volunteered_past_year"]
    return {**{p: mean[p] for p in PATTERN_NAMES[:4]}, "fading": fall / gain if gain > 1e-3 else float("nan")}


def loss(values: dict[str, float]) -> float:
    return float(sum(p.distance(values[p.name]) for p in PATTERNS))


# ------------------------------------------------------------------------------ the study ---------
CALIBRATED: dict[str, tuple[float, float]] = {
    "threshold_mean": (0.4, 2.0),
    "threshold_sd": (0.05, 1.0),
    "rung_step": (0.05, 0.8),
    "decision_noise": (0.05, 0.6),
    "slip_rate": (0.01, 0.3),
    "slip_drive_weight": (0.0, 6.0),
    "weight_social": (0.2, 1.5),
    "weight_time": (0.05, 1.5),
    "volunteer_hours": (2.0, 16.0),
    "spirit_decay": (0.0, 0.1),
}
"""The parameters calibrated jointly and the ranges searched (inside the schema's ranges, around
each old default). Every other parameter keeps its default: an assumption or a sourced value."""
START = HAND_SET
"""The values the parameters had before this calibration (hand-set): the study's first trial, fixed
here so that a re-run starts from the same point whatever the defaults are now."""
BATCH = 4  # trials asked of the sampler before their results are told: results do not depend on --workers
SEED0 = 101  # calibration seeds 101, 102, ...; apart from the seeds of the questions
PREDICTION_SEED0 = 1001  # the prediction's seeds: fresh, not the ones the parameters were fitted on
PREDICTION_SETS = 20  # accepted sets (best first) the prediction runs


def evaluate_many(sets: list[dict[str, Any]], seeds: list[int], n_residents: int,
                  pool=None) -> list[list[dict[str, float]]]:
    """For each parameter set, the rows of its seeds (in seed order), on ``pool`` (a process pool)
    or in this process."""
    jobs = [(params, s, n_residents) for params in sets for s in seeds]
    done = list(pool.map(run_seed, jobs) if pool is not None else map(run_seed, jobs))
    k = len(seeds)
    return [done[i * k:(i + 1) * k] for i in range(len(sets))]


@contextmanager
def workers_pool(workers: int | None):
    """A process pool of ``workers`` processes (None: in this process), stopped on the way out."""
    from .replications import process_pool

    if not workers or workers <= 1:
        yield None
        return
    with process_pool(workers) as pool:
        yield pool


def study(trials: int, seeds: int, n_residents: int, workers: int | None = 1, sampler_seed: int = 1,
          progress: bool | None = None):
    """The optuna study: TPE (seeded) over CALIBRATED, minimising the pattern loss. Returns the
    study and one row per trial (parameters, pattern values, loss, accepted)."""
    import optuna

    from .replications import progress as bar

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=sampler_seed, multivariate=True, n_startup_trials=min(40, trials))
    st = optuna.create_study(direction="minimize", sampler=sampler, study_name="redcycle-calibration")
    st.enqueue_trial(START)  # the first trial: the hand-set values from before any calibration
    seed_list = list(range(SEED0, SEED0 + seeds))
    rows = []
    with bar(total=trials, desc="calibrate", unit="trial", enabled=progress) as ticker, workers_pool(workers) as pool:
        while len(rows) < trials:
            asked = [st.ask() for _ in range(min(BATCH, trials - len(rows)))]
            sets = [{name: t.suggest_float(name, *CALIBRATED[name]) for name in CALIBRATED} for t in asked]
            for trial, params, runs in zip(asked, sets, evaluate_many(sets, seed_list, n_residents, pool),
                                           strict=True):
                values = pattern_values(runs)
                value = loss(values)
                st.tell(trial, value)
                rows.append({"trial": trial.number, **params, **values, "loss": value,
                             "accepted": all(p.distance(values[p.name]) == 0 for p in PATTERNS)})
                ticker.update(1)
    return st, rows


def rounded(params: dict[str, float]) -> dict[str, float]:
    """Two significant figures: the defaults a person would write down."""
    return {k: float(f"{v:.2g}") for k, v in params.items()}


def predict(sets: list[dict[str, Any]], seeds: list[int], n_residents: int, workers: int | None = 1):
    """The full cycle's effect at three years, red_microcycle minus status_quo (paired by seed), for
    every accepted set and seed: one row each."""
    from .replications import map_unordered

    jobs = {(i, s, sc): (sc, {**load_scenario(sc), **params, "n_residents": n_residents, "record_groups": False}, s)
            for i, params in enumerate(sets) for s in seeds for sc in ("status_quo", "red_microcycle")}
    done = dict(map_unordered(_outcomes_at_three_years, jobs, workers))
    return [{"set": i, "seed": s,
             **{f"effect_{k}": done[(i, s, "red_microcycle")][k] - done[(i, s, "status_quo")][k] for k in EFFECTS},
             **{f"cycle_{k}": done[(i, s, "red_microcycle")][k] for k in EFFECTS}}
            for i in range(len(sets)) for s in seeds]


EFFECTS = ("volunteered_past_year", "participation_index")


def _outcomes_at_three_years(job) -> dict[str, float]:
    _, params, seed = job
    out = RedCycleModel(rng=seed, **params).run(WEEKS).outcomes
    return {k: float(out[k]) for k in EFFECTS}


# ------------------------------------------------------------------------------ the command -------
FILES = ("trials.csv", "accepted.csv", "patterns.csv", "prediction.csv", "summary.json")
MIN_ACCEPTED = 10  # below this many trials meeting every band, the best ACCEPT_SHARE of trials are accepted
ACCEPT_SHARE = 0.05


def may_replace(folder: Path) -> bool:
    """Empty, or an earlier calibration's files (its summary.json says so) and nothing else."""
    from .folders import holds_only_own

    return holds_only_own(folder, FILES, "summary.json", lambda m, _: m.get("kind") == "calibrate")


def check_folder(out: Path) -> None:
    """The calibration may fill a new or empty folder, or replace an earlier calibration; nothing else."""
    from .sweep import SpecError

    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink() or not out.is_dir():
        raise SpecError(f"--out '{out}' exists and is not a folder; allowed: a new or empty folder, or an earlier "
                        "calibration")
    if not may_replace(out):
        raise SpecError(f"--out '{out}' holds files this calibration did not write; allowed: a new or empty folder, "
                        "or an earlier calibration")


def accept(trials: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The accepted sets, best first, and the rule that chose them."""
    ok = trials[trials["accepted"]].sort_values("loss")
    if len(ok) >= MIN_ACCEPTED:
        return ok, "every pattern inside its band (pattern-oriented filter)"
    k = max(MIN_ACCEPTED, int(np.ceil(ACCEPT_SHARE * len(trials))))
    return trials.sort_values("loss").head(k), (
        f"only {len(ok)} trials met every band, so the best {k} trials by loss ({ACCEPT_SHARE:.0%} of the trials, "
        f"at least {MIN_ACCEPTED})")


def fit_at(params: dict[str, float], seeds: list[int], n_residents: int, pool=None) -> pd.DataFrame:
    """Each pattern's value at one parameter set: over all seeds (as calibrated) and its range over seeds."""
    rows = evaluate_many([params], seeds, n_residents, pool)[0]
    values = pattern_values(rows)
    per_seed = [pattern_values([r]) for r in rows]
    out = []
    for p in PATTERNS:
        each = np.array([v[p.name] for v in per_seed], dtype=float)
        out.append({"pattern": p.name, "measure": p.measure, "target": p.target, "low": p.low, "high": p.high,
                    "source": p.source, "scenario": p.scenario, "value": values[p.name],
                    "seed_min": float(np.nanmin(each)), "seed_max": float(np.nanmax(each)),
                    "distance": p.distance(values[p.name]), "met": p.distance(values[p.name]) == 0})
    return pd.DataFrame(out)


def calibrate(trials: int, seeds: int, n_residents: int, out: str | os.PathLike, workers: int | None = 1,
              write_docs: bool = False, progress: bool | None = None) -> dict[str, Any]:
    """The whole calibration: study, accepted sets, fit at the new defaults, prediction; written to ``out``."""
    from .outputs import git_commit, staged_folder, versions

    out = Path(out)
    check_folder(out)
    started = time.perf_counter()
    _, rows = study(trials, seeds, n_residents, workers, progress=progress)
    table = pd.DataFrame(rows)
    accepted, rule = accept(table)
    names = list(CALIBRATED)
    best = accepted.iloc[0]
    defaults = rounded({k: float(best[k]) for k in names})
    with workers_pool(workers) as pool:
        fit = fit_at(defaults, list(range(SEED0, SEED0 + 2 * seeds)), n_residents, pool)
    sets = [{k: float(r[k]) for k in names} for _, r in accepted.head(PREDICTION_SETS).iterrows()]
    pred = pd.DataFrame(predict(sets, list(range(PREDICTION_SEED0, PREDICTION_SEED0 + seeds)), n_residents, workers))
    summary = {
        "tool": "redcycle", "kind": "calibrate", "trials": trials, "seeds": seeds, "n_residents": n_residents,
        "workers": workers, "sampler": "optuna TPESampler(seed=1, multivariate=True)", "batch": BATCH,
        "calibration_seeds": list(range(SEED0, SEED0 + seeds)),
        "prediction_seeds": list(range(PREDICTION_SEED0, PREDICTION_SEED0 + seeds)),
        "patterns": [p.__dict__ for p in PATTERNS],
        "ranges": {k: list(v) for k, v in CALIBRATED.items()},
        "old_defaults": {k: DEFAULTS_OF[k] for k in names}, "start": START,
        "defaults": defaults, "defaults_rule": "the best accepted trial's values, two significant figures",
        "best_trial": int(best["trial"]), "best_loss": float(best["loss"]),
        "accepted_rule": rule, "n_accepted": len(accepted), "n_meeting_every_band": int(table["accepted"].sum()),
        "accepted_ranges": {k: [float(accepted[k].min()), float(accepted[k].max())] for k in names},
        "fit": fit.drop(columns=["measure", "source"]).to_dict(orient="records"),
        "prediction": {k: _interval(pred[f"effect_{k}"]) for k in EFFECTS},
        "prediction_cycle_level": {k: _interval(pred[f"cycle_{k}"]) for k in EFFECTS},
        "prediction_sets": len(sets),
        "seconds": round(time.perf_counter() - started, 1),
        "versions": versions(), "commit": git_commit(), "files": list(FILES),
    }
    with staged_folder(out, may_replace, FILES) as tmp:
        table.to_csv(tmp / "trials.csv", index=False)
        accepted.to_csv(tmp / "accepted.csv", index=False)
        fit.to_csv(tmp / "patterns.csv", index=False)
        pred.to_csv(tmp / "prediction.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    if write_docs:
        DOCS.write_text(report(summary, table), encoding="utf-8")
    return summary


DOCS = Path(__file__).resolve().parent.parent / "docs" / "calibration.md"


def _interval(values: pd.Series) -> dict[str, float]:
    """Mean and the central 95% of the values (over accepted sets and seeds)."""
    v = values.to_numpy(dtype=float)
    return {"mean": float(v.mean()), "low": float(np.percentile(v, 2.5)), "high": float(np.percentile(v, 97.5)),
            "n": len(v)}


ASSUMED = ("weight_capacity", "weight_spirit", "weight_need", "need_growth", "self_help_efficacy",
           "mutual_aid_efficacy", "capacity_decay", "incentive_pull", "norm_pull", "backbone_pull", "project_pull",
           "team_pull", "trust_rate", "gain_trust", "initial_engagement", "public_spirit_mean", "capacity_mean",
           "party_spirit_bonus", "retired_time_factor", "time_budget_mean")
"""Notable parameters that remain assumptions (every parameter outside CALIBRATED without a source)."""


RANGES_NOTE = (
    "How the ranges were chosen. The calibrated parameters are the ones the Morris screening ([sensitivity.md](sensitivity.md)) of the full cycle "
    "ranks first (`rung_step`, `weight_social`, `decision_noise`, `weight_time`, `volunteer_hours`), the "
    "thresholds that set the status quo's level, and the rules that decide fading (`slip_rate`, "
    "`slip_drive_weight`, `spirit_decay`). A first study (300 trials) over narrower ranges (`threshold_sd` up to "
    "0.6, `rung_step` 0.5, `decision_noise` 0.5, `slip_rate` 0.15, `weight_social` 0.2-1.2, `weight_time` 1.2, "
    "`spirit_decay` 0.05) ended with its best trials at those bounds and status-quo volunteering at 2% (loss "
    "2.44; 3 of 300 trials reached the volunteering band, none of them with the lower rungs fuller); the ranges "
    "above are the widened ones. Widening once more (`threshold_sd` to 2, `slip_rate` 0.4, `slip_drive_weight` "
    "10, `weight_social` from 0.05, `spirit_decay` 0.2; 500 trials) found no better set (best loss 0.99, again "
    "at the bounds of `decision_noise`, `weight_time` and `threshold_sd`). The patterns push the engine towards "
    "heterogeneous thresholds, loud weekly noise and fast turnover (a weekly slip chance of a quarter or more "
    "for those above rung 0 who do not climb): only so do a fifth to a third of residents pass through the volunteering rung in "
    "a year while the lower rungs stay fuller.")


def _pct(x: float) -> str:
    return f"{x:.3f}"


def together(trials: pd.DataFrame) -> pd.DataFrame:
    """How many trials meet each pair of patterns' bands at once (the diagonal: each alone)."""
    met = {p.name: trials[p.name].map(p.distance) == 0 for p in PATTERNS}
    return pd.DataFrame({a: {b: int((met[a] & met[b]).sum()) for b in met} for a in met})


def report(summary: dict[str, Any], trials: pd.DataFrame | None = None) -> str:
    """docs/calibration.md from a calibration's summary.json (and its trials.csv, for the table of
    patterns met together)."""
    s = summary
    doc = __doc__.split("\n\n", 2)[2].strip()
    lines = ["# Calibration", "", doc, "",
             f"Run: `uv run run.py calibrate --trials {s['trials']} --seeds {s['seeds']} --n-residents "
             f"{s['n_residents']} --workers {s['workers']} --out results/calibration --write-docs` "
             f"({s['seconds'] / 60:.0f} minutes on two cores shared with other jobs; the result is the same with any --workers: "
             f"the sampler is asked {s['batch']} trials at a time whatever the number of processes). The folder "
             "holds trials.csv (every trial: parameters, pattern values, loss), accepted.csv, patterns.csv (the fit "
             "at the new defaults), prediction.csv and summary.json.", "",
             "## Patterns", "",
             f"Each pattern's value is the mean over seeds (the fading share: of the means). The fit is at the new "
             f"defaults, over {2 * s['seeds']} seeds of {s['n_residents']:,} residents (the calibration seeds and as "
             "many more), with the range over single seeds in brackets. The loss counts a pattern's distance "
             "outside its band in units of its tolerance.", "",
             "| pattern | measure | target (band; tolerance) | source | scenario | at the new defaults | met |",
             "|---|---|---|---|---|---|---|"]
    tol = {p["name"]: p["tolerance"] for p in s["patterns"]}
    measures = {p["name"]: (p["measure"], p["source"]) for p in s["patterns"]}
    for f in s["fit"]:
        measure, source = measures[f["pattern"]]
        lines.append(f"| {f['pattern']} | {measure} | {f['target']} ({f['low']}-{f['high']}; {tol[f['pattern']]}) | "
                     f"{source} | `{f['scenario']}` | {_pct(f['value'])} [{_pct(f['seed_min'])}, "
                     f"{_pct(f['seed_max'])}] | {'yes' if f['met'] else '**no**'} |")
    missed = [f["pattern"] for f in s["fit"] if not f["met"]]
    if missed:
        lines += ["", "**Not met at the new defaults: " + ", ".join(missed) + ".** That is a finding about the "
                  "model, not a tolerance to loosen: no trial met every band, and the defaults are the best "
                  "compromise the loss allows (see the table of patterns met together below)."]
    if trials is not None:
        pairs = together(trials)
        lines += ["", f"Trials (of {len(trials)}) meeting the bands of two patterns at once (the diagonal: one "
                  "pattern alone):", "", "| | " + " | ".join(pairs.columns) + " |",
                  "|---|" + "---|" * len(pairs.columns)]
        lines += [f"| {b} | " + " | ".join(str(pairs.at[b, a]) for a in pairs.columns) + " |" for b in pairs.index]
    lines += ["", "## Calibrated parameters", "",
              f"{s['trials']} trials; {s['n_meeting_every_band']} met every band. Accepted: {s['accepted_rule']} "
              f"({s['n_accepted']} sets). New defaults: {s['defaults_rule']} (trial {s['best_trial']}, loss "
              f"{s['best_loss']:.3f}): one coherent set, which the medians of the accepted sets need not be.", "",
              "| parameter | hand-set value (the study's first trial) | range searched | accepted range | new default |", "|---|---|---|---|---|"]
    for k, (lo, hi) in s["ranges"].items():
        a, b = s["accepted_ranges"][k]
        lines.append(f"| `{k}` | {s['start'][k]} | {lo}-{hi} | {a:.3g}-{b:.3g} | {s['defaults'][k]} |")
    lines += ["", RANGES_NOTE]
    lines += ["", "## Parameters that remain assumptions", "",
              "Every parameter not in the table above keeps its documented default and `source` "
              "(docs/parameters.md): figures from the census and surveys where there is one, modelling "
              "assumptions otherwise. Notable assumptions the patterns here cannot pin down, because they act "
              "only through the mechanisms or move the status quo along directions the calibrated parameters "
              "already cover: " + ", ".join(f"`{k}`" for k in ASSUMED) + ". `incentive_pull`, the one parameter "
              "the earlier calibration set (to impose 30% volunteering on the full cycle), is an assumption "
              "again: the full cycle's level is now a prediction.", "",
              "## Prediction: the effect of the full cycle", "",
              f"`red_microcycle` minus `status_quo` at three years (week 156), paired by seed, over the "
              f"{s['prediction_sets']} best accepted sets x {len(s['prediction_seeds'])} fresh seeds "
              f"({s['n_residents']:,} residents): mean, with the central 95% of the set x seed values.", "",
              "| outcome | full cycle | effect (cycle - status quo) |", "|---|---|---|"]
    for k, e in s["prediction"].items():
        c = s["prediction_cycle_level"][k]
        lines.append(f"| `{k}` | {c['mean']:.3f} [{c['low']:.3f}, {c['high']:.3f}] | "
                     f"{e['mean']:+.3f} [{e['low']:+.3f}, {e['high']:+.3f}] |")
    lines += ["", "The interval covers the spread of the accepted sets and of chance (seeds); it does not cover the "
              "assumptions above, nor the patterns the accepted sets miss. Here `volunteered_past_year` is the "
              "recorder's outcome over all residents (children included), so the status quo's level under it is "
              "a little below the volunteering pattern's, which counts residents aged 15 and over."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    """Rewrite docs/calibration.md from an earlier calibration's folder (no runs)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m experiments.calibration",
                                     description="Write docs/calibration.md from a calibration folder.")
    parser.add_argument("folder", nargs="?", default="results/calibration")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    DOCS.write_text(report(summary, pd.read_csv(folder / "trials.csv")), encoding="utf-8")
    print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
