"""The short ``report.md`` a sweep and a sensitivity analysis write beside their parquet files, for a
person who does not open Python: what ran, whether anything was recomputed, the main effect of each
varied parameter on each outcome with 95% intervals, a heatmap when two parameters were varied, and
(for sensitivity) the Morris/Sobol table with a warning below the recommended sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from model import glossary

from .replications import markdown_table, mean_ci

LEVELS = 5
"""A numeric parameter with more distinct values than this is grouped into this many equal-count bins."""
RECOMMENDED = {"morris": 10, "sobol": 512}
"""Recommended samples (Morris trajectories; Sobol base samples, a power of 2) below which the indices'
intervals are too wide to rank parameters (Campolongo et al. 2007; Saltelli et al. 2010)."""


def varied(spec: dict[str, Any]) -> list[str]:
    return [*spec["ranges"], *spec["values"]]


def levels(x: pd.Series) -> pd.Series:
    """Each run's level of a parameter: its value, or its bin when there are many values."""
    if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x) and x.nunique() > LEVELS:
        bins = pd.qcut(x, LEVELS, duplicates="drop")
        return bins.map(lambda b: f"{b.left:.3g} to {b.right:.3g}").astype(str)
    return x.astype(str)


def main_effects(spec: dict[str, Any], runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Mean of each outcome at each level of each varied parameter (over every other parameter and
    replication), with a 95% t interval."""
    rows = []
    for name in varied(spec):
        lev = levels(runs[name])
        order = runs.groupby(lev)[name].min().sort_values().index
        for level in order:
            sel = runs[lev == level]
            for outcome in outcomes:
                m, lo, hi = mean_ci(sel[outcome].to_numpy(dtype=float))
                rows.append(
                    {
                        "parameter": name,
                        "level": level,
                        "runs": len(sel),
                        "outcome": outcome,
                        "mean": m,
                        "low": lo,
                        "high": hi,
                    }
                )
    return pd.DataFrame(rows)


def heatmap(spec: dict[str, Any], runs: pd.DataFrame, outcome: str, path: Path) -> None:
    """The outcome's mean over the two varied parameters' levels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a, b = varied(spec)
    la, lb = levels(runs[a]), levels(runs[b])
    table = runs.assign(_a=la, _b=lb).pivot_table(index="_b", columns="_a", values=outcome, aggfunc="mean")
    table = table.loc[runs.groupby(lb)[b].min().sort_values().index, runs.groupby(la)[a].min().sort_values().index]
    fig, ax = plt.subplots(figsize=(7, 5.5))
    im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="OrRd")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(table.shape[0]), table.index, fontsize=8)
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.set_title(f"{glossary.term(outcome, 'en')}: mean over runs")
    fig.colorbar(im, ax=ax, label=glossary.term(outcome, "en"))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def sweep_report(
    spec: dict[str, Any], out: Path, runs: pd.DataFrame, batches: int, resumed: int, kind: str = "sweep"
) -> str:
    """The report's text (and its heatmap, written into ``out``)."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    outcomes = [o for o in spec["outcomes"] if o in ok]
    names = varied(spec)
    ran = batches - resumed
    lines = [
        f"# {kind.capitalize()}: {spec.get('scenario_name', spec['scenario'])}, design {spec['design']}",
        "",
        f"{len(runs)} runs ({len(spec['points'])} points x {spec['replications']} replications), "
        f"{spec['steps']} weeks each; varied: " + ", ".join(f"`{n}`" for n in names) + ".",
        "",
    ]
    if ran == 0:
        lines += [
            f"**Nothing was recomputed:** all {batches} batches were already finished in this folder; "
            "the tables below are read from them.",
            "",
        ]
    elif resumed:
        lines += [f"Resumed: {resumed} of {batches} batches were already finished; this session ran {ran}.", ""]
    failed = len(runs) - len(ok)
    if failed:
        lines += [f"**Warning:** {failed} runs failed and are left out (their `status` in runs/).", ""]
    lines += [
        "## Main effects",
        "",
        "The mean of each outcome at each level of one varied parameter, over all other parameters and "
        "replications, with 95% intervals (numeric parameters with many values in equal-count bins). "
        "A main effect shows a parameter's average influence; it hides interactions.",
        "",
    ]
    effects = main_effects(spec, ok, outcomes)
    for outcome in outcomes:
        t = effects[effects["outcome"] == outcome]
        shown = pd.DataFrame(
            {
                "parameter": t["parameter"],
                "level": t["level"],
                "runs": t["runs"],
                "mean": t["mean"].map("{:.3f}".format),
                "95% interval": [f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(t["low"], t["high"], strict=True)],
            }
        )
        definition = glossary.definition(outcome, "en") if outcome in glossary.OUTCOMES else ""
        lines += [f"### {glossary.term(outcome, 'en')} (`{outcome}`)", "", definition, "", markdown_table(shown), ""]
    if len(names) == 2 and outcomes and all(pd.api.types.is_numeric_dtype(ok[n]) for n in names):
        first = "participation_index" if "participation_index" in outcomes else outcomes[0]
        heatmap(spec, ok, first, out / "heatmap.png")
        lines += ["## Two parameters together", "", f"![{first} over both parameters](heatmap.png)", ""]
    lines += ["The runs, one row each: `runs/` (parquet; `pandas.read_parquet`).", ""]
    return "\n".join(lines)


def sensitivity_warnings(spec: dict[str, Any], table: pd.DataFrame) -> list[str]:
    """Warnings a reader of the indices needs: a sample below the recommended one, and intervals that
    reach below zero (an index cannot be negative: the sample is too small to rank those)."""
    method = spec["design"]
    lines = []
    need = RECOMMENDED[method]
    if spec["samples"] < need:
        what = "trajectories" if method == "morris" else "base samples"
        lines.append(
            f"**Warning:** {spec['samples']} {what}, below the recommended {need}: the intervals are wide "
            "and the ranking may change with more samples."
        )
    conf, value = ("mu_star_conf", "mu_star") if method == "morris" else ("ST_conf", "ST")
    below = table[(table[value] - table[conf]) < 0] if conf in table else table.iloc[0:0]
    if len(below):
        lines.append(
            f"**Warning:** {len(below)} of {len(table)} intervals of {value} reach below 0 (e.g. "
            f"`{below['parameter'].iloc[0]}` for {below['outcome'].iloc[0]}); an index is never negative, "
            "so those parameters cannot be told apart from no effect at this sample."
        )
    return lines
