"""The red micro-cycle (党建+红色微循环) in the browser: a Solara app for students.

    uv run run.py app                 # serves it on http://127.0.0.1:8765/ (offline, production mode)
    solara run app.page --production --no-check-version --host 127.0.0.1

Press play and watch a community climb (or fail to climb) the action ladder; move a lever while it
plays and it acts from the next week. The controls are generated from the one parameter schema
(``model.params``), the views read the model only through its public API, and every word comes
from :mod:`app.text` in Chinese and English. The pure pieces (controls, runs, the session a page
keeps, layout, spiral, figures) are in :mod:`app.logic`.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time

import ipyvue  # noqa: F401  (the click event on the network image)
import markdown
import reacton.ipyvue
import solara
import solara.lab

from app import logic as L
from app import text as txt

redraw = solara.reactive(0)
"""Bumped after each change of the session (a step, a lever, a click). A global reactive (one per
browser session), as Mesa's SolaraViz does. The page reads it and passes it down as ``tick``: a
component whose arguments did not change is not redrawn, and the session's objects stay the same
objects while their contents change."""
MIN_PAUSE_SECONDS = 0.02
"""Shortest pause between frames while playing, so that clicks (pause, a lever) get in."""
NARROW_CSS = """
.redcycle-figure { max-width: 100% !important; height: auto; }
.v-tooltip__content { max-width: 320px; white-space: normal; }
@media (max-width: 800px) {
  .redcycle-columns { flex-direction: column !important; }
  .redcycle-columns > * { max-width: 100% !important; flex-basis: auto !important; width: 100% !important; }
  .redcycle-card { width: 100% !important; }
}
.solara-container-main, .v-main { padding-bottom: 48px; }
"""


def changed():
    redraw.value += 1


# ---- small pieces ---------------------------------------------------------------------------------
@solara.component
def Png(data: bytes, width: int, alt: str, classes: str = "", on_click=None):
    """A PNG figure, shrunk to fit a narrow screen; with ``on_click``, clicks report the pixel clicked
    (offsetX, offsetY; on a figure shrunk to fit a phone a click maps to the full-size pixel it covers
    only roughly)."""
    src = "data:image/png;base64," + base64.b64encode(data).decode()
    img = solara.v.Html(
        tag="img",
        attributes={"src": src, "width": str(width), "alt": alt},
        class_=f"redcycle-figure {classes}".strip(),
        style_=f"width:{width}px;cursor:{'crosshair' if on_click else 'default'}",
    )
    reacton.ipyvue.use_event(img, "click", lambda _w, _e, data: on_click(data) if on_click else None)
    return img


@solara.component
def LabelledSelect(label: str, items: list[tuple[str, str]], value: str, on_value, classes: list[str]):
    """A menu whose entries show words (``items``: (value, text)) but set values."""
    solara.v.Select(
        label=label,
        items=[{"value": v, "text": t} for v, t in items],
        v_model=value,
        on_v_model=on_value,
        class_=" ".join(classes),
        dense=True,
    )


@solara.component
def Control(c: L.Control, value, on_value, lang: str):
    """One control, labelled in ``lang`` with its value and unit; its tooltip in ``lang`` too."""
    label = c.shown(value, lang)
    with solara.Tooltip(c.tooltip(lang)):
        with solara.Column(gap="0px", classes=[f"control-{c.name}"]):
            match c.kind:
                case "bool":
                    solara.Checkbox(label=label, value=bool(value), on_value=on_value)
                case "choice":
                    LabelledSelect(
                        label,
                        [(x, txt.choice_label(c.name, x, lang)) for x in c.choices],
                        value,
                        on_value,
                        [f"select-{c.name}"],
                    )
                case "int":
                    solara.SliderInt(
                        label,
                        value=int(value),
                        min=int(c.low),
                        max=int(c.slider_max(value)),
                        step=int(c.step),
                        on_value=on_value,
                        thumb_label=False,
                    )
                case "float":
                    solara.SliderFloat(
                        label,
                        value=float(value),
                        min=float(c.low),
                        max=float(c.slider_max(value)),
                        step=float(c.step),
                        on_value=on_value,
                        thumb_label=False,
                    )
                case other:
                    raise ValueError(f"no widget for a control of kind {other!r}")


@solara.component
def Mechanisms(community: L.Community, lang: str, values: dict, suffix: str = ""):
    """The mechanisms as one control: a switch each, in the cycle's order (their registry)."""
    solara.Text(txt.t("mechanisms_on", lang), style="font-size:0.85em;color:#555")
    with solara.Row(style="flex-wrap:wrap;gap:0 10px", classes=[f"mechanisms{suffix}"]):
        for m in txt.mechanisms():

            def on_value(v, m=m):
                community.set_values({f"{m}_on": bool(v)})
                changed()

            with solara.Tooltip(L.control_for(L.PARAMS[f"{m}_on"]).tooltip(lang)):
                with solara.Column(classes=[f"control-{m}_on{suffix}"], style="min-width:90px"):
                    solara.Checkbox(
                        label=txt.mechanism_label(m, lang), value=bool(values[f"{m}_on"]), on_value=on_value
                    )


@solara.component
def Levers(community: L.Community, lang: str, controls, values: dict):
    for c in controls:

        def set_one(v, name=c.name):
            community.set_values({name: v})
            changed()

        Control(c, values[c.name], set_one, lang)


@solara.component
def Advanced(community: L.Community, lang: str, values: dict):
    """Every other control, grouped and folded, fully labelled too."""
    groups = solara.use_memo(L.advanced_controls, [])
    with solara.Column(classes=["advanced"]), solara.Details(summary=txt.t("advanced", lang), expand=False):
        for group, cs in groups.items():
            if not cs:
                continue
            with solara.Details(summary=txt.group_label(group, lang), expand=False):
                with solara.Column(gap="2px"):
                    Levers(community, lang, cs, values)


@solara.component
def Speed(lang: str, value: int, on_value, suffix: str = ""):
    unit = txt.unit_label("weeks/s", lang)
    LabelledSelect(
        txt.t("speed", lang), [(s, f"{s} {unit}") for s in L.SPEEDS], value, on_value, [f"speed-select{suffix}"]
    )


@solara.component
def Transport(lang: str, runs, playing: solara.Reactive, on_step, on_reset, tick: int = 0, suffix: str = ""):
    """Step, play/pause, reset, the week counter, and the end of the run when it is reached."""
    run = runs[0] if runs else None
    week = run.week if run is not None else 0
    ended = run is not None and week >= run.end
    with solara.Row(style="align-items:center;flex-wrap:wrap", classes=[f"transport{suffix}"]):
        solara.Button(
            txt.t("step", lang),
            on_click=on_step,
            disabled=playing.value or ended or run is None,
            color="primary",
            classes=[f"btn-step{suffix}"],
        )
        solara.Button(
            txt.t("pause" if playing.value else "play", lang),
            on_click=lambda: playing.set(not playing.value),
            color="primary",
            disabled=(ended and not playing.value) or run is None,
            classes=[f"btn-play{suffix}"],
        )
        solara.Button(txt.t("reset", lang), on_click=on_reset, classes=[f"btn-reset{suffix}"])
        solara.HTML(
            tag="span",
            unsafe_innerHTML=txt.t("week", lang, n=week),
            classes=[f"week-counter{suffix}"],
            style="font-size:1.3em;font-weight:600;margin-left:12px",
        )
    if ended:
        solara.Info(
            txt.t("run_end", lang, n=run.end, years=f"{run.end / 52:.0f}"), classes=[f"run-end{suffix}"], dense=True
        )


def use_player(playing: solara.Reactive, speed: int, runs, on_frame):
    """Steps ``runs`` together while ``playing``, at ``speed`` weeks a second (several weeks per frame
    when a redraw takes longer than a week's share of the second), and stops at the run's end."""
    state = solara.use_ref(None)
    state.current = (runs, on_frame)

    async def loop():
        # on the page's own event loop, as Mesa's SolaraViz player does: a step and its redraw never
        # run while a click (pause, a lever) is being rendered
        started, done = time.perf_counter(), 0
        while playing.value:
            runs_now, frame = state.current
            if not runs_now:
                return
            left = runs_now[0].end - runs_now[0].week
            if left <= 0:
                playing.set(False)
                return
            due = L.weeks_due(time.perf_counter() - started, speed, done, left)
            if due:
                for run in runs_now:
                    run.step(due)
                done += due
                frame()
            wait = (done + 1) / speed - (time.perf_counter() - started)
            await asyncio.sleep(max(MIN_PAUSE_SECONDS, wait))

    solara.lab.use_task(loop, dependencies=[playing.value, speed], prefer_threaded=False)


def legend_html(pairs) -> str:
    items = "".join(
        f'<span style="display:inline-block;margin-right:10px">'
        f'<span style="display:inline-block;width:11px;height:11px;background:{c};'
        f'border:1px solid #999;margin-right:4px"></span>{label}</span>'
        for c, label in pairs
    )
    return f'<div style="font-size:0.85em">{items}</div>'


def marks_html(lang: str) -> str:
    ring = (
        '<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
        'border:2px solid {c};margin:0 4px 0 0"></span>'
    )
    return (
        f'<div style="font-size:0.85em">{ring.format(c="#000")}{txt.t("backbone", lang)} &nbsp; '
        f"{ring.format(c='#2166cc')}{txt.t('team_member', lang)} &nbsp; "
        f"{ring.format(c='#e41a1c')}{txt.t('resident', lang)}</div>"
    )


def changes_html(run: L.Run, lang: str) -> str:
    """The levers changed during the run, numbered as their marks on the charts."""
    if not run.marks:
        return ""
    rows = []
    for k, (week, changes) in enumerate(run.marks, 1):
        what = ", ".join(L.describe(name, value, lang) for name, value in changes.items())
        rows.append(f"<li>{k}. {txt.t('mark', lang, week=week, what=what)}</li>")
    return f"<div style='font-size:0.85em'>{txt.t('marks', lang)}<ul style='margin:0'>{''.join(rows)}</ul></div>"


# ---- one community -----------------------------------------------------------------------------------
@solara.component
def OneCommunity(ses: L.Session, lang: str, tick: int = 0):
    playing = solara.use_reactive(False)
    one = ses.one
    run = one.run
    labels = solara.use_memo(lambda: L.scenario_labels(lang), [lang])

    def advance():
        if run is not None and run.week < run.end:
            run.step()
            changed()

    def on_reset():
        playing.set(False)
        one.rebuild()
        changed()

    use_player(playing, ses.speed, [] if run is None else [run], changed)

    def on_scenario(name):
        playing.set(False)
        one.set_scenario(name)
        changed()

    def on_size(n):
        playing.set(False)
        one.set_size(n, one.seed)
        changed()

    def on_speed(v):
        ses.speed = int(v)
        changed()

    with solara.Columns([1, 3], gutters_dense=True, classes=["redcycle-columns"]):
        with solara.Column(style="min-width:280px", classes=["lesson-panel"]):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=txt.t("lesson_hint", lang),
                classes=["lesson-hint"],
                style="font-size:0.9em;background:#fff4e5;padding:6px;border-radius:4px",
            )
            LabelledSelect(
                txt.t("scenario", lang),
                [(n, labels[n]) for n in L.scenarios()],
                one.scenario,
                on_scenario,
                ["scenario-select"],
            )
            Speed(lang, ses.speed, on_speed)
            solara.SliderInt(
                f"{txt.t('residents', lang)}: {one.n:,}",
                value=one.n,
                min=L.MIN_RESIDENTS,
                max=L.MAX_RESIDENTS,
                step=50,
                on_value=on_size,
                thumb_label=False,
            )
            Mechanisms(one, lang, one.values)
            Levers(one, lang, L.lesson_controls(), one.values)
            SeedInput(lang, one.seed, lambda s: (playing.set(False), one.set_size(one.n, s), changed()), "seed-input")
            solara.Text(txt.t("restart_note", lang), style="font-size:0.8em;color:#666")
            Advanced(one, lang, one.values)
        with solara.Column():
            Transport(lang, [run] if run else [], playing, on_step=advance, on_reset=on_reset, tick=tick)
            diff = one.changed()
            shown = "; ".join(L.describe(k, v, lang) for k, v in diff.items())
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"{txt.t('changed', lang)}: {shown or txt.t('none', lang)}",
                classes=["changed-params"],
                style="font-size:0.85em;color:#444",
            )
            if one.error:
                solara.Error(one.error, classes=["model-error"])
            if run is None:
                return
            solara.HTML(unsafe_innerHTML=changes_html(run, lang), classes=["run-marks"])
            Views(ses, run, lang, tick)


@solara.component
def SeedInput(lang: str, seed: int, on_seed, css: str):
    """The seed, typed: anything that is not a whole number in 0..SEED_MAX is refused in one line."""
    text = solara.use_reactive(str(seed))
    bad = solara.use_reactive(False)

    def on_text(value):
        text.set(value)
        s = L.check_seed(value)
        bad.set(s is None)
        if s is not None and s != seed:
            on_seed(s)

    solara.InputText(txt.t("seed", lang), value=text.value, on_value=on_text, continuous_update=False, classes=[css])
    if bad.value:
        solara.Warning(txt.t("bad_seed", lang, max=f"{L.SEED_MAX:,}"), classes=["bad-seed"], dense=True)


@solara.component
def Views(ses: L.Session, run: L.Run, lang: str, tick: int = 0):
    net = solara.use_memo(lambda: L.NetworkView(run.model), [id(run)])
    snap = run.snapshot()
    i = ses.picked if ses.picked is not None and ses.picked < run.n else None
    key = (id(run), snap["week"], lang, len(run.marks))
    net_png = net.render(snap["rung"], snap["backbone"], snap["team"], len(run.rung_keys), i, snap["adult"])
    shares = solara.use_memo(lambda: L.shares_png(run, lang), [key])
    spiral = solara.use_memo(lambda: L.spiral_png(run, lang), [key])
    org = solara.use_memo(lambda: L.org_png(run, lang), [key])
    ghost = ""
    if run.ghost is not None:
        ghost = txt.t("ghost", lang, name=L.scenario_labels(lang)[run.ghost.scenario])

    def on_click(data):
        j = net.resident_at(float(data.get("offsetX", -1)), float(data.get("offsetY", -1)))
        if j is not None:
            ses.picked, ses.picked_text = j, str(j)
            changed()

    with solara.Row(style="flex-wrap:wrap;align-items:flex-start;gap:12px", classes=["redcycle-columns"]):
        with solara.Card(txt.t("network", lang), style="width:510px;max-width:100%", classes=["redcycle-card"]):
            Png(net_png, L.NETWORK_PX, txt.t("network", lang), "network-figure", on_click=on_click)
            legend = L.network_legend(len(run.rung_keys), run.rung_keys, lang, children=not snap["adult"].all())
            solara.HTML(unsafe_innerHTML=legend_html(legend))
            solara.HTML(unsafe_innerHTML=marks_html(lang))
        with solara.Column(style="width:510px;max-width:100%", classes=["redcycle-card"]):
            with solara.Card(txt.t("shares", lang)):
                Png(shares, 480, txt.t("shares", lang), "shares-figure")
                solara.Text(ghost, style="font-size:0.8em;color:#555")
            with solara.Card(txt.t("spiral", lang)):
                Png(spiral, 400, txt.t("spiral", lang), "spiral-figure")
                solara.Text(ghost, style="font-size:0.8em;color:#555")
        with solara.Card(txt.t("org", lang), style="width:510px;max-width:100%", classes=["redcycle-card"]):
            out = run.outcomes()
            rows = "".join(
                f"<tr><td>{txt.t(k, lang)}</td><td style='text-align:right'>{float(out.get(k, 0)):.3g}</td></tr>"
                for k in (*L.ORG_SERIES, "backbones", "participation_index")
            )
            solara.HTML(tag="table", unsafe_innerHTML=rows, classes=["org-table"], style="font-size:0.9em")
            Png(org, 480, txt.t("org", lang), "org-figure")
            solara.Text(ghost, style="font-size:0.8em;color:#555")
        with solara.Card(
            txt.t("resident", lang), style="width:510px;max-width:100%", classes=["resident-card", "redcycle-card"]
        ):
            ResidentPanel(ses, run, lang, tick)


@solara.component
def ResidentPanel(ses: L.Session, run: L.Run, lang: str, tick: int = 0):
    def on_text(text):
        ses.picked_text = text
        ses.picked = L.parse_resident(text, run.n)
        changed()

    solara.InputText(
        txt.t("resident_pick", lang),
        value=ses.picked_text,
        on_value=on_text,
        continuous_update=False,
        classes=["resident-input"],
    )
    i = ses.picked
    if ses.picked_text.strip() and (i is None or i >= run.n):
        solara.Warning(txt.t("bad_resident", lang, max=run.n - 1))
        return
    if i is None:
        return
    r = run.resident(i)
    yes, no = txt.t("yes", lang), txt.t("no", lang)
    rows = [
        (txt.t("rung", lang), txt.rung_label(r["rung"], lang) if r["holds_rung"] else txt.t("no_rung", lang)),
        (txt.t("age_group", lang), txt.code_label("age_group", r["age_group"], lang)),
        (txt.t("tenure", lang), txt.code_label("tenure", r["tenure"], lang)),
        (txt.t("household", lang), txt.code_label("household_type", r["household_type"], lang)),
        (txt.t("backbone", lang), yes if r["backbone"] else no),
        (txt.t("team", lang), str(r["team"]) if r["team"] >= 0 else no),
        (txt.t("party_member", lang), yes if r["party_member"] else no),
        (txt.t("trust", lang), f"{r['trust']:.3f}"),
        (txt.t("capacity", lang), f"{r['capacity']:.3f}"),
        (txt.t("public_spirit", lang), f"{r['public_spirit']:.3f}"),
        (txt.t("unmet_need", lang), f"{r['unmet_need']:.3f}"),
        (txt.t("points", lang), str(r["points"])),
    ]
    html = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
    solara.HTML(
        tag="table",
        unsafe_innerHTML=f"<caption>{txt.t('resident', lang)} {i}</caption>{html}",
        classes=["resident-table"],
        style="font-size:0.9em",
    )
    ResidentHistory(run, i, lang, tick)


@solara.component
def ResidentHistory(run: L.Run, i: int, lang: str, tick: int = 0):
    hist = solara.use_memo(lambda: L.resident_png(run, i, lang), [id(run), run.week, i, lang])
    Png(hist, 480, f"{txt.t('resident', lang)} {i} {txt.t('history', lang)}", "resident-figure")


# ---- two scenarios side by side -------------------------------------------------------------------------
@solara.component
def Compare(ses: L.Session, lang: str, tick: int = 0):
    playing = solara.use_reactive(False)
    runs = [side.run for side in ses.sides if side.run is not None]
    runs = runs if len(runs) == 2 else []

    def advance():
        if runs and runs[0].week < runs[0].end:
            for run in runs:
                run.step()
            changed()

    def rebuild_both():
        playing.set(False)
        for side in ses.sides:
            side.set_size(ses.compare_n, ses.compare_seed)
        changed()

    def on_size(n):
        ses.compare_n = int(n)
        rebuild_both()

    def on_seed(s):
        ses.compare_seed = int(s)
        rebuild_both()

    def on_speed(v):
        ses.compare_speed = int(v)
        changed()

    use_player(playing, ses.compare_speed, runs, changed)
    with solara.Row(style="align-items:center;flex-wrap:wrap"):
        solara.SliderInt(
            f"{txt.t('residents', lang)}: {ses.compare_n:,}",
            value=ses.compare_n,
            min=L.MIN_RESIDENTS,
            max=L.MAX_RESIDENTS,
            step=50,
            on_value=on_size,
            thumb_label=False,
        )
        SeedInput(lang, ses.compare_seed, on_seed, "seed-input-compare")
        Speed(lang, ses.compare_speed, on_speed, "-compare")
    Transport(lang, runs, playing, on_step=advance, on_reset=rebuild_both, tick=tick, suffix="-compare")
    scale = L.spiral_scale(*runs) if runs else (0.0, 1.0)
    with solara.Columns([1, 1], classes=["redcycle-columns"]):
        for side, community in enumerate(ses.sides):
            CompareSide(side, community, lang, scale, lambda: playing.set(False), tick)


@solara.component
def CompareSide(side: int, community: L.Community, lang: str, scale, pause, tick: int = 0):
    run = community.run
    labels = solara.use_memo(lambda: L.scenario_labels(lang), [lang])

    def on_scenario(name):
        pause()
        community.set_scenario(name)
        changed()

    with solara.Column(classes=[f"compare-side-{side}"]):
        LabelledSelect(
            txt.t("scenario_a" if side == 0 else "scenario_b", lang),
            [(n, labels[n]) for n in L.scenarios()],
            community.scenario,
            on_scenario,
            [f"scenario-select-side-{side}"],
        )
        with (
            solara.Column(classes=[f"levers-side-{side}"]),
            solara.Details(summary=txt.t("levers_side", lang), expand=False),
        ):
            Mechanisms(community, lang, community.values, suffix=f"-side-{side}")
            Levers(community, lang, L.lesson_controls(), community.values)
        if community.error:
            solara.Error(community.error, classes=["model-error"])
        if run is not None:
            SideViews(side, run, lang, scale, tick)


@solara.component
def SideViews(side: int, run: L.Run, lang: str, scale, tick: int = 0):
    key = (id(run), run.week, lang, len(run.marks), scale)
    shares = solara.use_memo(lambda: L.shares_png(run, lang, size=(4.6, 2.8)), [key])
    spiral = solara.use_memo(lambda: L.spiral_png(run, lang, size=(3.8, 3.8), scale=scale), [key])
    with solara.Column():
        solara.HTML(
            tag="div",
            unsafe_innerHTML=txt.t("week", lang, n=run.week),
            classes=[f"week-counter-side-{side}"],
            style="font-weight:600",
        )
        out = run.outcomes()
        solara.HTML(
            tag="div",
            style="font-size:0.9em",
            unsafe_innerHTML=" · ".join(
                f"{txt.t(k, lang)} {float(out.get(k, 0)):.3g}" for k in ("participation_index", "mean_trust", "n_teams")
            ),
        )
        solara.HTML(unsafe_innerHTML=changes_html(run, lang))
        Png(shares, 460, txt.t("shares", lang), f"shares-figure-side-{side}")
        Png(spiral, 380, txt.t("spiral", lang), f"spiral-figure-side-{side}")


# ---- learning ----------------------------------------------------------------------------------------------
@solara.component
def Learn(lang: str):
    labels = solara.use_memo(lambda: L.scenario_labels(lang), [lang])
    with solara.Column(classes=["learn-panel"], style="max-width:900px"):
        for key in ("what", "how", "notice", "try"):
            # plain HTML from the markdown: solara.Markdown loads KaTeX from a CDN (not offline)
            solara.HTML(
                tag="div",
                unsafe_innerHTML=markdown.markdown(f"### {txt.t(key, lang)}\n\n{txt.learn_text(key, lang, labels)}"),
                classes=["learn-section"],
            )


# ---- the page ---------------------------------------------------------------------------------------------
@solara.component
def Page():
    """The page: its session is found by the token in its address (made on the first visit), so a
    reload keeps the runs; a new tab without the token gets a session of its own."""
    router = solara.use_router()
    query = dict(part.split("=", 1) for part in (router.search or "").split("&") if "=" in part)
    token = solara.use_memo(lambda: query.get("s") or secrets.token_urlsafe(12), [])

    def keep_token():
        if query.get("s") != token:
            router.push(f"{router.path or '/'}?s={token}")

    solara.use_effect(keep_token, [router.search])  # again if the browser's first address overwrote it
    ses = L.session(token)
    tick = redraw.value
    lang = ses.lang

    def set_lang():
        ses.lang = "en" if ses.lang == "zh" else "zh"
        changed()

    def set_tab(i):
        ses.tab = int(i)
        changed()

    solara.Title(txt.t("title", lang))
    solara.Style(NARROW_CSS)
    with solara.Column(style="padding:12px"):
        with solara.Row(style="align-items:center;flex-wrap:wrap"):
            solara.HTML(tag="h2", unsafe_innerHTML=txt.t("title", lang), classes=["app-title"], style="margin:0")
            solara.Button(txt.t("language", lang), on_click=set_lang, outlined=True, classes=["lang-toggle"])
        with solara.lab.Tabs(value=ses.tab, on_value=set_tab):
            solara.lab.Tab(txt.t("tab_one", lang), classes=["tab-one"])
            solara.lab.Tab(txt.t("tab_compare", lang), classes=["tab-compare"])
            solara.lab.Tab(txt.t("tab_learn", lang), classes=["tab-learn"])
        match ses.tab:
            case 0:
                OneCommunity(ses, lang, tick)
            case 1:
                Compare(ses, lang, tick)
            case _:
                Learn(lang)
