"""Every word the browser app shows, in Chinese and English, and the one place it looks them up.

The app reads the model only through its public API; the model's own vocabulary (the rung names
and the mechanisms' names, from their registry) is looked up here and nowhere else, so it can be repointed in one
place when the model's modules move. The learning panel's text (the same content in both languages)
and its "things to try", each a checked claim, live here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---- the model's vocabulary: the only imports of model internals in the app ------------------
from model import PARAMS as _SCHEMA
from model import mechanisms as _mechanisms  # the registered mechanisms, in the cycle's order, zh/en
from model.cycle import phase_starts  # noqa: F401  (app.logic reads it as txt.phase_starts)
from model.glossary import OUTCOMES as _GLOSSARY
from model.glossary import cjk_font  # noqa: F401  (app.logic and the tests read txt.cjk_font)
from model.ladder import TWO_RUNG_TERMS, Rung

LANGS = ("zh", "en")

RUNG_COLOURS = ("#d9d9d9", "#fdd0a2", "#fd8d3c", "#d94801", "#8c2d04")
TWO_RUNG_COLOURS = ("#d9d9d9", "#d94801")
CHILD_COLOUR = "#9ecae1"  # residents aged 0-14: they hold no rung (children_on_ladder off)
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
    """The registered mechanisms' names, in the cycle's order (the essay's six: backbone first,
    incentive last)."""
    return _mechanisms.names()


def mechanism_label(name: str, lang: str) -> str:
    phase = _mechanisms.spec(name)
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
    if group in mechanisms():
        return mechanism_label(group, lang)
    zh, en = GROUP_LABELS[group]
    return pick(lang, zh, en)


# ---- the controls' labels: one name per parameter in each language (each names one thing) -------
PARAM_TEXT = {
    # the strategy levers
    "org_role": ("党组织角色（0 包办者 → 1 增能者）", "Party organisation's role (0 provider → 1 empowerer)"),
    "three_downs": ("三下（重心、权力、资源下沉）", "three downs (focus, powers, resources moved down)"),
    "resident_voice": ("让民做主（居民意见的分量）", "let residents decide (weight of their voice)"),
    "diversity": ("社区多样化", "community diversity"),
    "mechanism_trust_weight": ("凝聚力：机制效果对信任的依赖", "cohesion: how much the mechanisms rely on trust"),
    "trust_rate": ("信任变化速度", "speed of trust change"),
    "gain_trust": ("获得感带来的信任", "trust from the sense of gain"),
    "trust_from_self_help": ("自助互助带来的信任", "trust from self-help and mutual aid"),
    "broken_promise_cost": ("积分未兑现的信任损失", "trust lost to points not honoured"),
    "budget_period": ("预算周期", "budget period"),
    "capacity_growth": ("组织能力随社区规模增长的方式", "how the organisation's capacity grows with size"),
    # red backbones
    "backbone_selection": ("骨干产生方式", "how backbones are found"),
    "backbone_share": ("可支持的骨干比例", "backbones supported (share of residents)"),
    "backbone_min_rung": ("骨干的最低阶梯", "lowest rung of a backbone"),
    "party_priority": ("党员先锋模范作用（骨干评分加权）", "vanguard role (Party members' weight for backbones)"),
    "mobile_reach": ("流动党员可联系的周数比例", "reach of mobile Party members"),
    "fulltime_worker_size": ("配备专职党务工作者的社区规模", "community size for a full-time Party-affairs worker"),
    "fulltime_worker_bonus": ("专职党务工作者带来的增量", "extra reach of a full-time worker"),
    "backbone_pull": ("骨干的动员力", "backbones' pull"),
    "backbone_trust": ("骨干的凝聚力和亲和力（信任）", "backbones' cohesion and affinity (trust)"),
    "backbone_burnout": ("骨干的倦怠", "backbones' burnout"),
    "backbone_lead_bonus": ("骨干带头的效果", "effect of a backbone leading"),
    "backbone_credibility": ("骨干威信的来源", "where a backbone's credibility comes from"),
    "backbone_mandate": ("骨干威信中来自组织任命的比例", "share of a backbone's credibility from its mandate"),
    "backbone_role_pull": ("骨干身份对本人的推动", "drive a backbone's role gives itself"),
    # red projects
    "seed_fund": ("种子基金", "seed fund"),
    "project_cost": ("项目成本", "cost of a project"),
    "project_budget_share": ("项目可用的资源池比例", "share of the pool for projects"),
    "project_places": ("红色项目服务超市名额", "places in the project service supermarket"),
    "project_served": ("点对点服务人数", "residents served point to point"),
    "project_efficacy": ("项目满足需求的速度", "need a project meets each week"),
    "project_pull": ("项目名额的拉动", "pull of a project place"),
    "project_retention": ("项目名额的留住作用", "hold of a project place"),
    "capacity_gain": ("赋权增能：参与者能力增长", "empowerment: participants' capacity gain"),
    "participatory_delay": ("参与式项目的组织周数", "weeks to organise a participatory project"),
    "participatory_cost": ("参与式项目的相对成本", "relative cost of a participatory project"),
    "ownership_pull": ("我参与、我认同：认同感的拉动", "I take part, I agree: pull of ownership"),
    "ownership_decay": ("认同感的消退", "fading of ownership"),
    "crowding_out": ("包办的挤出效应", "crowding out by providing"),
    "survey_method": ("需求汇总方法", "how needs are summed up"),
    "renewal_bar": ("参与式绩效评估：续办门槛", "participatory evaluation: bar for renewal"),
    # red conventions
    "dialogue_gain": ("渐进式对话形成的规范", "norm gained in staged dialogue"),
    "norm_decay": ("规范的消退", "fading of the norm"),
    "norm_pull": ("心理契约：规范的拉动", "psychological contract: pull of the norm"),
    "norm_retention": ("规范的留住作用", "hold of the norm"),
    "spirit_gain": ("对话培养的公共精神", "public spirit grown in dialogue"),
    "convention_locality": ("心理契约：个人化程度", "psychological contract: how personal"),
    "convention_spread": ("公约在邻里间的传播", "spread of the convention among neighbours"),
    "dialogue_bond": ("对话对参与者的约束方式", "how the dialogue binds its participants"),
    "dialogue_hours": ("参与对话的时间", "hours given to the dialogue"),
    "dialogue_cost": ("组织对话的成本", "cost of holding the dialogue"),
    # red resources
    "units_per_1000": ("共建单位数量（每千人）", "co-building units per 1,000 residents"),
    "agreement_rate": ("签订共建共享协议的概率", "chance of a co-building agreement"),
    "unit_contribution": ("共建单位的贡献", "contribution of a unit"),
    "service_exchange_share": ("以服务换服务的比例", "services for services (share of hours)"),
    "reciprocity": ("以资源换资源", "resources for resources"),
    "unit_fade": ("共建单位贡献的消退", "fading of a unit's contribution"),
    # red teams
    "venture_fund": ("公益创投 / 购买服务资金", "venture philanthropy / purchase of services"),
    "training_rate": ("社工赋权增能：培训效果", "training by social workers: effect"),
    "training_share": ("用于培训社工的比例", "share spent on training social workers"),
    "skill_decay": ("社工技能的消退", "fading of social workers' skill"),
    "team_size": ("新团队人数", "members of a new team"),
    "teams_per_1000": ("社团孵化能力（每千人）", "association incubation per 1,000 residents"),
    "willingness_min": ("服务意愿门槛", "willingness to serve needed"),
    "maturity_rate": ("团队内部治理的成长", "growth of a team's internal governance"),
    "team_pull": ("团队的拉动", "pull of a team"),
    "team_retention": ("团队的留住作用", "hold of a team"),
    "team_service": ("团队满足需求", "need a team meets"),
    "team_support_cost": ("团队支持成本", "cost of supporting a team"),
    "provider_teams": ("包办者自办委派团队", "a provider runs appointed teams"),
    "provider_team_cost": ("委派团队的相对成本", "relative cost of an appointed team"),
    # red incentives
    "points_per_week": ("公益兑换清单：每周积分", "public-benefit exchange list: points per week"),
    "points_crowding": ("积分对公共精神的挤出", "public spirit crowded out by points"),
    "point_value": ("每个积分的资源价值", "pool value of a point"),
    "incentive_budget_share": ("一次兑换可用的资源池比例", "share of the pool per redemption"),
    "platform": ("互联网+党建平台", "Internet + Party building platform"),
    "initial_credibility": ("积分的初始可信度", "initial credibility of points"),
    "incentive_pull": ("激励的拉动", "pull of the incentive"),
    "incentive_retention": ("激励的留住作用", "hold of the incentive"),
    "reward_half_value": ("激励效果减半时的积分价值", "point value at half the reward's effect"),
    "credibility_learning": ("积分可信度的更新速度", "speed of learning the points' credibility"),
}
"""Every control's label (the mechanisms' switches are named by the mechanism itself). The essay's
term where the schema has one, made specific where the essay uses one term for several things."""

UNIT_TEXT = {
    "0-1": ("0–1", "0–1"),
    "1/week": ("每周", "per week"),
    "share": ("比例", "share"),
    "rung": ("级", "rung"),
    "x": ("倍", "×"),
    "residents": ("人", "residents"),
    "drive": ("动力", "drive"),
    "weeks": ("周", "weeks"),
    "places": ("个名额", "places"),
    "probability": ("概率", "probability"),
    "points/week": ("积分/周", "points a week"),
    "teams": ("个团队", "teams"),
    "units/hour": ("资源单位/小时", "units an hour"),
    "units/week": ("资源单位/周", "units a week"),
    "units/point": ("资源单位/积分", "units a point"),
    "units": ("资源单位", "units"),
    "1/unit": ("每资源单位", "per unit"),
    "units/period/1000 residents": ("资源单位/周期/千人", "units a period per 1,000 residents"),
    "units/1000 residents": ("个/千人", "per 1,000 residents"),
    "weeks/s": ("周/秒", "weeks a second"),
    "hours/week": ("小时/周", "hours a week"),
    "units/100 participant-weeks": ("资源单位/百人周", "units per 100 participant-weeks"),
}

CODE_TEXT = {
    # the codes of the residents' demography (model/state.py), for the inspector
    "age_group": (
        ("0–14 岁", "aged 0–14"),
        ("15–59 岁", "aged 15–59"),
        ("60–64 岁", "aged 60–64"),
        ("65 岁及以上", "aged 65+"),
    ),
    "tenure": (("业主", "owner"), ("租户", "renter"), ("流动人口", "migrant")),
    "household_type": (
        ("家庭户", "family"),
        ("独居（非老人）", "one person"),
        ("与老人同住", "with elderly"),
        ("仅老人", "elderly only"),
        ("独居老人", "elderly alone"),
        ("未知", "unknown"),
    ),
}


def code_label(field: str, code: int, lang: str) -> str:
    return pick(lang, *CODE_TEXT[field][int(code)])


CHOICE_TEXT = {
    ("budget_period", "round"): ("每轮", "per round"),
    ("budget_period", "year"): ("每年", "per year"),
    ("capacity_growth", "step"): ("阶梯式", "in steps"),
    ("capacity_growth", "smooth"): ("平滑", "smoothly"),
    ("backbone_selection", "emergent"): ("在共同行动中发现", "found in shared action"),
    ("backbone_selection", "appointed"): ("直接任命", "appointed"),
    ("survey_method", "scoring"): ("打分法", "scoring"),
    ("survey_method", "problem_count"): ("问题数分析法", "problem count"),
    ("backbone_credibility", "seen"): ("居民看到的服务", "the service residents see"),
    ("backbone_credibility", "rung"): ("所在阶梯", "its rung"),
    ("dialogue_bond", "gain"): ("逐步形成", "built up gradually"),
    ("dialogue_bond", "full"): ("一次完全形成", "complete at once"),
}

SCENARIO_TEXT = {
    # in the order a class meets them; Chinese names are the scenario files' own (name_zh)
    "red_microcycle": "the full red micro-cycle",
    "status_quo": "status quo: the provider",
    "provider_cycle": "the cycle run by a provider",
    "policy_from_year2": "the micro-cycle from year 2",
    "support_withdrawn": "support withdrawn after three years",
    "money_withdrawn": "money withdrawn after three years",
    "outreach_withdrawn": "outreach withdrawn after three years",
    "unfunded_incentives": "incentives without funds",
    "appointed_backbones": "appointed backbones",
    "old_neighbourhood": "an old neighbourhood",
    "commercial_estate": "a commercial housing estate",
    "mixed_migrant": "a community of many migrants",
    "resettlement_community": "a resettlement community",
    "defund_backbone": "backbones defunded in year 3",
    "defund_project": "projects defunded in year 3",
    "defund_convention": "conventions defunded in year 3",
    "defund_resource": "resources defunded in year 3",
    "defund_team": "teams defunded in year 3",
    "defund_incentive": "incentives defunded in year 3",
    "essay_assumptions": "the essay's assumptions",
    "baseline": "baseline: the engine alone",
    "threshold_limit": "the threshold-model limit",
}
"""The scenarios' English names, in the menu's order (a scenario file not listed comes last, by its name)."""


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
    "lesson_hint": (
        "选一个情景，按“播放”观看社区一周一周地变化；播放中移动一个杠杆，它从下一周起生效，图上会标出那一周。",
        "Pick a scenario and press Play to watch the community week by week; move a lever while it plays and "
        "it acts from the next week, marked on the charts.",
    ),
    "restart_note": (
        "改变情景、居民人数或随机种子会从第 0 周重新开始。",
        "Changing the scenario, the number of residents or the seed restarts the run at week 0.",
    ),
    "advanced": ("高级：全部参数", "Advanced: every parameter"),
    "mechanisms_on": ("运行的机制", "Mechanisms running"),
    "speed": ("播放速度", "Play speed"),
    "run_end": (
        "运行结束：第 {n} 周（{years} 年）。按“重置”重新开始。",
        "The run has ended at week {n} ({years} years). Press Reset to start again.",
    ),
    "marks": ("运行中的改变", "Changes during the run"),
    "mark": ("第 {week} 周：{what}", "week {week}: {what}"),
    "bad_seed": ("随机种子必须是 0 到 {max} 之间的整数", "The seed must be a whole number from 0 to {max}"),
    "ghost": ("虚线：{name}（同一社区、同一种子）", "dashed: {name} (same community, same seed)"),
    "value_range": ("取值范围 {low} 到 {high}，默认 {default}", "range {low} to {high}, default {default}"),
    "unit": ("单位：{unit}", "unit: {unit}"),
    "age_group": ("年龄组", "age group"),
    "tenure": ("住房", "tenure"),
    "household": ("家庭类型", "household type"),
    "org_units": ("资源单位", "units"),
    "levers_side": ("这一方的杠杆和机制", "This side's levers and mechanisms"),
    "spiral_radius": (
        "半径：参与指数（中心 {lo}，外圈 {hi}）",
        "radius: participation index ({lo} at the centre, {hi} outside)",
    ),
    "count": ("个", "count"),
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
    "no_rung": ("不在阶梯上（0–14 岁儿童）", "holds no rung (a child aged 0–14)"),
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


# the outcomes' names are the glossary's (shared with the comparison report)
UI.update({name: (term.zh, term.en) for name, term in _GLOSSARY.items()})


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


def param_label(name: str, lang: str) -> str:
    """A control's label in ``lang`` (a mechanism's switch is named by its mechanism)."""
    if name.endswith("_on") and name[:-3] in mechanisms():
        return mechanism_label(name[:-3], lang)
    if name not in PARAM_TEXT:
        return pick(lang, *_words_from_the_schema(name))
    return pick(lang, *PARAM_TEXT[name])


def _words_from_the_schema(name: str) -> tuple[str, str]:
    """The label of a parameter of a mechanism registered with no words here for any of its
    parameters (docs/extending.md): the schema's essay term, else its name in words. Any other
    parameter needs its words in PARAM_TEXT."""
    p = _SCHEMA.get(name)
    own = (
        p is not None and p.group in mechanisms() and not any(q in PARAM_TEXT for q in _mechanisms.spec(p.group).params)
    )
    if not own:
        raise KeyError(f"parameter {name!r} has no label in app/text.py PARAM_TEXT")
    return p.term_zh, p.term_en or name.replace("_", " ")


_IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def plain(text: str) -> str:
    """English text with no identifiers: a parameter's name becomes its label, any other
    ``snake_case`` word its words (the schema's descriptions name other parameters)."""
    return _IDENTIFIER.sub(lambda m: PARAM_TEXT.get(m.group(0), ("", m.group(0).replace("_", " ")))[1], text)


def unit_label(unit: str, lang: str) -> str:
    """A schema unit in ``lang`` ('' for none)."""
    if not unit:
        return ""
    if unit not in UNIT_TEXT:
        raise KeyError(f"unit {unit!r} has no words in app/text.py UNIT_TEXT")
    return pick(lang, *UNIT_TEXT[unit])


def choice_label(name: str, choice: str, lang: str) -> str:
    return pick(lang, *CHOICE_TEXT[(name, choice)])


def scenario_order(names) -> list[str]:
    """Scenario names in the menu's order: the class's order, then any other file by name."""
    known = [s for s in SCENARIO_TEXT if s in names]
    return known + sorted(set(names) - set(known))


def scenario_label(name: str, name_zh: str, lang: str) -> str:
    """A scenario's name in ``lang`` (Chinese from its file's ``name_zh``)."""
    return pick(lang, name_zh or SCENARIO_TEXT.get(name, name), SCENARIO_TEXT.get(name, name))


def number(value: float, lang: str) -> str:
    """A control's value as shown beside its label (3 significant digits, thousands separated)."""
    pick(lang, "", "")
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 10:
        return f"{int(value):,}"
    return f"{float(value):.3g}"


def figure_lang(lang: str) -> str:
    """The language figures are drawn in: Chinese needs a CJK font, else English (never tofu)."""
    pick(lang, "", "")  # rejects an unknown language
    return "zh" if lang == "zh" and cjk_font() else "en"


# ---- the learning panel: the app's own text, the same content in both languages ---------------
LEARN = {
    "what": (
        "这是一个基于主体的模型（Mesa），模拟城市社区治理中的“党建+红色微循环”模式。社区党组织通过六个相互衔接的机制——"
        "红色骨干、红色项目、红色公约、红色资源、红色团队、红色激励——一轮接一轮地运行，带动居民沿着行动阶梯向上攀升："
        "不参与 → 自助 → 互助 → 参与公共事务 → 志愿活动，使参与呈螺旋式上升。所有结果都来自居民个体的规则。",
        'An agent-based model (Mesa) of the "Party building + red micro-cycle" in urban community governance. '
        "The community's Party organisation runs six linked mechanisms — red backbones, red projects, red conventions, "
        "red resources, red teams, red incentives — round after round, to help residents climb the action ladder: "
        "not engaged → self-help → mutual aid → public affairs → volunteering, so that participation spirals upward. "
        "Every result comes from the rules of individual residents.",
    ),
    "how": (
        "每周，每位 15 岁及以上的居民同时可能向上爬一级或下滑一级（0–14 岁的儿童属于家庭，有需求、接受服务，但不在阶梯上；"
        "各阶梯的比例都是 15 岁及以上居民中的比例）。当它的**动力**——邻居中已经在更高一级的比例、它的能力、公共精神、"
        "未满足的需求、空闲时间，以及各机制带来的推动——达到它个人的门槛时，它就向上爬；否则它有小概率下滑。"
        "在一级上停留越久，它的投入（习惯、角色、同伴）越深，下滑的可能越小。\n\n"
        "每一轮（默认 26 周）党组织依次运行六个阶段：在居民共同行动中发现骨干；根据居民表达的需求选择项目；"
        "通过对话形成社区公约；与驻区单位签订共建协议；由社工孵化红色团队；用资源池兑换服务积分。"
        "居民越信任党组织，这些机制的拉动越大。",
        "Each week every resident aged 15 and over may climb one rung or slip one rung (children aged 0–14 belong to "
        "households, have needs and are served, but hold no rung; every share is a share of these residents). It "
        "climbs when its **drive** — the share of its neighbours already a rung higher, its capacity, public spirit, "
        "unmet need, free time and the push of the mechanisms — reaches its own threshold; otherwise it may slip with "
        "a small chance. The longer it holds a rung, the deeper its commitment (habit, role, ties) and the less "
        "likely it slips.\n\n"
        "Each round (26 weeks by default) the Party organisation runs six phases in order: it finds backbones in "
        "residents' shared action; chooses projects from the needs residents voice; forms a community convention "
        "through dialogue; signs co-building agreements with local units; has social workers incubate red teams; and "
        "redeems service points from the resource pool. The more residents trust the organisation, the stronger "
        "the mechanisms pull.",
    ),
    "notice": (
        "- 在现状情景和没有机制的情景中，较低的阶梯更满，很少有居民达到志愿活动。\n"
        "- 有了微循环，螺旋一轮比一轮更宽，但每一轮增加得比上一轮少；在现状情景中，它基本停留在起点附近。\n"
        "- 资源池是微循环的瓶颈：激励、项目、团队和对话都要从中支取。",
        "- In the status quo and with no mechanism, the lower rungs are fuller and few residents reach volunteering.\n"
        "- With the micro-cycle the spiral widens round after round, each round by less than the one before; in the "
        "status quo it stays about where it started.\n"
        "- The resource pool is the cycle's bottleneck: incentives, projects, teams and the dialogue all draw on it.",
    ),
}


@dataclass(frozen=True)
class Suggestion:
    """One of the "things to try": a change from the app's preset, the outcome it moves and which
    way, in words in both languages. ``tests/test_app.py`` runs each one at the app's settings and
    checks the direction beyond the noise of the seed, so the text cannot promise what the model
    does not do. In the text, ``{name}`` stands for the control's label, ``{a}``/``{b}`` for the
    scenarios compared."""

    changes: dict
    outcome: str
    direction: int  # +1: the outcome rises, -1: it falls
    zh: str
    en: str
    compare: tuple[str, str] | None = None  # a pair of scenarios (tab 2) instead of changes


SUGGESTIONS = (
    Suggestion(
        {"three_downs": 0.0},
        "participation_index",
        -1,
        "把“{three_downs}”滑到 0：参与指数大幅下降，社区公约规范和信任也随之下降。",
        'Slide "{three_downs}" to 0: the participation index falls far, and the community norm and trust with it.',
    ),
    Suggestion(
        {"convention_on": False},
        "norm",
        -1,
        "关闭“{convention_on}”：社区公约规范逐渐消退，参与指数随之下降。",
        'Switch off "{convention_on}": the community norm fades and the participation index falls with it.',
    ),
    Suggestion(
        {"org_role": 0.0},
        "mean_unmet_need",
        +1,
        "把“{org_role}”滑到 0（包办者）：红色团队仍然存在，但由党组织委派，并从资源池为其专职人员付费；"
        "居民参与的项目更少，居民未满足的需求更多。",
        'Slide "{org_role}" to 0 (provider): red teams still form, but the organisation appoints them and pays '
        "their staff from the resource pool; fewer projects are run with residents, and more of residents' needs "
        "go unmet.",
    ),
    Suggestion(
        {"seed_fund": 0.0, "venture_fund": 0.0},
        "participation_index",
        -1,
        "在“高级”中把“{seed_fund}”和“{venture_fund}”设为 0：资源池没有钱办项目、支持团队和兑换积分，参与指数大幅下降。",
        'Under "advanced", set "{seed_fund}" and "{venture_fund}" to 0: the resource pool has no money for '
        "projects, teams or points, and the participation index falls far.",
    ),
    Suggestion(
        {"incentive_on": False},
        "pool_balance",
        +1,
        "关闭“{incentive_on}”：积分不再从资源池兑换，池中留下的钱更多，可以用于项目。",
        'Switch off "{incentive_on}": points no longer draw on the resource pool, so more money stays in it '
        "for projects.",
    ),
    Suggestion(
        {"backbone_on": False},
        "party_member_share_volunteering",
        -1,
        "关闭“{backbone_on}”：党员不再担任红色骨干，站在志愿活动这一级的党员更少。",
        'Switch off "{backbone_on}": Party members no longer serve as red backbones, and fewer of them stand on '
        "the volunteering rung.",
    ),
    Suggestion(
        {"diversity": 1.0},
        "share_engaged",
        -1,
        "把“{diversity}”滑到 1：在更多样的社区里（邻里联系更少，起初的信任更低），参与的居民更少。",
        'Slide "{diversity}" to 1: in a more diverse community (fewer ties between neighbours, less trust at '
        "the start) fewer residents take part at all.",
    ),
    Suggestion(
        {},
        "participation_index",
        +1,
        "在“两个情景对比”中，用同一个种子比较“{a}”和“{b}”：微循环下的参与指数更高。",
        'In "Two scenarios side by side", compare "{a}" with "{b}" on the same seed: the participation '
        "index is higher under the micro-cycle.",
        compare=("red_microcycle", "status_quo"),
    ),
)


def suggestion_text(s: Suggestion, lang: str, scenario_names: dict[str, str] | None = None) -> str:
    """A suggestion in ``lang``, with the controls' and scenarios' labels filled in."""
    names = {k: param_label(k, lang) for x in SUGGESTIONS for k in x.changes}
    a, b = s.compare or ("", "")
    scen = scenario_names or {}
    return pick(lang, s.zh, s.en).format(**names, a=scen.get(a, a), b=scen.get(b, b))


def learn_text(key: str, lang: str, scenario_names: dict[str, str] | None = None) -> str:
    """One part of the learning panel ('what', 'how', 'notice', 'try') in ``lang``."""
    if key == "try":
        return "\n".join(f"- {suggestion_text(s, lang, scenario_names)}" for s in SUGGESTIONS)
    return pick(lang, *LEARN[key])
