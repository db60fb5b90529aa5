"""Figures, with bilingual (中文/English) labels where a CJK font is installed.

Matplotlib draws empty boxes for Chinese characters without a CJK font, so labels fall back to
English when none is found (Debian: ``apt-get install fonts-wqy-microhei``).
"""

from __future__ import annotations

import functools

import matplotlib

matplotlib.use("Agg")  # files only; the app uses its own backend
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from model import mechanisms  # noqa: E402
from model.cycle import phase_starts  # noqa: E402
from model.glossary import cjk_font  # noqa: E402
from model.ladder import rung_terms  # noqa: E402

RUNG_LABELS = {key: (zh, en) for n_rungs in (5, 2) for key, zh, en in rung_terms(n_rungs)}
"""Each rung's names, from the one vocabulary (model.ladder)."""
RUNG_COLOURS = ("#d9d9d9", "#fdd0a2", "#fd8d3c", "#d94801", "#8c2d04")


@functools.cache
def _drawable() -> frozenset[int]:
    """Code points the figures' fonts can draw (the CJK font, if any, and DejaVu Sans)."""
    from matplotlib.ft2font import FT2Font

    names = [n for n in (cjk_font(), "DejaVu Sans") if n]
    points: set[int] = set()
    for name in names:
        path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=True)
        points.update(FT2Font(path).get_charmap())
    return frozenset(points)


def drawable(text: str) -> str:
    """``text`` with each character no installed font can draw replaced by '?' (no empty boxes,
    no glyph warnings): a CJK scenario name shows in CJK with a CJK font, as '?' without one."""
    points = _drawable()
    return "".join(c if ord(c) in points or c.isspace() else "?" for c in text)


def figure_lang(lang: str) -> str:
    """The language figures are drawn in: Chinese needs a CJK font, else English (never empty boxes)."""
    return "zh" if lang == "zh" and cjk_font() else "en"


def font_rc(lang: str) -> dict:
    """matplotlib settings for figures in ``lang`` (the CJK font first for Chinese)."""
    font = cjk_font()
    return {"font.sans-serif": [font, "DejaVu Sans"], "axes.unicode_minus": False} if lang == "zh" and font else {}


def label(key: str) -> str:
    zh, en = RUNG_LABELS.get(key, ("", key))
    return f"{zh} {en}" if cjk_font() and zh else en


def plot_rung_shares(table, rung_names, path, title: str = "") -> None:
    """Stacked shares of residents on each rung against weeks, saved to ``path``."""
    font = cjk_font()
    rc = {"font.sans-serif": [font, "DejaVu Sans"], "axes.unicode_minus": False} if font else {}
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
        shares = [table[f"share_{name}"].to_numpy() for name in rung_names]
        colours = RUNG_COLOURS if len(rung_names) == 5 else ("#d9d9d9", "#d94801")
        ax.stackplot(table["week"].to_numpy(), *shares, labels=[label(n) for n in rung_names], colors=colours)
        ax.set_xlabel("周 week" if font else "week")
        ax.set_ylabel("居民比例 share of residents" if font else "share of residents")
        ax.set_ylim(0, 1)
        ax.set_xlim(table["week"].min(), max(1, table["week"].max()))
        ax.set_title(drawable(title))
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, reverse=True)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)


def plot_spiral(
    table,
    round_weeks: int,
    path,
    title: str = "",
    outcome: str = "participation_index",
    twin=None,
    twin_label: str = "",
) -> None:
    fig = spiral_figure(table, round_weeks, title, outcome, twin, twin_label)
    with plt.rc_context(font_rc("zh")):  # fonts are found when the figure is drawn
        fig.savefig(path)
    plt.close(fig)


SPIRAL_TERMS = {"participation_index": ("参与指数", "participation index")}


def spiral_figure(
    table, round_weeks: int, title: str = "", outcome: str = "participation_index", twin=None, twin_label: str = ""
):
    """The micro-cycle as a spiral: one turn per round (the angle is the week within the round, the
    phases as labelled sectors, backbone at the top, clockwise), the radius the outcome on a
    range that starts near its lowest value, so that a community spiralling upward draws widening
    rings and one that stalls draws rings on top of each other. Each round has its own colour in
    the legend; ``twin`` (a table of the same community under another model, e.g. the loop-cut
    twin or the status quo) is drawn dashed beside it."""
    import numpy as np

    font = cjk_font()
    rc = {"font.sans-serif": [font, "DejaVu Sans"], "axes.unicode_minus": False} if font else {}
    weeks = table["week"].to_numpy()
    values = table[outcome].to_numpy()
    theta = 2 * np.pi * (weeks % round_weeks) / round_weeks
    seen = np.concatenate([values, twin[outcome].to_numpy()]) if twin is not None else values
    step = 0.05
    lo = max(0.0, np.floor(float(seen.min()) / step) * step - step)
    hi = np.ceil(float(seen.max()) / step) * step + step / 2
    zh, en = SPIRAL_TERMS.get(outcome, ("", outcome))
    with plt.rc_context(rc):
        fig = plt.figure(figsize=(7.2, 6.2), dpi=110)
        ax = fig.add_axes((0.08, 0.08, 0.62, 0.78), projection="polar")
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
        rounds = weeks // round_weeks
        cmap = plt.get_cmap("OrRd")
        last = max(1, int(rounds.max()))
        for k in range(int(rounds.max()) + 1):
            sel = (rounds == k) | (np.r_[rounds[1:], -1] == k)  # join each round to the next
            ax.plot(
                theta[sel],
                values[sel],
                color=cmap(0.3 + 0.7 * k / last),
                lw=2,
                label=(f"第 {k + 1} 轮 round {k + 1}" if font else f"round {k + 1}"),
            )
        if twin is not None:
            tw = twin["week"].to_numpy()
            ax.plot(
                2 * np.pi * (tw % round_weeks) / round_weeks,
                twin[outcome].to_numpy(),
                ls="--",
                lw=1.2,
                color="#555555",
                label=drawable(twin_label) or "twin",
            )
        phases = mechanisms.specs()  # the registered mechanisms, in the cycle's order
        edges = [2 * np.pi * start / round_weeks for start in phase_starts(round_weeks)]
        for e in edges:
            ax.axvline(e, color="#999999", lw=0.6, ls=":")
        mids = [e + np.pi / len(edges) for e in edges]
        ax.set_xticks(mids)
        ax.set_xticklabels([f"{s.zh}\n{s.name}" if font else s.name for s in phases], fontsize=8)
        ax.set_rorigin(lo - (hi - lo) * 0.25)  # a hole in the middle: the range starts near the lowest value
        ax.set_ylim(lo, hi)
        ax.set_rlabel_position(200)  # radial labels between two phase labels
        ax.tick_params(axis="y", labelsize=7)
        radius = f"半径：{zh}  radius: {en}" if font and zh else f"radius: {en}"
        ax.set_ylabel(radius, fontsize=8)
        ax.yaxis.set_label_coords(1.32, 0.12)  # beside the legend, clear of the phase labels
        ax.set_xlabel(
            (
                "角度：一轮中的周（每轮一圈）  angle: week of the round (one turn a round)"
                if font
                else "angle: week of the round (one turn a round)"
            ),
            fontsize=8,
            labelpad=6,
        )
        fig.legend(
            loc="center right", fontsize=7, frameon=False, title=("轮次 rounds" if font else "rounds"), title_fontsize=8
        )
        fig.suptitle(
            drawable(title) or ("参与螺旋 participation spiral" if font else "participation spiral"), fontsize=10
        )
    return fig
