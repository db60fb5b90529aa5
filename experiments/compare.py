"""Scenario comparison with common random numbers, for policy analysts: a report without Python.

    uv run run.py compare red_microcycle status_quo policy_from_year2 --reps 30 --out results/compare

Replication k of every scenario runs with the same seed (``seed_for(seed, k)``): the same
community, initial state and draws in every part the scenarios share, so differences are paired.
The folder holds ``report.md`` (a plain-language summary, each scenario's question, a glossary of
the outcomes, then for each main outcome at years 1, 3, 5 within the run and at the
end: mean, 95% interval, the difference from the first scenario with its paired interval, and the
paired effect size d_z = mean difference / sd of the differences, left out below MIN_REPS_EFFECT
replications; shares as percentages), ``report.html`` (the same, figures embedded), ``timeseries.png`` (means with
95% bands), ``intervals.png`` (end-of-run intervals side by side), ``runs.parquet`` (one row per
scenario x replication), ``timeseries.parquet`` and ``manifest.json``; it is written under a
temporary name and renamed when done.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model import glossary
from model.params import PARAMS, validate
from model.scenarios import read_scenario
from model.timeline import check_events

from .replications import markdown_table, mean_ci, paired_difference
from .sweep import MAIN_OUTCOMES, SpecError, outcome_names, run_batch, seed_for

YEARS = (1, 3, 5)


def plan(
    scenarios: list[str],
    reps: int,
    steps: int | None = None,
    seed: int = 1,
    overrides: dict[str, Any] | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Check everything before anything runs: the scenarios, the overrides, the steps."""
    if not scenarios:
        raise SpecError("compare needs at least one scenario; allowed: names from 'run.py scenarios' or .toml paths")
    if reps < 1:
        raise SpecError(f"--reps must be >= 1, got {reps}")
    if seed < 0:
        raise SpecError(f"--seed must be a non-negative integer, got {seed}")
    if lang not in ("zh", "en"):
        raise SpecError(f"--lang {lang!r} is not known; allowed: zh, en")
    entries = []
    for name in scenarios:
        s = read_scenario(name)
        params = {**s["parameters"], **(overrides or {})}
        if steps is not None:
            params["steps"] = PARAMS["steps"].check(steps)
        full = validate(params)
        check_events(full, s["events"])
        entries.append(
            {
                "name": s["name"],
                "params": params,
                "events": s["events"],
                "steps": full["steps"],
                "question": s["question"],
                "name_zh": s["name_zh"],
            }
        )
    labels = [e["name"] for e in entries]
    if len(set(labels)) != len(labels):
        twice = next(x for x in labels if labels.count(x) > 1)
        raise SpecError(f"scenario '{twice}' is named twice; allowed: each once")
    return {
        "scenarios": entries,
        "reps": reps,
        "seed": seed,
        "overrides": overrides or {},
        "outcome_columns": outcome_names(entries[0]["params"]),
        "lang": lang,
    }


def run_compare(
    p: dict[str, Any], workers: int | None = None, client: Any = None, progress: bool | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every scenario x replication: (runs, weekly time series), tidy."""
    from .replications import map_unordered
    from .replications import progress as progress_bar

    tasks = {}
    for i, e in enumerate(p["scenarios"]):
        for k in range(p["reps"]):
            tasks[(i, k)] = {
                "base": e["params"],
                "events": e["events"],
                "steps": e["steps"],
                "outcome_columns": p["outcome_columns"],
                "timeseries": list(MAIN_OUTCOMES),
                "every": 1,
                "runs": [
                    {
                        "run_id": i * p["reps"] + k,
                        "sample_id": i,
                        "replication": k,
                        "seed": seed_for(p["seed"], k),
                        "point": {},
                    }
                ],
            }
    rows, series = {}, {}
    with progress_bar(total=len(tasks), desc="compare", enabled=progress) as bar:
        for key, result in map_unordered(run_batch, tasks, workers, client):
            rows[key], series[key] = result["rows"], result["series"]
            bar.update(1)
    names = [e["name"] for e in p["scenarios"]]
    runs = pd.concat([rows[k] for k in sorted(rows)], ignore_index=True)
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        raise SpecError(f"run {int(failed['run_id'].iloc[0])} failed: {failed['status'].iloc[0]}")
    runs.insert(0, "scenario", [names[i] for i in runs["sample_id"]])

    def value(i: int, name: str):
        return p["scenarios"][i]["params"].get(name, PARAMS[name].default)

    keys = sorted({k for e in p["scenarios"] for k in e["params"]})
    varied = [k for k in keys if len({repr(value(i, k)) for i in range(len(names))}) > 1]  # differ between scenarios
    for j, name in enumerate(varied):
        runs.insert(3 + j, name, [value(i, name) for i in runs["sample_id"]])
    runs = runs.drop(columns=["sample_id", "run_id", "traceback"])
    ts = pd.concat([series[k] for k in sorted(series)], ignore_index=True)
    ts.insert(0, "scenario", [names[i] for i in ts["sample_id"]])
    ts = ts.drop(columns=["sample_id", "run_id"])
    return runs, ts


MIN_REPS_EFFECT = 10
"""Fewer replications than this: the spread of the paired differences is too uncertain for an effect
size, so d_z is not reported (a warning says so)."""

WORDS = {
    "title": ("情景比较", "Scenario comparison"),
    "summary": ("摘要", "Summary"),
    "compared": (
        "本报告比较了 {k} 个情景（{names}），每个情景运行 {reps} 次，每次使用相同的 {reps} 个随机种子（配对重复），"
        "每次 {weeks} 周（约 {years} 年）。运行结束时（第 {weeks} 周），与 **{first}** 相比：",
        "We compared {k} scenarios ({names}), each run {reps} times with the same {reps} seeds (paired "
        "replications), for {weeks} weeks (about {years} years). At the end (week {weeks}), compared with "
        "**{first}**:",
    ),
    "higher": ("高 {d}（95% 区间 {lo} 到 {hi}）", "{d} higher (95% interval {lo} to {hi})"),
    "lower": ("低 {d}（95% 区间 {lo} 到 {hi}）", "{d} lower (95% interval {lo} to {hi})"),
    "no_clear": (
        "没有明显差异（95% 区间 {lo} 到 {hi}，包含 0）",
        "no clear difference (95% interval {lo} to {hi} includes 0)",
    ),
    "few_reps": (
        "**注意：** 只有 {reps} 次重复，区间较宽，不报告效应量 d_z（重复次数少于 {min} 时，差异的离散程度本身太不确定）。"
        "要报告效应量，请用 `--reps {min}` 或更多。",
        "**Warning:** with only {reps} replications the intervals are wide and effect sizes (d_z) are not "
        "reported (below {min} replications the spread of the differences is itself too uncertain). "
        "Use `--reps {min}` or more for effect sizes.",
    ),
    "enough_reps": (
        "{reps} 次配对重复足以给出差异的区间和效应量 d_z（差异均值 ÷ 差异的标准差）。",
        "{reps} paired replications are enough for intervals of the differences and effect sizes d_z "
        "(mean difference ÷ standard deviation of the differences).",
    ),
    "scenarios": ("情景及其问题", "The scenarios and their questions"),
    "glossary": ("结果指标的含义", "What the outcomes mean"),
    "results": ("各指标的结果", "Results by outcome"),
    "method": (
        "区间为跨重复的 95% t 区间；差异按重复配对（情景减去 **{first}**）。",
        "Intervals are 95% t intervals over replications; differences are paired by replication (scenario "
        "minus **{first}**).",
    ),
    "set_for_all": ("所有情景都设置了：", "Set for every scenario: "),
    "year": ("第 {y} 年", "year {y}"),
    "end": ("结束（第 {w} 周）", "end (week {w})"),
    "when": ("时间", "when"),
    "scenario": ("情景", "scenario"),
    "mean": ("均值", "mean"),
    "interval": ("95% 区间", "95% interval"),
    "difference": ("与 {first} 的差异", "difference from {first}"),
    "paired": ("配对 95% 区间", "paired 95% interval"),
    "question": ("问题", "question"),
    "name_zh": ("中文名", "Chinese name"),
    "pp": (" 个百分点", " percentage points"),
    "week": ("周", "week"),
    "percent": ("居民百分比（%）", "% of residents"),
    "index_axis": ("指数（0–1）", "index (0–1)"),
    "over_time": ("各情景随时间的均值（阴影：95% 区间）", "Means over time (bands: 95% intervals)"),
    "at_end": ("运行结束时的均值和 95% 区间", "Means at the end of the run with 95% intervals"),
    "figures": ("图", "Figures"),
    "shown_as": ("以百分比表示", "shown as a percentage"),
    "shown_index": ("0 到 1", "0 to 1"),
}


def w(key: str, lang: str, **fmt) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**fmt)


def _is_share(outcome: str) -> bool:
    return glossary.OUTCOMES[outcome].kind == "share" if outcome in glossary.OUTCOMES else False


def _fmt(outcome: str, value: float, signed: bool = False, lang: str = "en") -> str:
    """A value as the report shows it: shares as percentages (differences of shares in percentage
    points), indexes with three decimals."""
    if _is_share(outcome):
        return f"{100 * value:+.1f} {PP[lang]}" if signed else f"{100 * value:.1f}%"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


PP = {"zh": "个百分点", "en": "pp"}


def _size(outcome: str, value: float, lang: str) -> str:
    """The size of a difference in words: percentage points for shares."""
    v = abs(value)
    return f"{100 * v:.1f}{w('pp', lang)}" if _is_share(outcome) else f"{v:.3f}"  # noqa: E501


def summary(p: dict[str, Any], ts: pd.DataFrame, lang: str = "en") -> list[str]:
    """The report's opening: what was compared, the main differences at the end in words with their
    intervals, how many replications and what that allows."""
    names = [e["name"] for e in p["scenarios"]]
    first, end = names[0], int(ts["week"].max())
    final = ts[ts["week"] == end]
    lines = [
        f"## {w('summary', lang)}",
        "",
        w(
            "compared",
            lang,
            k=len(names),
            names=", ".join(names),
            reps=p["reps"],
            weeks=end,
            years=f"{end / 52:.1f}",
            first=first,
        ),
        "",
    ]
    for name in names[1:]:
        parts = []
        for outcome in MAIN_OUTCOMES:
            table = final.pivot(index="replication", columns="scenario", values=outcome)
            d = paired_difference(table, name, first)
            lo, hi = _fmt(outcome, d["low"], True, lang), _fmt(outcome, d["high"], True, lang)
            if d["low"] > 0:
                said = w("higher", lang, d=_size(outcome, d["mean"], lang), lo=lo, hi=hi)
            elif d["high"] < 0:
                said = w("lower", lang, d=_size(outcome, d["mean"], lang), lo=lo, hi=hi)
            else:
                said = w("no_clear", lang, lo=lo, hi=hi)
            parts.append(f"{glossary.term(outcome, lang)} {said}")
        lines += [f"- **{name}**: " + ("；" if lang == "zh" else "; ").join(parts), ""]
    lines += [
        w("few_reps", lang, reps=p["reps"], min=MIN_REPS_EFFECT)
        if p["reps"] < MIN_REPS_EFFECT
        else w("enough_reps", lang, reps=p["reps"]),
        "",
    ]
    return lines


def report(p: dict[str, Any], runs: pd.DataFrame, ts: pd.DataFrame, lang: str = "en") -> str:
    names = [e["name"] for e in p["scenarios"]]
    first = names[0]
    end = int(ts["week"].max())
    weeks = [(w("year", lang, y=y), 52 * y) for y in YEARS if 52 * y < end] + [(w("end", lang, w=end), end)]
    lines = [f"# {w('title', lang)}: {', '.join(names)}", "", *summary(p, ts, lang)]
    lines += [f"## {w('scenarios', lang)}", ""]
    rows = [
        {
            w("scenario", lang): e["name"],
            w("name_zh", lang): e.get("name_zh", ""),
            w("question", lang): e.get("question", ""),
        }
        for e in p["scenarios"]
    ]
    lines += [markdown_table(pd.DataFrame(rows)), ""]
    if p["overrides"]:
        lines += [w("set_for_all", lang) + ", ".join(f"`{k} = {v}`" for k, v in p["overrides"].items()), ""]
    lines += [f"## {w('glossary', lang)}", ""]
    for outcome in MAIN_OUTCOMES:
        shown = w("shown_as", lang) if _is_share(outcome) else w("shown_index", lang)
        lines += [f"- **{glossary.term(outcome, lang)}** (`{outcome}`; {shown}): {glossary.definition(outcome, lang)}"]
    lines += ["", f"## {w('results', lang)}", "", w("method", lang, first=first), ""]
    effect = p["reps"] >= MIN_REPS_EFFECT
    for outcome in MAIN_OUTCOMES:
        lines += [f"### {glossary.term(outcome, lang)}", ""]
        rows = []
        for label, week in weeks:
            table = ts[ts["week"] == week].pivot(index="replication", columns="scenario", values=outcome)
            for name in names:
                m, lo, hi = mean_ci(table[name].to_numpy())
                row = {
                    w("when", lang): label,
                    w("scenario", lang): name,
                    w("mean", lang): _fmt(outcome, m),
                    w("interval", lang): f"[{_fmt(outcome, lo)}, {_fmt(outcome, hi)}]",
                }
                diff_key, paired_key = w("difference", lang, first=first), w("paired", lang)
                if name == first:
                    row.update({diff_key: "", paired_key: "", "d_z": ""})
                else:
                    d = paired_difference(table, name, first)
                    diffs = (table[name] - table[first]).to_numpy(dtype=float)
                    sd = diffs.std(ddof=1) if len(diffs) > 1 else 0.0
                    dz = d["mean"] / sd if sd > 0 else float("nan")
                    row.update(
                        {
                            diff_key: _fmt(outcome, d["mean"], True, lang),
                            paired_key: f"[{_fmt(outcome, d['low'], True, lang)}, "
                            f"{_fmt(outcome, d['high'], True, lang)}]",
                            "d_z": f"{dz:+.2f}" if effect else "—",
                        }
                    )
                rows.append(row)
        lines += [markdown_table(pd.DataFrame(rows)), ""]
    lines += [
        f"## {w('figures', lang)}",
        "",
        f"![{w('over_time', lang)}](timeseries.png)",
        "",
        f"![{w('at_end', lang)}](intervals.png)",
        "",
    ]
    return "\n".join(lines)


def _axis(ax, outcome: str, lang: str) -> None:
    """Full axes where shares are compared (0-100%), 0-1 for indexes; labelled in words."""
    if _is_share(outcome):
        ax.set_ylim(0, 100)
        ax.set_ylabel(w("percent", lang))
    else:  # an index: its own range, so that small differences show
        ax.set_ylabel(w("index_axis", lang))
    ax.set_title(glossary.term(outcome, lang), fontsize=10)


def plot(p: dict[str, Any], ts: pd.DataFrame, folder: Path, lang: str = "en") -> None:
    import matplotlib.pyplot as plt

    for name, fig in figures(p, ts, lang).items():
        fig.savefig(folder / name, dpi=100)
        plt.close(fig)


def figures(p: dict[str, Any], ts: pd.DataFrame, lang: str = "en") -> dict:
    """The report's figures (matplotlib figures by file name): means over time with 95% bands, and
    the end-of-run means with their intervals; titles, axis labels and units in ``lang`` words."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    from .plotting import figure_lang, font_rc

    names = [e["name"] for e in p["scenarios"]]
    lang = figure_lang(lang)
    with matplotlib.rc_context(font_rc(lang)):
        over, axes = plt.subplots(2, 3, figsize=(14, 8), sharex=True)
        for ax, outcome in zip(axes.flat, MAIN_OUTCOMES, strict=True):
            scale = 100 if _is_share(outcome) else 1
            for name in names:
                g = ts[ts["scenario"] == name].groupby("week")[outcome]
                mean, sem, n = g.mean() * scale, g.sem().fillna(0.0) * scale, g.count()
                half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sem
                ax.plot(mean.index, mean.values, label=name)
                ax.fill_between(mean.index, mean - half, mean + half, alpha=0.25)
            _axis(ax, outcome, lang)
            ax.set_xlabel(w("week", lang))
        axes.flat[0].legend(fontsize=8, title=w("scenario", lang))
        over.suptitle(w("over_time", lang))
        over.tight_layout()
        end = ts[ts["week"] == ts["week"].max()]
        at_end, axes = plt.subplots(2, 3, figsize=(12, 7))
        for ax, outcome in zip(axes.flat, MAIN_OUTCOMES, strict=True):
            scale = 100 if _is_share(outcome) else 1
            for i, name in enumerate(names):
                m, lo, hi = (scale * x for x in mean_ci(end[end["scenario"] == name][outcome].to_numpy()))
                ax.errorbar([i], [m], yerr=[[m - lo], [hi - m]], fmt="o", capsize=5, ms=6)
            ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
            ax.set_xlim(-0.6, len(names) - 0.4)
            ax.set_xlabel(w("scenario", lang))
            _axis(ax, outcome, lang)
        at_end.suptitle(w("at_end", lang))
        at_end.tight_layout()
    return {"timeseries.png": over, "intervals.png": at_end}


def report_html(markdown_text: str, folder: Path, lang: str = "en") -> str:
    """The report as one self-contained HTML page (figures embedded), to open with a double-click."""
    import base64
    import re

    import markdown

    body = markdown.markdown(markdown_text, extensions=["tables"])

    def embed(m):
        data = base64.b64encode((folder / m.group(1)).read_bytes()).decode()
        return f'src="data:image/png;base64,{data}"'

    body = re.sub(r'src="([\w.-]+\.png)"', embed, body)
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.5}"
        "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 6px}"
        "img{max-width:100%}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{w("title", lang)}</title>'
        f"<style>{style}</style></head><body>\n{body}\n</body></html>\n"
    )


def write_compare(p: dict[str, Any], runs: pd.DataFrame, ts: pd.DataFrame, out: str | os.PathLike) -> Path:
    """Write the comparison folder under a temporary name, then rename it into place."""
    from .outputs import git_commit, staged_folder, versions

    out = Path(out)
    check_folder(out, plan_digest(p))
    with staged_folder(out, may_replace(plan_digest(p)), FILES) as tmp:
        runs.to_parquet(tmp / "runs.parquet", index=False)
        ts.to_parquet(tmp / "timeseries.parquet", index=False)
        lang = p.get("lang", "en")
        text = report(p, runs, ts, lang)
        (tmp / "report.md").write_text(text, encoding="utf-8")
        plot(p, ts, tmp, lang)
        (tmp / "report.html").write_text(report_html(text, tmp, lang), encoding="utf-8")
        manifest = {
            "kind": "compare",
            "digest": plan_digest(p),
            "scenarios": p["scenarios"],
            "reps": p["reps"],
            "seed": p["seed"],
            "seeds": [seed_for(p["seed"], k) for k in range(p["reps"])],
            "overrides": p["overrides"],
            "versions": versions(),
            "commit": git_commit(),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return out


def plan_digest(p: dict[str, Any]) -> str:
    import hashlib

    text = json.dumps({k: p[k] for k in ("scenarios", "reps", "seed", "overrides")}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


FILES = (
    "report.md",
    "report.html",
    "runs.parquet",
    "timeseries.parquet",
    "timeseries.png",
    "intervals.png",
    "manifest.json",
)


def may_replace(digest: str):
    """The test a folder must pass to be replaced by this comparison: empty, or this same comparison's
    files (its manifest's digest) and nothing else."""
    from .folders import holds_only_own

    return lambda folder: holds_only_own(folder, FILES, "manifest.json", lambda m, _: m.get("digest") == digest)


def check_folder(out: Path, digest: str) -> None:
    """A comparison may fill a new or empty folder, or redo the same comparison; nothing else."""
    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink() or not out.is_dir():
        raise SpecError(
            f"--out '{out}' exists and is not a folder; allowed: a new or empty folder, or an earlier comparison"
        )
    if not may_replace(digest)(out):
        raise SpecError(
            f"--out '{out}' holds another experiment or files this comparison did not write; allowed: "
            "a new or empty folder, or this same comparison (its files alone)"
        )
