"""The browser app's pure pieces: controls from the schema, runs, layout, the spiral's geometry,
the vocabulary and its fallbacks, the learning text, and the `run.py app` command's bad input.
(The app in a real browser: tests/test_app_browser.py.)"""

import math
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from app import logic as L
from app import text as txt
from model import DEFAULTS, PARAMS, available_scenarios, load_scenario

ROOT = Path(__file__).resolve().parent.parent


# ---- controls from the one schema --------------------------------------------------------------
def test_controls_are_the_strategy_levers_and_the_six_mechanisms_in_schema_order():
    groups = L.controls()
    assert list(groups) == ["strategy", "backbone", "project", "convention", "resource", "team", "incentive"]
    expected = [p.name for p in PARAMS.values() if p.group in groups and p.kind != "float?"]  # caps: no slider
    assert [c.name for cs in groups.values() for c in cs] == expected
    for mech in txt.mechanisms():
        switch = groups[mech][0]
        assert switch.name == f"{mech}_on" and switch.kind == "bool"


def test_every_control_takes_its_default_and_range_from_the_schema():
    for cs in L.controls().values():
        for c in cs:
            p = PARAMS[c.name]
            assert c.default == p.default == DEFAULTS[c.name]
            assert c.kind in ("float", "int", "bool", "choice")
            if c.kind in ("float", "int"):
                assert p.low <= c.low <= c.default <= c.high <= p.high, c
                assert c.step > 0 and (c.high - c.low) / c.step <= 1.5 * L.SLIDER_STEPS  # int steps round
            if c.kind == "choice":
                assert c.choices == p.choices and c.default in c.choices


def test_a_slider_over_a_huge_range_still_shows_its_default_on_the_grid():
    c = L.control_for(PARAMS["reciprocity"])  # default 2e-5 in [0, 10]
    assert c.high == pytest.approx(4 * PARAMS["reciprocity"].default)
    assert (c.default - c.low) / c.step == pytest.approx(round((c.default - c.low) / c.step))
    assert c.slider_max(1.0) == 1.0  # a scenario's larger value widens the slider


def test_controls_are_labelled_with_the_essay_terms_in_both_languages_and_have_tooltips():
    for cs in L.controls().values():
        for c in cs:
            p = PARAMS[c.name]
            zh, en = c.label("zh"), c.label("en")
            assert p.name in zh and p.name in en
            if p.term_zh:
                assert p.term_zh in zh and (p.term_en or p.term_zh) in en
            assert p.description in c.tooltip()


def test_a_scenario_preset_sets_the_controls():
    for name in available_scenarios():
        values = L.scenario_values(name)
        over = load_scenario(name)
        for key, value in values.items():
            assert value == over.get(key, DEFAULTS[key])
    quo = L.scenario_values("status_quo")
    assert quo["org_role"] == 0.0 and quo["backbone_on"] is False


# ---- runs -----------------------------------------------------------------------------------------
def test_a_run_steps_the_model_and_keeps_each_residents_history():
    run = L.Run("red_microcycle", {"org_role": 0.2}, n_residents=200, seed=3)
    assert run.week == 0 and run.model.p["org_role"] == 0.2 and run.n == 200
    run.step(5)
    assert run.week == 5 == run.model.steps
    assert len(run.series("week")) == 6 and len(run.rungs) == 6
    assert run.series("participation_index")[-1] == pytest.approx(run.model.outcomes["participation_index"])
    assert np.array_equal(run.rungs[-1], run.model.state.rung)
    r = run.resident(7)
    assert r["rung"] in run.rung_keys and 0 <= r["trust"] <= 1


def test_two_runs_with_the_same_seed_are_the_same_community():
    a, b = L.Run("red_microcycle", n_residents=300, seed=5), L.Run("status_quo", n_residents=300, seed=5)
    assert L.layout_key(a.model) == L.layout_key(b.model)
    assert L.layout(a.model) is L.layout(b.model)  # computed once per graph, cached


@pytest.mark.parametrize("text, expected", [("7", 7), (" 0 ", 0), ("199", 199), ("200", None), ("-1", None),
                                            ("x", None), ("", None)])
def test_a_typed_resident_id_is_checked(text, expected):
    assert L.parse_resident(text, 200) == expected


@pytest.mark.parametrize("n", [200, 2000])
def test_the_layout_fills_the_unit_square_and_separates_residents(n):
    run = L.Run("red_microcycle", n_residents=n, seed=1)
    pos = L.layout(run.model)
    assert pos.shape == (n, 2) and pos.min() >= 0 and pos.max() <= 1 + 1e-9
    assert len(np.unique(np.round(pos, 6), axis=0)) == n  # no two residents drawn on one spot


def test_clicking_a_resident_on_the_network_picks_it():
    run = L.Run("red_microcycle", n_residents=300, seed=2)
    view = L.NetworkView(run.model)
    for i in (0, 150, 299):
        x, y = view.pos[i]
        px = (x - view.x0) / (view.x1 - view.x0) * L.NETWORK_PX
        py = (view.y1 - y) / (view.y1 - view.y0) * L.NETWORK_PX
        j = view.resident_at(px, py)
        per_px = (view.x1 - view.x0) / L.NETWORK_PX
        assert j is not None and np.linalg.norm(view.pos[j] - view.pos[i]) <= per_px
    assert view.resident_at(-500, -500) is None


# ---- the spiral's geometry ------------------------------------------------------------------------
def test_the_spiral_turns_once_per_round_clockwise_from_the_top_with_radius_the_index():
    R = 26
    weeks = np.arange(3 * R + 1)
    values = np.linspace(0.1, 0.9, len(weeks))
    x, y = L.spiral_xy(weeks, values, R)
    assert np.allclose(np.hypot(x, y), values)  # radius = participation index
    assert x[0] == pytest.approx(0) and y[0] == pytest.approx(values[0])  # week 0 at the top
    q = R // 4  # a quarter round later: clockwise, to the right
    assert x[q] > 0 and abs(y[q]) < 0.3 * values[q]
    angle = np.arctan2(x, y) % (2 * np.pi)
    assert np.allclose(angle[R], angle[0]) and np.allclose(angle[2 * R], angle[0])  # one turn per round
    turning = np.diff(np.unwrap(-angle))
    assert (turning < 0).all()  # always the same way round


def test_the_six_phases_split_the_round_in_order():
    edges = L.phase_edges(26)
    assert len(edges) == 6 and edges[0] == 0 and (np.diff(edges) > 0).all() and edges[-1] < 2 * math.pi


# ---- vocabulary and its fallbacks ------------------------------------------------------------------
def test_rungs_and_mechanisms_have_names_in_both_languages():
    for key in L.Run("red_microcycle", n_residents=100).rung_keys:
        assert txt.rung_label(key, "zh") != txt.rung_label(key, "en")
    assert txt.rung_label("volunteering", "zh") == "志愿活动"
    assert txt.rung_label("active", "en") == "active"
    assert len(txt.mechanisms()) == 6
    for mech in txt.mechanisms():
        assert txt.mechanism_label(mech, "zh").startswith("红色") and txt.mechanism_label(mech, "en").startswith("red")
        assert txt.group_label(mech, "zh") == txt.mechanism_label(mech, "zh")


def test_every_word_of_the_app_exists_in_both_languages():
    for key, (zh, en) in txt.UI.items():
        assert zh and en, key
    assert txt.t("week", "zh", n=3) == "第 3 周" and txt.t("week", "en", n=3) == "Week 3"


def test_an_unknown_language_or_rung_is_rejected():
    with pytest.raises(ValueError, match="allowed: zh, en"):
        txt.t("week", "fr", n=1)
    with pytest.raises(KeyError, match="known"):
        txt.rung_label("flying", "en")


def _figures(lang):
    run = L.Run("red_microcycle", n_residents=150, seed=1)
    run.step(30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pngs = [L.shares_png(run, lang), L.spiral_png(run, lang), L.org_png(run, lang), L.resident_png(run, 3, lang)]
    missing = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    return pngs, missing


def test_without_a_cjk_font_figures_fall_back_to_english_never_empty_boxes(monkeypatch):
    monkeypatch.setenv("REDCYCLE_NO_CJK", "1")
    txt.cjk_font.cache_clear()
    try:
        assert txt.figure_lang("zh") == "en"
        pngs, missing = _figures("zh")
    finally:
        txt.cjk_font.cache_clear()
    assert not missing
    assert all(p.startswith(b"\x89PNG") for p in pngs)


def test_with_a_cjk_font_figures_draw_chinese_without_missing_glyphs():
    if txt.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-wqy-microhei)")
    assert txt.figure_lang("zh") == "zh" and txt.figure_lang("en") == "en"
    _, missing = _figures("zh")
    assert not missing


# ---- learning panel: one text source with the README -----------------------------------------------
def test_the_learning_panel_reads_the_readme_in_english_and_has_chinese():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key in ("what", "how", "notice", "try"):
        en, zh = txt.learn_text(key, "en"), txt.learn_text(key, "zh")
        assert en and en in readme
        assert zh and any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert "org_role" in txt.learn_text("try", "en") and "org_role" in txt.learn_text("try", "zh")


# ---- the app module and its command ------------------------------------------------------------------
def test_the_app_module_imports_and_mesa_visualization_is_importable():
    import mesa.visualization  # needs altair

    from app import page

    assert callable(page.Page) and mesa.visualization.SolaraViz


def _run_app(*args):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "app", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def test_bad_port_is_one_line_and_exit_2():
    out = _run_app("--port", "70000")
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "1 to 65535" in out.stderr
    out = _run_app("--port", "x")
    assert out.returncode == 2 and out.stderr.count("\n") == 1


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        out = _run_app("--port", str(s.getsockname()[1]))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "another --port" in out.stderr


def test_the_server_command_is_production_mode_on_the_given_host_without_calling_out():
    from app import server as app_server

    cmd = app_server.command("127.0.0.1", 8123)
    assert "--production" in cmd and "--no-check-version" in cmd
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "8123"
    assert app_server.OFFLINE_ENV["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert app_server.DEFAULT_HOST == "127.0.0.1"
