"""The questions answered under the calibration's uncertainty, and a robustness grid.

    uv run python -m experiments.uncertainty --posterior docs/calibration/posterior.csv --sets 30 --cache results/uncertainty

Questions (a)-(i) of ``experiments/questions.py`` are asked over posterior parameter sets
(docs/calibration.md), not one point. Each set runs every configuration with a seed of its own,
shared by all configurations of that set (paired: the same community, initial state and draws),
so a (set, seed) pair is one unit and the paired differences over units carry both the fit's
uncertainty and chance. For each answer: the effect at each horizon with its 95% interval over the
units, the central 90% of the units' effects, and the share of units (sets) in which the answer
holds; the label comes last: **holds** in at least ``HOLDS_IN`` of the sets, **does not hold** in
at most ``1 - HOLDS_IN``, **depends on the set** otherwise.

The robustness grid asks the same questions at the calibrated defaults in other worlds, one
change at a time: community size 500 / 2,000 / 5,000, rounds of 13 / 26 / 52 weeks, and the four
community types (scenarios ``old_neighbourhood``, ``commercial_estate``, ``resettlement_community``,
``mixed_migrant``). A verdict is stated only where the grid agrees; elsewhere the report says what
it depends on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.mechanisms import names as mechanism_names
from model.scenarios import load_scenario

from . import questions as q
from .replications import map_unordered, markdown_table, mean_ci, progress, run_one

HOLDS_IN = 0.8  # the share of posterior sets in which an answer must hold to be stated (docs/ODD.md 7.14)
SEED0 = 5001  # the posterior runs' seeds: set k runs with seed SEED0 + k (apart from every other seed in use)
TEN = q.HORIZONS["10 years"]
THREE = q.HORIZONS["3 years"]


@dataclass(frozen=True)
class Claim:
    """One question's decisive comparison: ``a`` minus ``b`` in ``outcome`` at ``horizon``, read on the
    side ``claim`` (+1 a rise, -1 a fall); the answer holds in a unit when the difference is beyond the
    tolerance on that side."""

    key: str
    text: str
    a: str
    b: str
    outcome: str = "participation_index"
    horizon: str = "10 years"
    claim: int = 1


CLAIMS: tuple[Claim, ...] = (
    Claim("c", "the empowerer leads the provider", "full", "provider"),
    Claim("d", "emergent backbones win more trust than appointed ones", "full", "appointed", "mean_trust"),
    Claim("e", "incentives without money lose volunteering", "full", "unfunded", "volunteered_past_year"),
    Claim("f", "the essay's order leads the reversed order", "full", "order reversed", horizon="5 years"),
    Claim("g", "withdrawing support lowers participation", "full", "support withdrawn"),
    Claim("g", "withdrawing the money alone lowers participation", "full", "money withdrawn"),
    Claim("g", "cutting outreach alone lowers participation", "full", "outreach withdrawn"),
    Claim("h", "letting residents decide raises participation", "full", q.lever_label("resident_voice", 0.0)),
    *(
        Claim("b", f"removing the {m} lowers participation (budget held)", "full", f"without {m}")
        for m in mechanism_names()
    ),
)
"""The decisive comparison of each question; (a) is the spiral criterion of docs/ODD.md 7.14 and (i)
the lever audit, read in their own functions."""


# ------------------------------------------------------------------------------ runs ------------
def read_posterior(path: str | Path, k: int, seed: int = 1) -> list[dict]:
    """``k`` parameter sets from a posterior file (docs/calibration.md: one row per particle, a
    ``weight`` column, one column per calibrated parameter), drawn by weight with replacement from
    ``seed`` (a particle of large weight comes back several times, each time a unit of its own with
    its own seed: the posterior as it is, however few particles carry it)."""
    table = pd.read_csv(path)
    names = [c for c in table.columns if c not in ("set", "weight", "generation", "distance", "loss")]
    w = table["weight"].to_numpy(float) if "weight" in table else np.ones(len(table))
    rows = np.sort(np.random.default_rng(seed).choice(len(table), size=k, replace=True, p=w / w.sum()))
    table = table.iloc[rows]
    return [
        {n: (float(v) if isinstance(v, float | np.floating) else v) for n, v in row.items()}
        for row in table[names].to_dict(orient="records")
    ]


def posterior_ess(path: str | Path) -> float:
    """The effective sample size of a posterior file's weights (Kish): how many particles carry it."""
    from .calibration import ess

    table = pd.read_csv(path)
    return ess(table["weight"].to_numpy(float) if "weight" in table else np.ones(len(table)))


def run_sets(
    labels,
    sets: list[dict],
    n_residents: int,
    weeks: int = TEN,
    seeds_per_set: int = 1,
    under: dict | None = None,
    workers: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every configuration for every posterior set, each set with its own seeds (shared by all its
    configurations); returns (weekly series, rounds) whose ``seed`` column names the unit."""
    table = q.config_table()
    jobs = {}
    for k, params in enumerate(sets):
        for j in range(seeds_per_set):
            seed = SEED0 + k * seeds_per_set + j
            for label in dict.fromkeys(labels):
                config = {**(under or {}), **params, **table[label], "n_residents": n_residents}
                jobs[(k, j, label)] = (label, config, seed, weeks)
    done = dict(progress(map_unordered(run_one, jobs, workers), total=len(jobs), desc="posterior", leave=False))
    order = sorted(done)
    series = pd.concat([done[key]["series"] for key in order], ignore_index=True)
    rounds = pd.concat([done[key]["rounds"] for key in order], ignore_index=True)
    return series, rounds


def cached(cache: Path | None, what: dict, make: Callable[[], tuple[pd.DataFrame, pd.DataFrame]]):
    """The runs ``what`` describes, from ``cache`` (a folder) when they were run before."""
    if cache is None:
        return make()
    stem = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]
    files = (Path(cache) / f"{stem}_series.parquet", Path(cache) / f"{stem}_rounds.parquet")
    if all(f.is_file() for f in files):
        return tuple(pd.read_parquet(f) for f in files)
    series, rounds = make()
    files[0].parent.mkdir(parents=True, exist_ok=True)
    series.to_parquet(files[0])
    rounds.to_parquet(files[1])
    return series, rounds


# ------------------------------------------------------------------------------ reading ---------
def unit_differences(series: pd.DataFrame, a: str, b: str, outcome: str, horizon: str) -> np.ndarray:
    """a minus b in each unit (set and seed), at the horizon's window."""
    w = q.window(series, outcome, q.HORIZONS[horizon])
    return (w[a] - w[b]).to_numpy(dtype=float)


def summarise(d: np.ndarray, claim: int = 1) -> dict:
    """An effect over units: mean with its 95% interval, the central 90% of units, and the share of
    units in which it lies beyond the tolerance on the claimed side."""
    m, lo, hi = mean_ci(d)
    return {
        "mean": m,
        "low": lo,
        "high": hi,
        "p05": float(np.percentile(d, 5)),
        "p95": float(np.percentile(d, 95)),
        "holds": float(np.mean(claim * d > q.TOL)),
        "n": len(d),
    }


def label(share: float) -> str:
    if share >= HOLDS_IN:
        return "holds"
    if 1 - share >= HOLDS_IN:  # not share <= 1 - HOLDS_IN: 1 - 0.8 is 0.19999999999999996
        return "does not hold"
    return "depends on the set"


def spiral_verdict(lead3: np.ndarray, lead10: np.ndarray) -> dict:
    """The spiral criterion fixed in docs/ODD.md 7.14, over units: the lead over the loop-cut twin grows
    from year 3 to year 10 by more than the tolerance in at least HOLDS_IN of the sets (a spiral); else it
    exceeds the tolerance at year 10 in at least HOLDS_IN of them (a lasting lift); else no lift, or it
    depends on the set."""
    grows = float(np.mean(lead10 - lead3 > q.TOL))
    lasts = float(np.mean(lead10 > q.TOL))
    if grows >= HOLDS_IN:
        verdict = "spirals"
    elif lasts >= HOLDS_IN:
        verdict = "a lasting lift, not a spiral"
    elif lasts <= 1 - HOLDS_IN:
        verdict = "no lift"
    else:
        verdict = "depends on the set"
    return {"grows_in": grows, "lasts_in": lasts, "verdict": verdict}


def spiral_row(series: pd.DataFrame) -> dict:
    lead3 = unit_differences(series, "full", "loop-cut twin", "participation_index", "3 years")
    lead10 = unit_differences(series, "full", "loop-cut twin", "participation_index", "10 years")
    return {
        "lead at 3 years": summarise(lead3),
        "lead at 10 years": summarise(lead10),
        "growth": summarise(lead10 - lead3),
        **spiral_verdict(lead3, lead10),
    }


def claims_table(series: pd.DataFrame) -> list[dict]:
    rows = []
    for c in CLAIMS:
        s = summarise(unit_differences(series, c.a, c.b, c.outcome, c.horizon), c.claim)
        rows.append({"claim": c, **s, "label": label(s["holds"])})
    return rows


def levers_table(series: pd.DataFrame) -> list[dict]:
    """(i) Each lever high minus low at ten years: the share of sets in which it moves participation
    beyond the tolerance either way."""
    rows = []
    for name, (low, high) in q.LEVERS.items():
        d = unit_differences(
            series, q.lever_label(name, high), q.lever_label(name, low), "participation_index", "10 years"
        )
        s = summarise(d)
        s["holds"] = float(np.mean(np.abs(d) > q.TOL))
        rows.append({"lever": name, "low → high": f"{low} → {high}", **s, "label": label(s["holds"])})
    return rows


def _fx(s: dict) -> str:
    return f"{s['mean']:+.3f} [{s['low']:+.3f}, {s['high']:+.3f}]"


def _range(s: dict) -> str:
    return f"{s['p05']:+.3f} to {s['p95']:+.3f}"


# ------------------------------------------------------------------------------ the grid --------
COMMUNITY_TYPES = ("old_neighbourhood", "commercial_estate", "resettlement_community", "mixed_migrant")
GRID_LABELS = (
    "full",
    "loop-cut twin",
    "provider",
    "appointed",
    "unfunded",
    "support withdrawn",
    "money withdrawn",
    "outreach withdrawn",
    "order reversed",
    q.lever_label("resident_voice", 0.0),
    *(f"without {m}" for m in mechanism_names()),
)


def grid_cells(n_default: int = 2000) -> dict[str, tuple[int, dict]]:
    """cell name -> (community size, parameters beneath every configuration)."""
    full = load_scenario("red_microcycle")
    cells = {f"{n:,} residents": (n, {}) for n in (500, 2000, 5000)}
    cells.update({f"rounds of {w} weeks": (n_default, {"round_weeks": w}) for w in (13, 52)})
    for name in COMMUNITY_TYPES:
        own = {k: v for k, v in load_scenario(name).items() if full.get(k) != v}
        cells[name.replace("_", " ")] = (n_default, own)
    return cells


def grid(seeds: int, workers=None, cache: Path | None = None, under: dict | None = None) -> pd.DataFrame:
    """Each claim (and the spiral) in each cell of the grid: effect [95% interval] and its verdict."""
    rows = {}
    for cell, (n, over) in grid_cells().items():
        params = {**(under or {}), **over}
        series, _ = cached(
            cache,
            {"grid": cell, "n": n, "over": params, "seeds": seeds, "labels": GRID_LABELS},
            lambda n=n, params=params: run_sets(GRID_LABELS, [params], n, seeds_per_set=seeds, workers=workers),
        )
        col = {}
        sp = spiral_row(series)
        col["(a) lead over the twin grows, 3 to 10 years"] = f"{_fx(sp['growth'])} {sp['verdict']}"
        for c in CLAIMS:
            d = unit_differences(series, c.a, c.b, c.outcome, c.horizon)
            s = summarise(d, c.claim)
            col[f"({c.key}) {c.text}"] = f"{_fx(s)} {q.verdict(s, c.claim)}"
        rows[cell] = col
    return pd.DataFrame(rows)


def grid_agreement(table: pd.DataFrame) -> pd.Series:
    """Per claim: the verdict where every cell agrees, else what it depends on (the cells that differ)."""
    out = {}
    for claim, row in table.iterrows():
        verdicts = row.map(lambda s: s.split("] ", 1)[1] if "] " in s else s)
        common = verdicts.mode().iloc[0]
        odd = [cell for cell, v in verdicts.items() if v != common]
        out[claim] = common if not odd else f"{common}, except {', '.join(f'{c} ({verdicts[c]})' for c in odd)}"
    return pd.Series(out)


# ------------------------------------------------------------------------------ the report ------
WHAT_DECIDES: dict[str, str] = {
    "a": "Five loops carry a round's end into the next round's start (docs/ODD.md 7.3, `LOOPS`); the loop-cut twin "
    "cuts them all. Whether the lead grows depends on how much of what a round builds residents keep: "
    "commitment and the lasting noise hold residents on their rungs for months (7.14), while slipping with "
    "a drive shortfall and fading spirit (7.13) take gains back. `scenarios/essay_assumptions.toml` states "
    "the slow turnover under which the lead does grow round after round (tests/test_spiral.py).",
    "b": "With the budget held, a mechanism pays its way only if its rules do more than its money would do "
    "elsewhere in the pool. The convention now costs its participants' hours and the pool's money (7.14), "
    "so it can also cost more than it gives (tests/test_answers_not_built_in.py).",
    "c": "Both strategies start teams; an appointed team works in full at once, holds its members and never "
    "falls apart, but costs more and builds no one's capacity, while residents' own teams mature slowly, "
    "cheaply, and build capacity; participatory projects organise first and cost more (7.13, 7.14). Which "
    "leads is decided by these over time; slow, costly empowerment makes the provider lead (tested).",
    "d": "A backbone is worth what residents have seen it do, and in part their trust in the organisation behind "
    "it (7.14). Emergent backbones have served; appointed ones are always a full complement and spurred by "
    "their role. Where few residents reach the upper rungs appointed backbones win (tested).",
    "e": "Unfunded points are never honoured: residents learn it at each redemption at `credibility_learning`, "
    "broken promises cost trust, and only the incentive's money is missing (7.14).",
    "f": "The phases build stocks that outlast a round (bonds, capacity, teams, the pool), so the slot in which "
    "each starts matters only as far as one phase feeds the next within the round.",
    "g": "After week 157 the government's money (projects, teams' training and support) and the outreach of the "
    "three downs can be withdrawn apart or together; what was built without them (bonds, teams already "
    "formed, co-building units, commitment) decides how much remains.",
    "h": "Residents' voice reaches participation through the projects chosen on their survey and the ownership "
    "of the projects they asked for (7.5, 7.13).",
    "i": "Each lever is moved alone from the full cycle's values; a lever that moves participation in few sets "
    "acts only through channels that are weak at most posterior sets.",
}
"""What decides each answer: the rules responsible (the direction and size are in the tables, from the runs)."""


def report(posterior: dict, grid_table: pd.DataFrame | None, meta: dict) -> str:
    sp = posterior["spiral"]
    out = [
        "# Questions the model answers, under the calibration's uncertainty",
        "",
        f"Generated by `{meta['command']}` ({meta['sets']} posterior sets × {meta['seeds_per_set']} seed each, "
        f"{meta['n_residents']:,} residents, ten years; the grid: {meta['grid_seeds']} seeds per cell at the "
        f"calibrated defaults). {meta['seconds'] / 60:.0f} minutes on 2 cores. Each effect is a difference paired "
        "within a set (same seed, community and draws) with its 95% interval over the sets and seeds, then the "
        "central 90% of the sets' effects, then the share of sets in which the answer holds (beyond the tolerance "
        f"of {q.TOL} on its side), and last the label: **holds** in at least {HOLDS_IN:.0%} of the sets, **does "
        f"not hold** in at most {1 - HOLDS_IN:.0%}, **depends on the set** otherwise. Posterior: "
        f"`{meta['posterior']}` (docs/calibration.md)."
        + (
            f" **Read the shares with care:** the posterior's weight rests on few particles (effective sample size "
            f"{meta['ess']:.1f}), so the {meta['sets']} sets drawn by weight are {meta['distinct']} distinct "
            "particles: a share of sets measures chance (each set has its own seed) around those particles more "
            "than the spread of the fit."
            if "distinct" in meta and meta["distinct"] < meta["sets"] / 2
            else ""
        ),
        "",
        "## (a) Does the full cycle spiral upward?",
        "",
        "The criterion was fixed in docs/ODD.md 7.14 before these runs: the lead of the full cycle over its "
        f"loop-cut twin must grow from year 3 to year 10 by more than {q.TOL} in at least {HOLDS_IN:.0%} of the "
        "posterior sets.",
        "",
        "| | effect [95% interval] | central 90% of sets | share of sets |",
        "|---|---|---|---|",
        f"| lead at 3 years | {_fx(sp['lead at 3 years'])} | {_range(sp['lead at 3 years'])} | "
        f"{sp['lead at 3 years']['holds']:.0%} above {q.TOL} |",
        f"| lead at 10 years | {_fx(sp['lead at 10 years'])} | {_range(sp['lead at 10 years'])} | "
        f"{sp['lasts_in']:.0%} above {q.TOL} |",
        f"| growth, 3 to 10 years | {_fx(sp['growth'])} | {_range(sp['growth'])} | {sp['grows_in']:.0%} above "
        f"{q.TOL} |",
        "",
        f"**Verdict: {sp['verdict']}.** *What decides it.* {WHAT_DECIDES['a']}",
        "",
        "## (b)-(h): the decisive comparisons",
        "",
        "| question | claim | outcome, horizon | effect [95% interval] | central 90% of sets | holds in | label |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in posterior["claims"]:
        c = r["claim"]
        out.append(
            f"| ({c.key}) | {c.text} | `{c.outcome}`, {c.horizon} | {_fx(r)} | {_range(r)} | {r['holds']:.0%} "
            f"| {r['label']} |"
        )
    out += ["", "What decides each answer:", ""]
    out += [f"- ({k}) {WHAT_DECIDES[k]}" for k in "bcdefgh"]
    out += [
        "",
        "## (i) Which levers move participation (ten years, high minus low)",
        "",
        "| lever | low → high | effect [95% interval] | central 90% of sets | moves it in | label |",
        "|---|---|---|---|---|---|",
    ]
    for r in posterior["levers"]:
        out.append(f"| `{r['lever']}` | {r['low → high']} | {_fx(r)} | {_range(r)} | {r['holds']:.0%} | {r['label']} |")
    out += ["", f"*What decides it.* {WHAT_DECIDES['i']}"]
    if grid_table is not None:
        out += [
            "",
            "## The robustness grid",
            "",
            "The same comparisons at the calibrated defaults, one change at a time (community size, round length, "
            "community type), each cell paired over its seeds: effect [95% interval] and the verdict of "
            "docs/questions.md's rule (yes / small / no effect / reverse / unclear). The last column states a "
            "verdict only where the grid agrees, and otherwise what it depends on.",
            "",
            markdown_table(
                grid_table.assign(**{"where the grid agrees": grid_agreement(grid_table)}).reset_index(names="claim")
            ),
            "",
        ]
    return "\n".join(out) + "\n"


def answer_under_posterior(
    posterior_file: str | Path,
    sets: int,
    n_residents: int,
    seeds_per_set: int = 1,
    workers=None,
    cache: Path | None = None,
) -> dict:
    chosen = read_posterior(posterior_file, sets)
    labels = list(dict.fromkeys((*q.SPIRAL[:2], *(label for c in CLAIMS for label in (c.a, c.b)), *q.levers.labels)))
    series, _ = cached(
        cache,
        {"posterior": chosen, "n": n_residents, "seeds": seeds_per_set, "labels": labels},
        lambda: run_sets(labels, chosen, n_residents, seeds_per_set=seeds_per_set, workers=workers),
    )
    return {
        "spiral": spiral_row(series),
        "claims": claims_table(series),
        "levers": levers_table(series),
        "sets": chosen,
    }


def main(argv=None) -> None:
    import time

    parser = argparse.ArgumentParser(prog="python -m experiments.uncertainty", description=__doc__.split("\n\n")[0])
    parser.add_argument("--posterior", default="docs/calibration/posterior.csv")
    parser.add_argument("--sets", type=int, default=30)
    parser.add_argument("--seeds-per-set", type=int, default=1)
    parser.add_argument("--n-residents", type=int, default=1000)
    parser.add_argument("--grid-seeds", type=int, default=3, help="seeds per cell of the robustness grid (0: no grid)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--cache", help="keep the runs in this folder and reuse them")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "questions.md"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cache = Path(args.cache) if args.cache else None
    posterior = answer_under_posterior(
        args.posterior, args.sets, args.n_residents, args.seeds_per_set, args.workers, cache
    )
    grid_table = grid(args.grid_seeds, args.workers, cache) if args.grid_seeds else None
    import sys

    given = sys.argv[1:] if argv is None else list(argv)
    meta = {
        "command": " ".join(["uv run python -m experiments.uncertainty", *given]),
        "sets": len(posterior["sets"]),
        "seeds_per_set": args.seeds_per_set,
        "n_residents": args.n_residents,
        "grid_seeds": args.grid_seeds,
        "posterior": args.posterior,
        "distinct": len({tuple(sorted(row.items())) for row in posterior["sets"]}),
        "ess": posterior_ess(args.posterior),
        "seconds": time.perf_counter() - started,
    }
    Path(args.out).write_text(report(posterior, grid_table, meta), encoding="utf-8")
    print(f"wrote {args.out} ({meta['seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
