"""What a policy search writes for an analyst: report.md and report.html (the front, a figure for each
pair of objectives, the knee point and the cheapest point that beats the status quo, in plain words),
front.csv, trials.parquet, runs.parquet and manifest.json (experiments/optimise.py runs the search)."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .replications import markdown_table


def _fmt(x: Any) -> str:
    if isinstance(x, bool | np.bool_):
        return "on" if x else "off"
    if isinstance(x, float | np.floating):
        return f"{x:.4g}"
    return str(x)


def _lever_words(spec: dict[str, Any], row: pd.Series) -> str:
    return ", ".join(f"`{k}` = {_fmt(row[k])}" for k in spec["levers"])


def _objective_words(spec: dict[str, Any], row: pd.Series, prefix: str = "") -> str:
    return "; ".join(f"{o['name']} {row[prefix + o['name']]:.4g}" for o in spec["objectives"])


def _describe_objective(o: dict) -> str:
    stat = "mean" if o["statistic"] == "mean" else f"{o['statistic']:g} quantile"
    return f"**{o['name']}**: {o['sense']}imise the {stat} of `{o['outcome']}` at week {o['week']}"


def _describe_lever(name: str, lever: dict) -> str:
    if lever["kind"] == "choice":
        return f"`{name}` in {{{', '.join(_fmt(c) for c in lever['choices'])}}}"
    step = f" in steps of {lever['step']:g}" if lever["step"] else ""
    return f"`{name}` from {_fmt(lever['low'])} to {_fmt(lever['high'])}{step}"


def front_table(spec: dict[str, Any], front: pd.DataFrame) -> pd.DataFrame:
    """The front as the report shows it: a point number, the levers, each objective with its
    interval (and on fresh seeds), whether it holds, and the two picks."""
    rows = []
    for i, r in front.iterrows():
        row = {"point": i + 1}
        row.update({k: _fmt(r[k]) for k in spec["levers"]})
        for o in spec["objectives"]:
            n = o["name"]
            row[n] = f"{r[n]:.4g} [{r[n + '_low']:.4g}, {r[n + '_high']:.4g}]"
            if f"fresh_{n}" in front:
                row[f"{n} (fresh seeds)"] = f"{r['fresh_' + n]:.4g}"
        if "holds" in front:
            row["holds"] = "yes" if r["holds"] else "**no**"
        row["pick"] = " ".join(w for w, k in (("knee", "knee"), ("cheapest", "cheapest")) if r.get(k))
        rows.append(row)
    return pd.DataFrame(rows)


def plain_words(spec: dict[str, Any], front: pd.DataFrame, reference: dict, chosen: dict) -> list[str]:
    """The knee and the cheapest point, in sentences."""
    ref_name = spec["reference_name"]
    fresh = bool(spec["fresh_seeds"]) and "holds" in front
    ref = reference["fresh" if fresh else "search"]
    where = f"on {spec['fresh_seeds']} fresh seeds" if fresh else "on the search's seeds"
    lines = []
    if not len(front):
        return ["No candidate met every constraint, so there is no front: loosen a constraint or widen the levers."]
    k = chosen["knee"]
    r = front.iloc[k]
    lines.append(
        f"**The knee point is point {k + 1}**: {_lever_words(spec, r)}. It is the point of the front "
        "closest to the ideal one (every objective at its best over the front, each scaled to 0-1): the "
        f"best balance, where giving up a little on one objective no longer buys much on another. It "
        f"gives {_objective_words(spec, r)}"
        + (f" ({_objective_words(spec, r, 'fresh_')} {where})" if fresh else "")
        + "."
    )
    if spec["benefit"] and spec["cost"]:
        b, c = spec["benefit"], spec["cost"]
        ref_words = f"{ref_name} gives {b} {ref[b]:.4g} and {c} {ref[c]:.4g} {where}"
        if chosen["cheapest"] is None:
            lines.append(
                f"**No point of the front beats {ref_name} by more than {spec['margin']:g} on {b}** {where} "
                f"({ref_words})."
            )
        else:
            j = chosen["cheapest"]
            r = front.iloc[j]
            p = "fresh_" if fresh else ""
            lines.append(
                f"**The cheapest point that beats {ref_name} by more than {spec['margin']:g} on {b} is "
                f"point {j + 1}**: {_lever_words(spec, r)}. {where.capitalize()} it gives {b} "
                f"{r[p + b]:.4g} ({r[p + b] - ref[b]:+.4g} over {ref_name}) for {c} {r[p + c]:.4g}; "
                f"{ref_words}."
            )
    same: dict[tuple, list[int]] = {}
    for i in range(len(front)):
        same.setdefault(tuple(round(float(front[o["name"]].iloc[i]), 12) for o in spec["objectives"]), []).append(i)
    for rows in (v for v in same.values() if len(v) > 1):
        differ = [k for k in spec["levers"] if front[k].iloc[rows].nunique() > 1]
        lines.append(
            f"Points {', '.join(str(i + 1) for i in rows)} give the same outcomes: where they differ "
            f"({', '.join(f'`{k}`' for k in differ)}) the levers do nothing with the others as they are."
        )
    if fresh:
        held = int(front["holds"].sum())
        lines.append(
            f"{held} of the {len(front)} points hold on the fresh seeds (still on the front of the "
            "re-evaluated points and within every constraint); a point that does not hold was "
            "probably lucky in the search's seeds."
        )
    return lines


def plot_pairs(
    spec: dict[str, Any], table: pd.DataFrame, front: pd.DataFrame, reference: dict, chosen: dict, folder: Path
) -> list[str]:
    """A figure for each pair of objectives: every candidate, the front with its intervals and point
    numbers, the knee, the cheapest point and the reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [o["name"] for o in spec["objectives"]]
    pairs = list(itertools.combinations(names, 2)) or [(names[0], names[0])]
    files = []
    ok = table[table["state"] == "complete"]
    for i, (a, b) in enumerate(pairs):
        fig, ax = plt.subplots(figsize=(6, 4.5))
        feasible = ok[ok["feasible"]]
        ax.scatter(ok[a], ok[b], s=12, color="0.85", label="candidates outside a constraint")
        ax.scatter(feasible[a], feasible[b], s=14, color="0.55", label="other candidates")
        if len(front):
            ax.errorbar(
                front[a],
                front[b],
                xerr=[front[a] - front[a + "_low"], front[a + "_high"] - front[a]],
                yerr=[front[b] - front[b + "_low"], front[b + "_high"] - front[b]],
                fmt="o",
                color="C0",
                ecolor="C0",
                alpha=0.8,
                capsize=2,
                label="front (95% intervals)",
            )
            for j, r in front.iterrows():
                ax.annotate(str(j + 1), (r[a], r[b]), textcoords="offset points", xytext=(4, 4), fontsize=8)
            for key, marker, colour in (("knee", "D", "C1"), ("cheapest", "s", "C2")):
                if chosen[key] is not None:
                    r = front.iloc[chosen[key]]
                    ax.scatter(
                        [r[a]],
                        [r[b]],
                        s=90,
                        marker=marker,
                        facecolors="none",
                        edgecolors=colour,
                        linewidths=2,
                        label=f"{key} point",
                    )
        ref = reference["search"]
        ax.scatter([ref[a]], [ref[b]], marker="*", s=160, color="C3", label=spec["reference_name"])
        ax.set_xlabel(a)
        ax.set_ylabel(b)
        ax.legend(fontsize=7)
        fig.tight_layout()
        name = f"front_{i + 1}.png"
        fig.savefig(folder / name, dpi=100)
        plt.close(fig)
        files.append(name)
    return files


def report(
    spec: dict[str, Any], table: pd.DataFrame, front: pd.DataFrame, reference: dict, chosen: dict, figures: list[str]
) -> str:
    n_sets = len(spec["posterior_rows"])
    sets = (
        f" x {n_sets} parameter sets drawn from the posterior `{spec['raw']['posterior']}`"
        if spec["posterior_file"]
        else ""
    )
    feasible = int(table["feasible"].sum())
    lines = [
        f"# Policy search: {spec['scenario_name']}",
        "",
        f"Which mix of levers does most, for what it costs: {len(table)} candidates searched with "
        f"{'optuna NSGA-II (population ' + str(spec['population']) + ')' if spec['algorithm'] == 'nsga2' else 'random sampling'}"
        f" (seed {spec['seed']}); each scored over {spec['seeds']} paired seeds{sets} (the same runs' seeds "
        "for every candidate: common random numbers). Intervals are 95% bootstrap intervals of each "
        "objective's statistic over the candidate's runs.",
        "",
        "**Levers**: " + "; ".join(_describe_lever(k, v) for k, v in spec["levers"].items()) + ".",
        "",
        "**Objectives**: " + "; ".join(_describe_objective(o) for o in spec["objectives"]) + ".",
        "",
    ]
    if spec["constraints"]:
        lines += [
            "**Constraints** (the mean over the candidate's runs): "
            + "; ".join(
                f"`{c['outcome']}` at week {c['week']} {'at most' if c['kind'] == 'max' else 'at least'} {c['bound']:g}"
                for c in spec["constraints"]
            )
            + f". {feasible} of {len(table)} candidates met them.",
            "",
        ]
    lines += [
        "## In plain words",
        "",
        *[x + "\n" for x in plain_words(spec, front, reference, chosen)],
        "## The front",
        "",
        f"{len(front)} points no other feasible candidate beats on every objective"
        + (f"; re-evaluated on {spec['fresh_seeds']} fresh seeds" if spec["fresh_seeds"] else "")
        + ".",
        "",
    ]
    if len(front):
        lines += [markdown_table(front_table(spec, front)), ""]
    ref_rows = [
        {"seeds": label, **{o["name"]: f"{reference[key][o['name']]:.4g}" for o in spec["objectives"]}}
        for key, label in (("search", "the search's"), ("fresh", "fresh"))
        if key in reference
    ]
    lines += [
        f"The status quo (`{spec['reference_name']}`, with the same fixed parameters):",
        "",
        markdown_table(pd.DataFrame(ref_rows)),
        "",
    ]
    lines += [f"![{name}]({name})\n" for name in figures]
    lines += [
        "Files: `front.csv` (the front, with the levers, intervals, fresh values, `holds`, `knee` and "
        "`cheapest`), `trials.parquet` (every candidate), `runs.parquet` (every run of every candidate), "
        "`manifest.json`; `uv run run.py rerun DIR` runs the search again and compares them."
    ]
    return "\n".join(lines) + "\n"


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_outputs(
    spec: dict[str, Any],
    out: Path,
    table: pd.DataFrame,
    runs: pd.DataFrame,
    front: pd.DataFrame,
    reference: dict,
    chosen: dict,
    session: dict[str, Any],
) -> None:
    """Every output file, each written under a temporary name and renamed (the manifest last)."""
    import markdown

    from .outputs import git_commit, versions
    from .sweep import _write_atomic

    for old in out.glob("front_*.png"):
        old.unlink()
    figures = plot_pairs(spec, table, front, reference, chosen, out)
    tmp = out / f".front.csv.tmp{os.getpid()}"
    front.to_csv(tmp, index=False)
    os.replace(tmp, out / "front.csv")
    _write_atomic(table, out / "trials.parquet")
    _write_atomic(runs, out / "runs.parquet")
    text = report(spec, table, front, reference, chosen, figures)
    _atomic_text(out / "report.md", text)
    body = markdown.markdown(text, extensions=["tables"])
    _atomic_text(
        out / "report.html",
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>Policy search'
        "</title><style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:"
        "collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body>\n" + body + "\n</body></html>\n",
    )
    manifest = {
        "kind": "optimise",
        "digest": spec["digest"],
        "evaluations": spec["evaluations"],
        "candidates": len(table),
        "front": len(front),
        "figures": figures,
        "seeds": [s for _, s, _ in _cells(spec)],
        "fresh_seeds": [s for _, s, _ in _cells(spec, True)],
        "posterior_sets": [{k: r[k] for k in ("set", "row")} for r in spec["posterior_rows"]]
        if spec["posterior_file"]
        else None,
        "posterior_file": spec["posterior_file"],
        "reference": reference,
        "knee": chosen["knee"],
        "cheapest": chosen["cheapest"],
        **session,
        "versions": {**versions(), "optuna": _optuna_version()},
        "commit": git_commit(),
    }
    _atomic_text(out / "manifest.json", json.dumps(manifest, indent=2, default=str))


def _cells(spec, fresh=False):
    from .optimise import cells

    return sorted({c[:2] + (0,) for c in cells(spec, fresh)})


def _optuna_version() -> str:
    import optuna

    return optuna.__version__
