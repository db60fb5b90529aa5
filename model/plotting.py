"""Figures, with bilingual (中文/English) labels where a CJK font is installed.

Matplotlib draws empty boxes for Chinese characters without a CJK font, so labels fall back to
English when none is found (Debian: ``apt-get install fonts-wqy-microhei``).
"""

from __future__ import annotations

import functools
import os

import matplotlib

matplotlib.use("Agg")  # files only; the app uses its own backend
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
             "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")
RUNG_LABELS = {
    "not_engaged": ("未参与", "not engaged"),
    "self_help": ("自助", "self-help"),
    "mutual_aid": ("互助", "mutual aid"),
    "public_affairs": ("参与公共事务", "public affairs"),
    "volunteering": ("志愿活动", "volunteering"),
    "inactive": ("未激活", "inactive"),
    "active": ("激活", "active"),
}
RUNG_COLOURS = ("#d9d9d9", "#fdd0a2", "#fd8d3c", "#d94801", "#8c2d04")


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed CJK font, or None (then labels are English only)."""
    if os.environ.get("REDCYCLE_NO_CJK"):
        return None
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    return None


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
        ax.set_title(title)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, reverse=True)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
