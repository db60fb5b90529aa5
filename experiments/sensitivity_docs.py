"""Global sensitivity of the engine and mechanism constants: ``docs/sensitivity.md`` and ``docs/sensitivity/``.

    uv run python -m experiments.sensitivity_docs               # run (or resume) every stage, then write the docs
    uv run python -m experiments.sensitivity_docs --docs-only   # rewrite the docs from the finished stages

Three stages, each an experiment file of ``sweeps/`` run by ``run.py sensitivity`` (resumable, in
``results/sensitivity/<stage>/``): a Morris screen of the full cycle, a Morris screen of the status
quo, then Sobol indices of the few constants the first screen found influential. The docs keep each
stage's indices (``docs/sensitivity/<stage>.csv``), one figure per stage, and the ranking tables.

A parameter's *influence* in a stage is its index (Morris mu*, Sobol ST) divided by the largest
index of that outcome, averaged over the stage's outcomes: 1 = the strongest on every outcome.
The parameters the doc names as influential are the ``TOP`` of this ranking, recomputed by
tests/test_sensitivity.py from the committed csv files, so the doc cannot drift from its data.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

from model.params import PARAMS

from .replications import markdown_table
from .sweep import read_spec

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FOLDER = DOCS / "sensitivity"
RESULTS = ROOT / "results" / "sensitivity"
STAGES = {
    "morris_red_microcycle": "sensitivity_morris",
    "morris_status_quo": "sensitivity_morris_status_quo",
    "sobol": "sensitivity_sobol",
}
"""Stage name (its csv and figure in docs/sensitivity/) -> experiment file in sweeps/."""
LABELS = {
    "morris_red_microcycle": "full cycle, Morris",
    "morris_status_quo": "status quo, Morris",
    "sobol": "full cycle, Sobol",
}
KEY = {"morris": "mu_star", "sobol": "ST"}
TOP = 6
BAND = (0.5, 1.5)
"""The ranges: default x 0.5 to default x 1.5, clipped to the schema's [low, high]."""
INFLUENTIAL_LINE = "Influential uncertain parameters for calibration:"
COMMAND = "uv run python -m experiments.sensitivity_docs"

FINDINGS = """\
**What dominates.** In both communities the engine's own ladder constants move the outcomes most,
not the mechanisms': `rung_step` (the extra threshold for each rung above the first) is by far the
strongest (moving it across its band changes the share who volunteered in the past year by about
μ* = 0.52 in the full cycle and 0.23 in the status quo), followed by the drive weights
`weight_capacity`, `weight_spirit` and `weight_social` and by `decision_noise`. Of the mechanism
constants only the convention's `norm_pull` is of the same order for participation; for mean trust
the leaders are the incentive's `point_value`, the backbone's `backbone_trust` and `backbone_share`,
`trust_rate` and `broken_promise_cost`. The calibrated `incentive_pull` ranks only ninth on
volunteering in the full cycle (μ* 0.045 over x0.5-x1.5): the 30% target pins it only once the
engine constants are fixed, and an uncertain `rung_step` moves volunteering ten times as much.

**What barely matters** (influence below 0.05, listed under the full-cycle table): 28 of the 52
constants in the full cycle, among them all the team and resource mechanisms' constants,
the project's `project_efficacy`, `project_pull` and `project_retention`, and the issue-10 rules
`slip_drive_weight`, `spirit_decay`, `capacity_decay`, `backbone_burnout`, `points_crowding` and
`convention_spread` over their bands: candidates to leave as documented assumptions.
`dialogue_gain` does nothing at all (μ* = 0): with the default `convention_locality` = 1 residents
feel only their own bond to the convention, and the dialogue gain feeds only the community-wide
norm, which then acts on no one (it shows only in the `norm` outcome). In the status quo the project
mechanism's constants and the trust constants hardly move participation (influence at most 0.035):
there the ladder runs on the engine alone.

**Interactions.** For participation in the full cycle σ stays well below μ* for the leading
constants (nearly additive, monotone effects). It is about as large as μ* or larger for
`weight_social` on volunteering, for volunteering in the status quo (σ/μ* about 1 to 2: a threshold
effect, volunteering stays near zero unless climbing is made easy), and for almost every constant's
effect on mean trust, which runs through the pool and the incentive (below).

**Unexpected signs.** `point_value`: paying more per point lowers volunteering, participation and
trust. The pool cannot honour the larger claims; the unpaid share is a broken promise that cuts the
holders' trust (`broken_promise_cost`) and the points' credibility, which weakens the incentive.
For the same reason, in the full cycle what raises participation (`weight_social`, `weight_spirit`,
`norm_pull`, `decision_noise`) lowers mean trust, and `rung_step` raises it: more volunteers earn
more points than the pool pays. `decision_noise` raises participation in both communities
(thresholds sit above the typical drive, so noise lifts more residents over them than it drops).
In the status quo more effective self-help and mutual aid (`self_help_efficacy`,
`mutual_aid_efficacy`) and slower-growing needs (`need_growth`) slightly lower participation:
needs met stop pulling residents onto the lower rungs. `mechanism_trust_weight` lowers
participation, as its formula says while trust is below 1.
"""
SOBOL_FINDINGS = """\
The Sobol indices of the seven leading constants confirm the screen. Volunteering and participation
are nearly additive (the S1 sum to about 0.93 and 0.97): `rung_step` alone explains about 70% of the
variance of the share who volunteered in the past year and 44% of the participation index, then
`weight_social` (18%), `weight_capacity` (14%) and `decision_noise` (9%) of the participation index;
`point_value` explains none of either once the others vary. Mean trust is the opposite: the S1 sum
to about 0.5 and the ST to about 1.9, so half of its variance comes from interactions. `rung_step`
(S1 0.12, ST 0.74) and `point_value` (S1 0.21, ST 0.51) act mostly together: what a higher point
value costs in trust depends on how many residents climb high enough to earn points the pool cannot
honour. One replication per point: in the screen the seeds' noise was under 2% of each outcome's
variance.
"""


def screened_default(name: str) -> float:
    """The value a constant was screened around: its default before the calibration. The screen
    came first (it chose what to calibrate), so the calibrated constants are centred on the
    hand-set values the calibration started from (experiments/calibration.py START)."""
    from .calibration import START

    return START.get(name, PARAMS[name].default)


def band(name: str) -> tuple[float, float]:
    """The range a constant is screened over: its default before the calibration x BAND, clipped
    to the schema."""
    par, default = PARAMS[name], screened_default(name)
    return max(par.low, default * BAND[0]), min(par.high, default * BAND[1])


def method_of(stage: str) -> str:
    return stage.split("_")[0]


def influence(table: pd.DataFrame, key: str) -> pd.Series:
    """Each parameter's index relative to the largest of its outcome, averaged over outcomes; descending."""
    rel = table[key].clip(lower=0) / table.groupby("outcome")[key].transform("max")
    return rel.groupby(table["parameter"]).mean().sort_values(ascending=False, kind="stable")


def influential(table: pd.DataFrame, key: str, n: int = TOP) -> list[str]:
    return list(influence(table, key).index[:n])


def read_stage(stage: str, folder: Path = FOLDER) -> pd.DataFrame:
    return pd.read_csv(folder / f"{stage}.csv")


def run_stages(workers: int, results: Path) -> None:
    from .sensitivity import run_sensitivity

    for stage, spec_name in STAGES.items():
        print(f"stage {stage} ({spec_name}) ...", flush=True)
        run_sensitivity(read_spec(spec_name), results / stage, workers=workers, progress=False)


# ---------------------------------------------------------------------------- figures -----
def plot_stage(stage: str, table: pd.DataFrame, path: Path, labelled: int = 8) -> None:
    from .plotting import plt

    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.2 * len(outcomes), 3.6), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes):
        t = table[table["outcome"] == outcome]
        if method_of(stage) == "morris":
            ax.scatter(t["mu_star"], t["sigma"], s=12)
            top = float(max(t["mu_star"].max(), t["sigma"].max()))
            ax.plot([0, top], [0, top], ls="--", lw=0.6, color="grey", label="σ = μ*")
            ax.legend(fontsize=7, loc="lower right")
            for _, r in t.nlargest(labelled, "mu_star").iterrows():
                ax.annotate(
                    r["parameter"], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(2, 2), textcoords="offset points"
                )
            ax.set_xlabel("μ* (mean |elementary effect|)")
            ax.set_ylabel("σ (interactions, non-linearity)")
        else:
            t = t.sort_values("ST", ascending=False)
            pos = range(len(t))
            ax.bar([p - 0.2 for p in pos], t["S1"], 0.4, yerr=t["S1_conf"], capsize=2, label="S1 (first order)")
            ax.bar([p + 0.2 for p in pos], t["ST"], 0.4, yerr=t["ST_conf"], capsize=2, label="ST (total)")
            ax.set_xticks(list(pos), t["parameter"], rotation=35, ha="right", fontsize=7)
            ax.set_ylabel("Sobol index")
            ax.legend(fontsize=7)
        ax.set_title(outcome, fontsize=9)
    fig.suptitle(LABELS[stage], fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)


# ---------------------------------------------------------------------------- the doc -----
def ranking(stage: str, table: pd.DataFrame, rows: int | None = None) -> str:
    """The ranking table: influence, then each outcome's index (Morris: mu*, sign of mu, sigma/mu*)."""
    key = KEY[method_of(stage)]
    score = influence(table, key)
    out = pd.DataFrame({"parameter": score.index, "influence": score.round(3).to_numpy()})
    for outcome, t in table.groupby("outcome", sort=False):
        t = t.set_index("parameter").reindex(score.index)
        if key == "mu_star":
            sign = ["+" if m > 0 else "−" for m in t["mu"]]
            out[f"{outcome} μ*"] = [f"{v:.3g} ({s})" for v, s in zip(t["mu_star"], sign)]
            out[f"{outcome} σ/μ*"] = (t["sigma"] / t["mu_star"]).round(2).to_numpy()
        else:
            out[f"{outcome} S1"] = [f"{v:.2f} ± {c:.2f}" for v, c in zip(t["S1"], t["S1_conf"])]
            out[f"{outcome} ST"] = [f"{v:.2f} ± {c:.2f}" for v, c in zip(t["ST"], t["ST_conf"])]
    return markdown_table(out if rows is None else out.head(rows))


def varied_table(specs: dict[str, dict]) -> str:
    names = list(dict.fromkeys(n for s in specs.values() for n in s["ranges"]))
    rows = [
        {
            "parameter": f"`{n}`",
            "group": PARAMS[n].group,
            "default": f"{screened_default(n):g}",
            "range": "[{:g}, {:g}]".format(*specs["morris_red_microcycle"]["ranges"].get(n, band(n))),
            **{LABELS[stage]: "✓" if n in s["ranges"] else "" for stage, s in specs.items()},
        }
        for n in names
    ]
    return markdown_table(pd.DataFrame(rows))


def write_doc(tables: dict[str, pd.DataFrame], specs: dict[str, dict]) -> str:
    red, sq = tables["morris_red_microcycle"], tables["morris_status_quo"]
    weak = [p for p, v in influence(red, "mu_star").items() if v < 0.05]
    lines = [
        "# Global sensitivity of the engine and mechanism constants",
        "",
        "Which of the model's assumed constants move its outcomes, and which barely matter? A Morris screen",
        "(elementary effects; Morris 1991, Campolongo et al. 2007) of every engine and mechanism constant in",
        "the full cycle (`red_microcycle`) and in the ordinary community (`status_quo`), then Sobol first-order",
        "(S1) and total (ST) indices (Saltelli 2010) of the most influential few in the full cycle. Made with",
        "`run.py sensitivity` (SALib); each point's outcome is its mean over the replications.",
        "",
        "Reproduce (about 15 minutes on 2 cores; each stage resumes if stopped):",
        "",
        "```bash",
        f"{COMMAND} --workers 2",
        "```",
        "",
        "or one stage: `uv run run.py sensitivity sensitivity_morris --workers 2 --out DIR`",
        "(`sensitivity_morris_status_quo`, `sensitivity_sobol`: each file names its method).",
        "",
        "## What was varied",
        "",
    ]
    for stage, s in specs.items():
        n_pts = len(s["points"])
        lines.append(
            f"- **{LABELS[stage]}** (`sweeps/{STAGES[stage]}.toml`): scenario `{s['scenario_name']}`, "
            f"{s['steps']} weeks, {s['fixed'].get('n_residents')} residents, {len(s['ranges'])} parameters, "
            f"{s['samples']} {'trajectories' if s['design'] == 'morris' else 'base samples'}: "
            f"{n_pts} points x {s['replications']} replications = {n_pts * s['replications']} runs; "
            f"outcomes {', '.join(s['outcomes'])}."
        )
    lines += [
        "",
        "Ranges: a band of x0.5 to x1.5 around each default as it was before the calibration (the screen came "
        "first: it chose what to calibrate), clipped to the schema's bounds (only",
        "`participatory_cost` is clipped, at 1). The strategy levers (`org_role`, `three_downs`,",
        "`resident_voice`, `diversity`), the on/off switches and choices, the budgets, integer constants,",
        "the community's composition, `n_residents` and `steps` are not varied. In the status quo only the",
        "project mechanism is on (the organisation as provider), so of the mechanisms only its constants",
        "are screened there.",
        "",
        varied_table(specs),
        "",
        "**Influence** below is a parameter's index (μ* for Morris, ST for Sobol) relative to the largest of",
        "that outcome, averaged over the outcomes (1 = the strongest on every outcome). In the Morris tables",
        "(+) or (−) is the sign of μ, the mean elementary effect (raising the constant raises or lowers the",
        "outcome); σ/μ* above about 1 means the effect depends on the other constants (interactions) or is",
        "non-linear. The full tables are the csv files in [sensitivity/](sensitivity/).",
        "",
        "## Full cycle (`red_microcycle`): Morris",
        "",
        ranking("morris_red_microcycle", red, rows=20),
        "",
        f"The other {len(red['parameter'].unique()) - 20} parameters are in `sensitivity/morris_red_microcycle.csv`. ",
        f"Influence below 0.05: {', '.join(f'`{p}`' for p in weak) or 'none'}.",
        "",
        "![Morris, full cycle](sensitivity/morris_red_microcycle.png)",
        "",
        "## Status quo (`status_quo`): Morris",
        "",
        ranking("morris_status_quo", sq),
        "",
        "![Morris, status quo](sensitivity/morris_status_quo.png)",
        "",
    ]
    if "sobol" in tables:
        lines += [
            "## Full cycle: Sobol indices of the influential few",
            "",
            ranking("sobol", tables["sobol"]),
            "",
            "![Sobol, full cycle](sensitivity/sobol.png)",
            "",
            SOBOL_FINDINGS.strip(),
            "",
        ]
    lines += [
        "## Findings",
        "",
        FINDINGS.strip(),
        "",
        f"{INFLUENTIAL_LINE} status quo: {', '.join(f'`{p}`' for p in influential(sq, 'mu_star'))}; "
        f"full cycle: {', '.join(f'`{p}`' for p in influential(red, 'mu_star'))}.",
        "",
    ]
    return "\n".join(lines)


def named_influential(doc: str) -> dict[str, list[str]]:
    """The parameters the doc's influential line names, by scenario ('status quo', 'full cycle')."""
    line = next(x for x in doc.splitlines() if x.startswith(INFLUENTIAL_LINE))
    parts = re.findall(r"(status quo|full cycle): ([^;.]*)", line)
    return {who: re.findall(r"`(\w+)`", names) for who, names in parts}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs-only", action="store_true", help="do not run; read the finished stages")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--results", type=Path, default=RESULTS, help="the stages' folders (default results/sensitivity)")
    args = ap.parse_args(argv)
    if not args.docs_only:
        run_stages(args.workers, args.results)
    FOLDER.mkdir(parents=True, exist_ok=True)
    tables, specs = {}, {}
    for stage, spec_name in STAGES.items():
        src = args.results / stage / "sensitivity.csv"
        if not src.is_file():
            print(f"stage {stage}: no {src}; skipped")
            continue
        specs[stage] = read_spec(spec_name)
        pd.read_csv(src).to_csv(FOLDER / f"{stage}.csv", index=False, float_format="%.6g")
        tables[stage] = read_stage(stage)  # the doc ranks what is committed
        plot_stage(stage, tables[stage], FOLDER / f"{stage}.png")
    (DOCS / "sensitivity.md").write_text(write_doc(tables, specs), encoding="utf-8")
    print(f"wrote {DOCS / 'sensitivity.md'} and {FOLDER}/")


if __name__ == "__main__":
    main()
