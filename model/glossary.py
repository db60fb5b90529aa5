"""The outcomes in words: one definition each, in Chinese and English, for everything a person
reads (the browser app, the comparison report, figure labels). Names are the recorder's
(``model.outcomes`` keys); ``kind`` says how a value is shown: ``share`` (a share of residents,
shown as a percentage), ``index`` (0-1), ``count`` or ``units`` (resource units)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    zh_definition: str
    en_definition: str
    kind: str  # "share", "index", "count", "units", "points"


OUTCOMES: dict[str, Term] = {
    "participation_index": Term(
        "参与指数",
        "participation index",
        "居民在行动阶梯上的平均位置：0 表示人人都不参与，1 表示人人都在做志愿活动。",
        "Residents' mean place on the action ladder: 0 when nobody takes part, 1 when everyone volunteers.",
        "index",
    ),
    "volunteered_past_year": Term(
        "过去一年做过志愿者的居民",
        "residents who volunteered in the past year",
        "过去 52 周内至少有一周在志愿活动一级的居民比例（中国社会状况综合调查的口径）。",
        "Share of residents who spent at least one of the last 52 weeks on the volunteering rung (the measure "
        "of the China Social Survey).",
        "share",
    ),
    "share_volunteering": Term(
        "正在做志愿者的居民",
        "residents volunteering now",
        "本周在志愿活动一级的居民比例。",
        "Share of residents on the volunteering rung this week.",
        "share",
    ),
    "needs_met": Term(
        "需求满足程度",
        "needs met",
        "居民的需求中已被满足的部分（1 减去平均未满足需求，治理绩效）。",
        "The part of residents' needs that is met (1 minus the mean unmet need; governance performance).",
        "share",
    ),
    "sense_of_gain": Term(
        "获得感",
        "sense of gain",
        "居民近期每周需求被满足的比例的平均值。",
        "Residents' recent weekly share of need met, averaged over residents.",
        "index",
    ),
    "mean_trust": Term(
        "平均信任",
        "mean trust",
        "居民对社区党组织的平均信任（0 到 1，凝聚力）。",
        "Residents' mean trust in the community Party organisation (0 to 1; cohesion).",
        "index",
    ),
    "norm": Term(
        "社区公约规范",
        "community norm",
        "红色公约形成的共同规范的强度（0 到 1）。",
        "Strength of the shared norm the red convention forms (0 to 1).",
        "index",
    ),
    "n_teams": Term("红色团队数", "red teams", "正在活动的红色团队数量。", "Number of red teams at work.", "count"),
    "pool_balance": Term(
        "资源池余额",
        "pool balance",
        "资源池中尚未使用的资源（资源单位）。",
        "Resources in the pool not yet spent (resource units).",
        "units",
    ),
    "points_held": Term(
        "持有积分",
        "points held",
        "居民持有、尚未兑换的服务积分总数。",
        "Service points residents hold and have not yet redeemed.",
        "points",
    ),
    "backbones": Term("骨干人数", "backbones", "红色骨干的人数。", "Number of red backbones.", "count"),
}


def term(name: str, lang: str) -> str:
    """An outcome's name in ``lang`` ('zh' or 'en'); an unknown outcome keeps its own name."""
    t = OUTCOMES.get(name)
    if t is None:
        return name
    return t.zh if lang == "zh" else t.en


def definition(name: str, lang: str) -> str:
    t = OUTCOMES[name]
    return t.zh_definition if lang == "zh" else t.en_definition


# ---- fonts: the Chinese terms in figures only where a CJK font is installed (never empty boxes) ---
CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
"""CJK fonts that draw the terms above, in order of preference (Debian's fonts-wqy-microhei first)."""


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed CJK font for figures (the app's and the reports'), or None: then
    figures are labelled in English only. REDCYCLE_NO_CJK=1 pretends none is installed."""
    if os.environ.get("REDCYCLE_NO_CJK"):
        return None
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)
