"""Calibration of the default parameters against the patterns in CONCEPT.md.

    uv run python -m experiments.calibration        # re-calibrates; prints the value and writes docs/calibration.md

Two patterns (CONCEPT.md, "Patterns to hold the model against"):

1. the lower rungs are fuller than the upper ones (China Social Survey 2017: community
   participation is mostly neighbourly mutual help, volunteering rarer) — held by the status quo;
2. with the full cycle, about 30% of residents volunteered in the past year (China Social Survey
   2021, residents aged 18-69) — the share of residents who were on the volunteering rung at least
   one week of the last 52 (``volunteered_past_year``), after three years (156 weeks).

Pattern 2 sets one parameter, ``incentive_pull`` (the drive the incentive adds towards
volunteering; the essay gives no magnitude for it, and the share of volunteers rises monotonically
with it), by bisection on the mean over seeds. Every other value is a documented choice (its
``source`` in the schema says so).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from model import RedCycleModel
from model.params import DEFAULTS
from model.scenarios import load_scenario

from .replications import mean_ci, progress

TARGET = 0.30  # CSS 2021: share of residents who volunteered in the past year
WEEKS = 156
CALIBRATED = "incentive_pull"


def volunteered(value: float, seeds, n_residents: int) -> np.ndarray:
    base = load_scenario("red_microcycle")
    return np.asarray([RedCycleModel(rng=s, **{**base, "n_residents": n_residents, CALIBRATED: value})
                       .run(WEEKS).outcomes["volunteered_past_year"]
                       for s in progress(seeds, desc=f"{CALIBRATED} = {value:.4f}", leave=False)])


def status_quo_shares(seeds, n_residents: int) -> np.ndarray:
    base = load_scenario("status_quo")
    runs = [RedCycleModel(rng=s, **{**base, "n_residents": n_residents}).run(WEEKS)
            for s in progress(seeds, desc="status quo", leave=False)]
    return np.asarray([m.rung_counts() / m.community.n for m in runs])


def calibrate(seeds, n_residents: int, low: float = 0.0, high: float = 1.5, tol: float = 0.005) -> float:
    """Bisection on incentive_pull until the mean volunteered_past_year is within tol of TARGET."""
    for _ in range(30):
        mid = 0.5 * (low + high)
        v = volunteered(mid, seeds, n_residents).mean()
        if abs(v - TARGET) <= tol:
            return mid
        low, high = (mid, high) if v < TARGET else (low, mid)
    return 0.5 * (low + high)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.calibration")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--n-residents", type=int, default=2000)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "calibration.md"))
    args = parser.parse_args(argv)
    seeds = range(101, 101 + args.seeds)  # calibration seeds, apart from the seeds the questions use
    value = round(calibrate(seeds, args.n_residents), 3)
    check = volunteered(value, seeds, args.n_residents)
    m, lo, hi = mean_ci(check)
    shares = status_quo_shares(seeds, args.n_residents).mean(axis=0)
    lines = [
        "# Calibration", "", __doc__.split("\n\n", 2)[2].strip(), "",
        f"Run: `uv run python -m experiments.calibration` ({args.seeds} seeds, {args.n_residents:,} residents, "
        f"{WEEKS} weeks).", "",
        "| pattern | target | model | parameter set |", "|---|---|---|---|",
        f"| volunteered in the past year, full cycle (`red_microcycle`) | {TARGET:.0%} (CSS 2021) | "
        f"{m:.3f} [{lo:.3f}, {hi:.3f}] | `{CALIBRATED}` = {value} (schema default: {DEFAULTS[CALIBRATED]}) |",
        "| share on rungs 1-4 decreasing, status quo (`status_quo`) | lower rungs fuller (CSS 2017) | "
        + " > ".join(f"{x:.3f}" for x in shares[1:]) + f" (rung 0: {shares[0]:.3f}) | none (a check) |",
        "",
        "With the full cycle the rung distribution itself cannot be decreasing and hold 30% volunteers "
        "at once; there pattern 1 holds in its cumulative form (the share at or above each rung falls "
        "with the rung), which the ladder guarantees.",
        "",
        "The engine's own parameters (`threshold_mean` 0.8, `threshold_sd` 0.4, `rung_step` 0.25, "
        "`weight_social` 0.5, `weight_capacity` and `weight_spirit` 0.4, `trait_concentration` 2) were "
        "chosen from a small grid so that the engine alone (`baseline`) and the status quo keep the lower "
        "rungs fuller with a few per cent on the top rung; they are choices, not estimates.",
        "",
        "Which assumed constants move these outcomes most, in the status quo and in the full cycle, is "
        "in [sensitivity.md](sensitivity.md) (Morris screening and Sobol indices).",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{CALIBRATED} = {value}: volunteered_past_year {m:.3f} [{lo:.3f}, {hi:.3f}]; "
          f"status quo shares {np.round(shares, 3).tolist()}; wrote {args.out}")


if __name__ == "__main__":
    main()
