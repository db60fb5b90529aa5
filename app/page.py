"""The red micro-cycle (党建+红色微循环) in the browser: a Solara app for students.

    uv run run.py app                 # serves it on http://127.0.0.1:8765/ (offline, production mode)
    solara run app.page --production --no-check-version --host 127.0.0.1

Move a slider, press play and watch a community climb (or fail to climb) the action ladder. The
controls are generated from the one parameter schema (``model.params``), the views read the model
only through its public API, and every word comes from :mod:`app.text` in Chinese and English.
The pure pieces (controls, runs, layout, spiral, figures) are in :mod:`app.logic`.
"""

from __future__ import annotations

import asyncio
import base64
import time

import ipyvue  # noqa: F401  (the click event on the network image)
import markdown
import reacton.ipyvue
import solara
import solara.lab

from app import logic as L
from app import text as txt
from model import ParameterError

PLAY_PAUSE_SECONDS = 0.05
"""Shortest pause between weeks while playing (the pause also lasts as long as the last redraw)."""
redraw = solara.reactive(0)
"""Bumped after each step; the views read it. A global reactive (one per browser session), as
Mesa's SolaraViz does: setting a component's own state from the player thread does not redraw."""


# ---- small pieces ---------------------------------------------------------------------------------
@solara.component
def Png(data: bytes, width: int, alt: str, classes: str = "", on_click=None):
    """A PNG figure; with ``on_click``, clicks report the pixel clicked (offsetX, offsetY)."""
    src = "data:image/png;base64," + base64.b64encode(data).decode()
    img = solara.v.Html(tag="img", attributes={"src": src, "width": str(width), "alt": alt},
                        class_=f"redcycle-figure {classes}".strip(),
                        style_=f"width:{width}px;max-width:none;cursor:{'crosshair' if on_click else 'default'}")
    reacton.ipyvue.use_event(img, "click", lambda _w, _e, data: on_click(data) if on_click else None)
    return img


@solara.component
def Control(c: L.Control, value, on_value, lang: str):
    label = c.label(lang)
    with solara.Tooltip(c.tooltip()):
        with solara.Column(gap="0px", classes=[f"control-{c.name}"]):
            match c.kind:
                case "bool":
                    solara.Checkbox(label=label, value=bool(value), on_value=on_value)
                case "choice":
                    solara.Select(label=label, values=list(c.choices), value=value, on_value=on_value)
                case "int":
                    solara.SliderInt(label, value=int(value), min=int(c.low), max=int(c.slider_max(value)),
                                     step=int(c.step), on_value=on_value)
                case "float":
                    solara.SliderFloat(label, value=float(value), min=float(c.low), max=float(c.slider_max(value)),
                                       step=float(c.step), on_value=on_value)
                case other:
                    raise ValueError(f"no widget for a control of kind {other!r}")


@solara.component
def Controls(values: solara.Reactive, lang: str):
    """The strategy levers and the six mechanisms, grouped, each group folded."""
    groups = solara.use_memo(L.controls, [])
    for group, cs in groups.items():
        with solara.Details(summary=txt.group_label(group, lang), expand=(group == "strategy")):
            with solara.Column(gap="2px"):
                for c in cs:
                    def set_one(v, name=c.name):
                        values.set({**values.value, name: v})
                    Control(c, values.value[c.name], set_one, lang)


@solara.component
def Transport(lang: str, run, playing: solara.Reactive, on_step, on_reset, suffix: str = ""):
    """Step, play/pause, reset and the week counter (redrawn after each step)."""
    redraw.value  # noqa: B018
    week = run.week if run is not None else 0
    with solara.Row(style="align-items:center;flex-wrap:wrap", classes=[f"transport{suffix}"]):
        solara.Button(txt.t("step", lang), on_click=on_step, disabled=playing.value, color="primary",
                      classes=[f"btn-step{suffix}"])
        solara.Button(txt.t("pause" if playing.value else "play", lang),
                      on_click=lambda: playing.set(not playing.value), color="primary",
                      classes=[f"btn-play{suffix}"])
        solara.Button(txt.t("reset", lang), on_click=on_reset, classes=[f"btn-reset{suffix}"])
        solara.HTML(tag="span", unsafe_innerHTML=txt.t("week", lang, n=week),
                    classes=[f"week-counter{suffix}"], style="font-size:1.3em;font-weight:600;margin-left:12px")


def use_player(playing: solara.Reactive, advance):
    """Steps while ``playing``, pausing between weeks so that the page stays responsive."""
    advance_ref = solara.use_ref(advance)
    advance_ref.current = advance

    async def loop():
        # on the page's own event loop, as Mesa's SolaraViz player does: a step and its redraw never
        # run while a click (pause, reset) is being rendered, which from a thread ends in "too many
        # renders" on a loaded machine
        while playing.value:
            started = time.perf_counter()
            advance_ref.current()
            # leave the page as long again for clicks
            await asyncio.sleep(max(PLAY_PAUSE_SECONDS, time.perf_counter() - started))

    solara.lab.use_task(loop, dependencies=[playing.value], prefer_threaded=False)


def use_stepping(playing: solara.Reactive, resets: solara.Reactive, runs):
    """Step ``runs`` together (and redraw), play them, and reset them to week 0."""
    def advance():
        if runs:
            for run in runs:
                run.step()
            redraw.value += 1

    use_player(playing, advance)

    def on_reset():
        playing.set(False)
        resets.set(resets.value + 1)

    return advance, on_reset


def legend_html(pairs) -> str:
    items = "".join(f'<span style="display:inline-block;margin-right:10px">'
                    f'<span style="display:inline-block;width:11px;height:11px;background:{c};'
                    f'border:1px solid #999;margin-right:4px"></span>{label}</span>' for c, label in pairs)
    return f'<div style="font-size:0.85em">{items}</div>'


def marks_html(lang: str) -> str:
    ring = ('<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
            'border:2px solid {c};margin:0 4px 0 0"></span>')
    return (f'<div style="font-size:0.85em">{ring.format(c="#000")}{txt.t("backbone", lang)} &nbsp; '
            f'{ring.format(c="#2166cc")}{txt.t("team_member", lang)} &nbsp; '
            f'{ring.format(c="#e41a1c")}{txt.t("resident", lang)}</div>')


# ---- one community -----------------------------------------------------------------------------------
@solara.component
def OneCommunity(lang: str):
    scenario = solara.use_reactive(L.DEFAULT_SCENARIO)
    values = solara.use_reactive(L.scenario_values(L.DEFAULT_SCENARIO))
    n = solara.use_reactive(L.START_RESIDENTS)
    seed = solara.use_reactive(1)
    resets = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    picked = solara.use_reactive(None)
    picked_text = solara.use_reactive("")

    base = solara.use_memo(lambda: L.scenario_values(scenario.value), [scenario.value])
    changed = {k: v for k, v in values.value.items() if v != base[k]}

    def build():
        try:
            return L.Run(scenario.value, changed, n.value, seed.value)
        except ParameterError as exc:
            return str(exc)

    run = solara.use_memo(build, [scenario.value, tuple(sorted(changed.items())), n.value, seed.value, resets.value])
    error = run if isinstance(run, str) else None
    run = None if error else run

    advance, on_reset = use_stepping(playing, resets, [] if run is None else [run])

    def on_scenario(name):
        playing.set(False)
        scenario.set(name)
        values.set(L.scenario_values(name))

    with solara.Columns([1, 3], gutters_dense=True):
        with solara.Column(style="min-width:300px"):
            solara.Select(label=txt.t("scenario", lang), values=L.scenarios(), value=scenario.value,
                          on_value=on_scenario, classes=["scenario-select"])
            solara.SliderInt(txt.t("residents", lang), value=n.value, min=L.MIN_RESIDENTS, max=L.MAX_RESIDENTS,
                             step=50, on_value=n.set)
            solara.InputInt(txt.t("seed", lang), value=seed.value, on_value=lambda s: seed.set(max(0, s)))
            solara.Text(txt.t("restart_note", lang), style="font-size:0.8em;color:#666")
            Controls(values, lang)
        with solara.Column():
            Transport(lang, run, playing, on_step=advance, on_reset=on_reset)
            shown = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in changed.items())
            solara.HTML(tag="div", unsafe_innerHTML=f"{txt.t('changed', lang)}: {shown or txt.t('none', lang)}",
                        classes=["changed-params"], style="font-size:0.85em;color:#444")
            if error:
                solara.Error(error, classes=["model-error"])
                return
            Views(run, lang, picked, picked_text)


@solara.component
def Views(run: L.Run, lang: str, picked: solara.Reactive, picked_text: solara.Reactive):
    redraw.value  # noqa: B018  (redrawn after each step; the controls are not)
    net = solara.use_memo(lambda: L.NetworkView(run.model), [id(run)])
    snap = run.snapshot()
    i = picked.value if picked.value is not None and picked.value < run.n else None
    key = (id(run), snap["week"], lang)
    net_png = net.render(snap["rung"], snap["backbone"], snap["team"], len(run.rung_keys), i)
    shares = solara.use_memo(lambda: L.shares_png(run, lang), [key])
    spiral = solara.use_memo(lambda: L.spiral_png(run, lang), [key])
    org = solara.use_memo(lambda: L.org_png(run, lang), [key])

    def on_click(data):
        j = net.resident_at(float(data.get("offsetX", -1)), float(data.get("offsetY", -1)))
        if j is not None:
            picked.set(j)
            picked_text.set(str(j))

    with solara.Row(style="flex-wrap:wrap;align-items:flex-start;gap:12px"):
        with solara.Card(txt.t("network", lang), style="width:510px"):
            Png(net_png, L.NETWORK_PX, txt.t("network", lang), "network-figure", on_click=on_click)
            solara.HTML(unsafe_innerHTML=legend_html(L.network_legend(len(run.rung_keys), run.rung_keys, lang)))
            solara.HTML(unsafe_innerHTML=marks_html(lang))
        with solara.Column(style="width:510px"):
            with solara.Card(txt.t("shares", lang)):
                Png(shares, 480, txt.t("shares", lang), "shares-figure")
            with solara.Card(txt.t("spiral", lang)):
                Png(spiral, 400, txt.t("spiral", lang), "spiral-figure")
        with solara.Card(txt.t("org", lang), style="width:510px"):
            out = run.outcomes()
            rows = "".join(f"<tr><td>{txt.t(k, lang)}</td><td style='text-align:right'>{float(out.get(k, 0)):.3g}</td></tr>"
                           for k in (*L.ORG_SERIES, "backbones", "participation_index"))
            solara.HTML(tag="table", unsafe_innerHTML=rows, classes=["org-table"], style="font-size:0.9em")
            Png(org, 480, txt.t("org", lang), "org-figure")
        with solara.Card(txt.t("resident", lang), style="width:510px", classes=["resident-card"]):
            ResidentPanel(run, lang, picked, picked_text)


@solara.component
def ResidentPanel(run: L.Run, lang: str, picked: solara.Reactive, picked_text: solara.Reactive):
    def on_text(text):
        picked_text.set(text)
        picked.set(L.parse_resident(text, run.n))

    solara.InputText(txt.t("resident_pick", lang), value=picked_text.value, on_value=on_text,
                     continuous_update=False, classes=["resident-input"])
    i = picked.value
    if picked_text.value.strip() and (i is None or i >= run.n):
        solara.Warning(txt.t("bad_resident", lang, max=run.n - 1))
        return
    if i is None:
        return
    r = run.resident(i)
    yes, no = txt.t("yes", lang), txt.t("no", lang)
    rows = [(txt.t("rung", lang), txt.rung_label(r["rung"], lang)),
            (txt.t("backbone", lang), yes if r["backbone"] else no),
            (txt.t("team", lang), str(r["team"]) if r["team"] >= 0 else no),
            (txt.t("party_member", lang), yes if r["party_member"] else no),
            (txt.t("trust", lang), f"{r['trust']:.3f}"), (txt.t("capacity", lang), f"{r['capacity']:.3f}"),
            (txt.t("public_spirit", lang), f"{r['public_spirit']:.3f}"),
            (txt.t("unmet_need", lang), f"{r['unmet_need']:.3f}"), (txt.t("points", lang), str(r["points"]))]
    html = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
    solara.HTML(tag="table", unsafe_innerHTML=f"<caption>{txt.t('resident', lang)} {i}</caption>{html}",
                classes=["resident-table"], style="font-size:0.9em")
    ResidentHistory(run, i, lang)


@solara.component
def ResidentHistory(run: L.Run, i: int, lang: str):
    hist = solara.use_memo(lambda: L.resident_png(run, i, lang), [id(run), run.week, i, lang])
    Png(hist, 480, f"{txt.t('resident', lang)} {i} {txt.t('history', lang)}", "resident-figure")


# ---- two scenarios side by side -------------------------------------------------------------------------
@solara.component
def Compare(lang: str):
    names = L.scenarios()
    a = solara.use_reactive(L.DEFAULT_SCENARIO)
    b = solara.use_reactive("status_quo" if "status_quo" in names else names[0])
    n = solara.use_reactive(L.START_RESIDENTS)
    seed = solara.use_reactive(1)
    resets = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    runs = solara.use_memo(lambda: (L.Run(a.value, None, n.value, seed.value), L.Run(b.value, None, n.value, seed.value)),
                           [a.value, b.value, n.value, seed.value, resets.value])

    advance, on_reset = use_stepping(playing, resets, runs)

    with solara.Row(style="align-items:center;flex-wrap:wrap"):
        solara.SliderInt(txt.t("residents", lang), value=n.value, min=L.MIN_RESIDENTS, max=L.MAX_RESIDENTS,
                         step=50, on_value=n.set)
        solara.InputInt(txt.t("seed", lang), value=seed.value, on_value=lambda s: seed.set(max(0, s)))
    Transport(lang, runs[0], playing, on_step=advance, on_reset=on_reset, suffix="-compare")
    with solara.Columns([1, 1]):
        for side, (which, run) in enumerate(zip((a, b), runs, strict=True)):
            CompareSide(side, which, names, run, lang)


@solara.component
def CompareSide(side: int, which: solara.Reactive, names: list[str], run: L.Run, lang: str):
    redraw.value  # noqa: B018
    key = (id(run), run.week, lang)
    shares = solara.use_memo(lambda: L.shares_png(run, lang, size=(4.6, 2.8)), [key])
    spiral = solara.use_memo(lambda: L.spiral_png(run, lang, size=(3.8, 3.8)), [key])
    with solara.Column(classes=[f"compare-side-{side}"]):
        solara.Select(label=txt.t("scenario_a" if side == 0 else "scenario_b", lang), values=names,
                      value=which.value, on_value=which.set)
        solara.HTML(tag="div", unsafe_innerHTML=txt.t("week", lang, n=run.week),
                    classes=[f"week-counter-side-{side}"], style="font-weight:600")
        out = run.outcomes()
        solara.HTML(tag="div", style="font-size:0.9em", unsafe_innerHTML=" · ".join(
            f"{txt.t(k, lang)} {float(out.get(k, 0)):.3g}" for k in ("participation_index", "mean_trust", "n_teams")))
        Png(shares, 460, txt.t("shares", lang), f"shares-figure-side-{side}")
        Png(spiral, 380, txt.t("spiral", lang), f"spiral-figure-side-{side}")


# ---- learning ----------------------------------------------------------------------------------------------
@solara.component
def Learn(lang: str):
    with solara.Column(classes=["learn-panel"], style="max-width:900px"):
        for key in ("what", "how", "notice", "try"):
            # plain HTML from the markdown: solara.Markdown loads KaTeX from a CDN (not offline)
            solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(
                f"### {txt.t(key, lang)}\n\n{txt.learn_text(key, lang)}"), classes=["learn-section"])


# ---- the page ---------------------------------------------------------------------------------------------
@solara.component
def Page():
    lang = solara.use_reactive("zh")
    tab = solara.use_reactive(0)
    solara.Title(txt.t("title", lang.value))
    with solara.Column(style="padding:12px"):
        with solara.Row(style="align-items:center"):
            solara.HTML(tag="h2", unsafe_innerHTML=txt.t("title", lang.value), classes=["app-title"], style="margin:0")
            solara.Button(txt.t("language", lang.value), on_click=lambda: lang.set("en" if lang.value == "zh" else "zh"),
                          outlined=True, classes=["lang-toggle"])
        with solara.lab.Tabs(value=tab, on_value=tab.set):
            solara.lab.Tab(txt.t("tab_one", lang.value), classes=["tab-one"])
            solara.lab.Tab(txt.t("tab_compare", lang.value), classes=["tab-compare"])
            solara.lab.Tab(txt.t("tab_learn", lang.value), classes=["tab-learn"])
        match tab.value:
            case 0:
                OneCommunity(lang.value)
            case 1:
                Compare(lang.value)
            case _:
                Learn(lang.value)
