"""Global sensitivity analysis with SALib, on a sweep of the Morris or Sobol design.

    uv run run.py sensitivity SPEC.toml --out results/screen

The experiment file is a sweep's (experiments/sweep.py) with ``[sweep.ranges]``; the method sets
its design. The runs stream into ``DIR/runs/`` (resumable like any sweep); each point's outcome is
its mean over replications; then, for each outcome of ``outcomes``:

* Morris (elementary effects; Morris 1991, Campolongo et al. 2007): mu* (mean absolute effect,
  with its bootstrap 95% interval) and sigma (spread: interaction or non-linearity);
* Sobol (Saltelli 2002/2010 estimators): first-order S1 and total ST indices with 95% intervals.

``DIR/sensitivity.csv`` holds one row per outcome x parameter, ``DIR/sensitivity.md`` the tables,
``DIR/sensitivity_<outcome>.png`` the plots researchers expect (mu* against sigma; S1 and ST bars).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .replications import markdown_table
from .sweep import SpecError, read_runs, run_sweep, salib_problem

METHODS = ("morris", "sobol")


def analyse(spec: dict[str, Any], runs: pd.DataFrame) -> pd.DataFrame:
    """SALib's indices for every outcome of ``spec["outcomes"]``: one row per outcome x parameter."""
    from SALib.analyze import morris, sobol

    problem = salib_problem(spec)
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("sample_id")[spec["outcomes"]].mean().reindex(range(len(spec["points"])))
    if means.isna().any().any():
        missing = int(means.index[means.isna().any(axis=1)][0])
        raise SpecError(f"point {missing} has no successful run; the indices need every point")
    x = np.array([[p[n] for n in problem["names"]] for p in spec["points"]], dtype=float)
    rows = []
    for outcome in spec["outcomes"]:
        y = means[outcome].to_numpy(dtype=float)
        match spec["design"]:
            case "morris":
                r = morris.analyze(problem, x, y, num_levels=spec["num_levels"], seed=spec["seed"])
                for i, name in enumerate(problem["names"]):
                    rows.append(
                        {
                            "outcome": outcome,
                            "parameter": name,
                            "mu_star": r["mu_star"][i],
                            "mu_star_conf": r["mu_star_conf"][i],
                            "mu": r["mu"][i],
                            "sigma": r["sigma"][i],
                        }
                    )
            case "sobol":
                r = sobol.analyze(problem, y, calc_second_order=False, seed=spec["seed"])
                for i, name in enumerate(problem["names"]):
                    rows.append(
                        {
                            "outcome": outcome,
                            "parameter": name,
                            "S1": r["S1"][i],
                            "S1_conf": r["S1_conf"][i],
                            "ST": r["ST"][i],
                            "ST_conf": r["ST_conf"][i],
                        }
                    )
            case other:
                raise SpecError(f"unknown method '{other}'; allowed: {', '.join(METHODS)}")
    return pd.DataFrame(rows)


def plot(spec: dict[str, Any], table: pd.DataFrame, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for outcome, t in table.groupby("outcome", sort=False):
        fig, ax = plt.subplots(figsize=(6, 4))
        if spec["design"] == "morris":
            ax.errorbar(t["mu_star"], t["sigma"], xerr=t["mu_star_conf"], fmt="o", capsize=3)
            for _, r in t.iterrows():
                ax.annotate(
                    r["parameter"], (r["mu_star"], r["sigma"]), fontsize=8, xytext=(3, 3), textcoords="offset points"
                )
            ax.set_xlabel("μ* (mean absolute elementary effect)")
            ax.set_ylabel("σ (interactions, non-linearity)")
        else:
            pos = np.arange(len(t))
            ax.bar(pos - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], capsize=3, label="S1 (first order)")
            ax.bar(pos + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], capsize=3, label="ST (total)")
            ax.set_xticks(pos, t["parameter"], rotation=30, ha="right")
            ax.set_ylabel("Sobol index")
            ax.legend()
        ax.set_title(f"{spec['design']}: {outcome}")
        fig.tight_layout()
        fig.savefig(folder / f"sensitivity_{outcome}.png", dpi=100)
        plt.close(fig)


def run_sensitivity(
    spec: dict[str, Any],
    out: str | os.PathLike,
    workers: int | None = None,
    client: Any = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run the sweep of a Morris or Sobol design (resumable), then write the indices, tables and plots."""
    if spec["design"] not in METHODS:
        raise SpecError(f"sensitivity needs design morris or sobol, got '{spec['design']}'")
    out = Path(run_sweep(spec, out, workers, client, progress, kind="sensitivity"))
    table = analyse(spec, read_runs(out))
    table.to_csv(out / "sensitivity.csv", index=False)
    lines = [
        f"# Sensitivity ({spec['design']}), {len(spec['points'])} points x {spec['replications']} replications",
        "",
        f"Scenario {spec['scenario_name']}, {spec['steps']} weeks; ranges: "
        + ", ".join(f"`{k}` in [{lo:g}, {hi:g}]" for k, (lo, hi) in spec["ranges"].items()),
        "",
    ]
    for outcome, t in table.groupby("outcome", sort=False):
        shown = t.drop(columns="outcome").round(4)
        lines += [f"## {outcome}", "", markdown_table(shown), "", f"![{outcome}](sensitivity_{outcome}.png)", ""]
    (out / "sensitivity.md").write_text("\n".join(lines), encoding="utf-8")
    from .sweep_report import sensitivity_warnings

    warnings = sensitivity_warnings(spec, table)
    report = [lines[0], "", *lines[2:4], *[x for w in warnings for x in (w, "")], *lines[4:]]
    (out / "report.md").write_text("\n".join(report), encoding="utf-8")
    plot(spec, table, out)
    return table
