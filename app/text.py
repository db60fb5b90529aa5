"""Every word the browser app shows, in Chinese and English, and the one place it looks them up.

The app reads the model only through its public API; the model's own vocabulary (the rung names
and the six mechanisms' names) is looked up here and nowhere else, so it can be repointed in one
place when the model's modules move. The learning panel's English text is read from the README's
sections (one text source); its Chinese text lives here.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

# ---- the model's vocabulary: the only imports of model internals in the app ------------------
from model.cycle import PHASE_BY_NAME as _PHASES  # the six mechanisms, in the cycle's order, zh/en
from model.ladder import TWO_RUNG_TERMS, Rung

LANGS = ("zh", "en")
ROOT = Path(__file__).resolve().parent.parent

RUNG_COLOURS = ("#d9d9d9", "#fdd0a2", "#fd8d3c", "#d94801", "#8c2d04")
TWO_RUNG_COLOURS = ("#d9d9d9", "#d94801")
_RUNG_TERMS = {r.key: (r.zh, r.en) for r in Rung} | {key: (zh, en) for key, zh, en in TWO_RUNG_TERMS}


def rung_label(key: str, lang: str) -> str:
    """The name of a rung (a key of ``model.rung_names``) in ``lang``."""
    if key not in _RUNG_TERMS:
        raise KeyError(f"unknown rung {key!r}; known: {', '.join(_RUNG_TERMS)}")
    zh, en = _RUNG_TERMS[key]
    return pick(lang, zh, en)


def rung_colours(n_rungs: int) -> tuple[str, ...]:
    return TWO_RUNG_COLOURS if n_rungs == 2 else RUNG_COLOURS[-n_rungs:] if n_rungs < 5 else RUNG_COLOURS


def mechanisms() -> tuple[str, ...]:
    """The six mechanisms' names, in the cycle's order (backbone first, incentive last)."""
    return tuple(_PHASES)


def mechanism_label(name: str, lang: str) -> str:
    phase = _PHASES[name]
    return pick(lang, phase.zh, phase.en)


# ---- parameter groups (the schema's `group` field) ----------------------------------------------
GROUP_LABELS = {
    "community": ("社区", "community"),
    "initial": ("初始状态", "initial state"),
    "ladder": ("行动阶梯", "action ladder"),
    "strategy": ("策略杠杆", "strategy levers"),
    "cycle": ("微循环", "micro-cycle"),
    "run": ("运行", "running"),
}


def group_label(group: str, lang: str) -> str:
    if group in _PHASES:
        return mechanism_label(group, lang)
    zh, en = GROUP_LABELS[group]
    return pick(lang, zh, en)


# ---- the app's own words ---------------------------------------------------------------------------
UI = {
    "title": ("党建+红色微循环 模拟器", "The red micro-cycle simulator"),
    "week": ("第 {n} 周", "Week {n}"),
    "round": ("第 {n} 轮", "round {n}"),
    "step": ("单步", "Step"),
    "play": ("播放", "Play"),
    "pause": ("暂停", "Pause"),
    "reset": ("重置", "Reset"),
    "language": ("English", "中文"),  # the toggle shows the other language
    "scenario": ("情景预设", "Scenario preset"),
    "scenario_a": ("情景 A", "Scenario A"),
    "scenario_b": ("情景 B", "Scenario B"),
    "residents": ("居民人数", "Residents"),
    "seed": ("随机种子", "Seed"),
    "restart_note": ("改变参数会从第 0 周重新开始。", "Changing a parameter restarts the run at week 0."),
    "changed": ("与情景不同的参数", "Parameters changed from the scenario"),
    "none": ("无", "none"),
    "tab_one": ("单个社区", "One community"),
    "tab_compare": ("两个情景对比", "Two scenarios side by side"),
    "tab_learn": ("说明", "About the model"),
    "network": ("社区网络（按阶梯着色）", "Community network (coloured by rung)"),
    "shares": ("各阶梯居民比例", "Share of residents on each rung"),
    "spiral": ("参与螺旋", "Participation spiral"),
    "org": ("组织状态", "The organisation's state"),
    "resident": ("居民", "Resident"),
    "resident_pick": ("居民编号（或点击网络）", "Resident id (or click the network)"),
    "history": ("历史", "history"),
    "backbone": ("红色骨干", "backbone"),
    "team_member": ("团队成员", "team member"),
    "party_member": ("党员", "Party member"),
    "pool_balance": ("资源池余额", "pool balance"),
    "n_teams": ("红色团队数", "red teams"),
    "norm": ("社区公约规范", "community norm"),
    "points_held": ("持有积分", "points held"),
    "mean_trust": ("平均信任", "mean trust"),
    "backbones": ("骨干人数", "backbones"),
    "participation_index": ("参与指数", "participation index"),
    "share_of_residents": ("居民比例", "share of residents"),
    "weeks": ("周", "week"),
    "rung": ("阶梯", "rung"),
    "trust": ("信任", "trust"),
    "capacity": ("能力", "capacity"),
    "public_spirit": ("公共精神", "public spirit"),
    "unmet_need": ("未满足需求", "unmet need"),
    "points": ("积分", "points"),
    "team": ("团队", "team"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "rounds_legend": ("每圈一轮", "one turn per round"),
    "bad_resident": ("没有这个居民：请输入 0 到 {max} 之间的编号", "No such resident: enter an id from 0 to {max}"),
    "what": ("这是什么？", "What is it?"),
    "how": ("它如何运作", "How it works"),
    "notice": ("值得注意的现象", "Things to notice"),
    "try": ("可以尝试", "Things to try"),
}


def t(key: str, lang: str, **fmt) -> str:
    """The app's word ``key`` in ``lang`` ('zh' or 'en')."""
    zh, en = UI[key]
    return pick(lang, zh, en).format(**fmt)


def pick(lang: str, zh: str, en: str) -> str:
    match lang:
        case "zh":
            return zh or en
        case "en":
            return en
        case _:
            raise ValueError(f"unknown language {lang!r}; allowed: {', '.join(LANGS)}")


def param_label(p, lang: str) -> str:
    """A control's label: the essay's term in ``lang`` where the schema has one, and the name."""
    term = pick(lang, p.term_zh, p.term_en) if (p.term_zh or p.term_en) else ""
    return f"{term} · {p.name}" if term else p.name


# ---- fonts: Chinese in figures only where a CJK font is installed (never empty boxes) ---------
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
             "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed CJK font for figures, or None. REDCYCLE_NO_CJK=1 pretends none."""
    if os.environ.get("REDCYCLE_NO_CJK"):
        return None
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def figure_lang(lang: str) -> str:
    """The language figures are drawn in: Chinese needs a CJK font, else English (never tofu)."""
    pick(lang, "", "")  # rejects an unknown language
    return "zh" if lang == "zh" and cjk_font() else "en"


# ---- the learning panel: English from the README, Chinese here ---------------------------------
README_SECTIONS = {"how": "How it works", "notice": "Things to notice", "try": "Things to try"}

LEARN_ZH = {
    "what": (
        "这是一个基于主体的模型（Mesa），模拟城市社区治理中的“党建+红色微循环”模式。社区党组织通过六个相互衔接的机制——"
        "红色骨干、红色项目、红色公约、红色资源、红色团队、红色激励——一轮接一轮地运行，带动居民沿着行动阶梯向上攀升："
        "自助 → 互助 → 参与公共事务 → 志愿活动，使参与呈螺旋式上升。所有结果都来自居民个体的规则。"
    ),
    "how": (
        "每周，每位居民同时可能向上爬一级或下滑一级。当它的**动力**——邻居中已经在更高一级的比例、它的能力、公共精神、"
        "未满足的需求、空闲时间，以及各机制带来的推动——达到它个人的门槛时，它就向上爬；否则它有小概率下滑。\n\n"
        "每一轮（默认 26 周）党组织依次运行六个阶段：在居民共同行动中发现骨干；根据居民表达的需求选择项目；"
        "通过对话形成社区公约；与驻区单位签订共建协议；由社工孵化红色团队；用资源池兑换服务积分。"
        "居民越信任党组织，这些机制的拉动越大。"
    ),
    "notice": (
        "- 在现状情景和没有机制的情景中，较低的阶梯更满，很少有居民达到志愿活动。\n"
        "- 有了微循环，螺旋一轮比一轮更宽；第一轮的跳跃是社区从初始状态稳定下来，之后的增长才来自微循环。\n"
        "- 资源池是微循环的瓶颈：激励、项目和团队都要从中支取。"
    ),
    "try": (
        "- 把 `org_role` 从 1（增能者）滑到 0（包办者）：早期有什么变化，后来呢？\n"
        "- 把 `resident_voice` 设为 0（替居民做主），观察项目评价和需求满足。\n"
        "- 每次关闭一个机制，比较螺旋。\n"
        "- 提高 `diversity`：更多样的社区起始信任更低，微循环还能提升它吗？\n"
        "- 把 `seed_fund` 和 `venture_fund` 设为 0：激励能维持多久？\n"
        "- 在“两个情景对比”中，用同一个种子比较 `red_microcycle` 和 `status_quo`。"
    ),
}


@functools.cache
def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def readme_section(title: str) -> str:
    """The body of the README's ``## title`` section (up to the next ``##`` heading)."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", _readme(), flags=re.S | re.M)
    if not m:
        raise KeyError(f"README.md has no section '## {title}'")
    return m.group(1).strip()


def readme_intro() -> str:
    """The README's opening paragraphs (before its first ``##`` heading), without the title."""
    head = _readme().split("\n## ", 1)[0]
    return "\n".join(line for line in head.splitlines() if not line.startswith("# ")).strip()


def learn_text(key: str, lang: str) -> str:
    """One part of the learning panel ('what', 'how', 'notice', 'try') in ``lang``."""
    match lang:
        case "zh":
            return LEARN_ZH[key]
        case "en":
            return readme_intro() if key == "what" else readme_section(README_SECTIONS[key])
        case _:
            raise ValueError(f"unknown language {lang!r}; allowed: {', '.join(LANGS)}")
