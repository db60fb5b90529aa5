"""The browser app in a real browser: Debian's Chromium, headless, driven by Playwright, against
the app served on a free 127.0.0.1 port by the user guide's own command (started here, stopped after).

Skipped (with the reason) only when no Chromium is installed; `.ci/run` installs it. Screenshots at
390 and 1400 px are saved in tests/artifacts/. Every wait is for a state of the page (a week, a
mark, a button's label), never a fixed sleep, so a loaded machine only makes it slower.
"""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import logic as L

pytestmark = pytest.mark.browser
# the page loading and a step/play/reset run by default; every other walk through the app is `slow`

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = next(
    (
        p
        for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or "")
        if p and os.access(p, os.X_OK)
    ),
    None,
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WEEK = re.compile(r"(?:第 (\d+) 周|Week (\d+))")
TIMEOUT_MS = 120_000  # generous: the 2-core machine is shared (a frame takes 0.15 s idle, >1 s loaded)

if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (Debian: apt-get install chromium; .ci/run does it)", allow_module_level=True
    )


def guide_app_commands() -> list[str]:
    """The app's commands in the user guide's 'The browser app' section (shell block)."""
    guide = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    section = guide.split("## The browser app", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```shell\n(.*?)```", section, flags=re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_process(command: str, port: int) -> tuple[list[str], dict]:
    """A documented command as argv and environment: `uv run X` becomes this Python running X."""
    words = shlex.split(command)
    env = dict(os.environ)
    while "=" in words[0]:
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    assert words[:2] == ["uv", "run"], command
    words = words[2:]
    match words[0]:
        case "run.py":
            argv = [sys.executable, str(ROOT / "run.py"), *words[1:]]
        case "solara":
            argv = [sys.executable, "-m", "solara", *words[1:]]
        case other:
            raise AssertionError(f"unexpected app command {other!r}")
    if "--port" in argv:
        argv[argv.index("--port") + 1] = str(port)
    else:
        argv += ["--port", str(port)]
    return argv, env


def wait_until_served(url: str, proc: subprocess.Popen, seconds: float = 240) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with code {proc.returncode}: {proc.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within {seconds} s")


def start(command: str):
    port = free_port()
    argv, env = as_process(command, port)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"server_{argv[2] if argv[1] == '-m' else 'run_py'}.log"  # a file: a full pipe would stall it
    with log.open("w") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    proc.log = log
    url = f"http://127.0.0.1:{port}/"
    wait_until_served(url, proc)
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def server():
    command = guide_app_commands()[0]
    assert command.startswith("uv run run.py app")
    proc, url = start(command)
    yield url, proc
    stop(proc)
    out = proc.log.read_text()
    assert f"http://127.0.0.1:{url.rsplit(':', 1)[1].strip('/')}/" in out  # it printed its address


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(server, browser):
    url, _ = server
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    problems = []
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    pg.on(
        "request",
        lambda req: (
            None
            if req.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else problems.append(f"request outside: {req.url}")
        ),
    )
    pg.goto(url)
    pg.wait_for_selector(".week-counter")
    pg.problems = problems
    yield pg
    context.close()


def week(pg, selector=".week-counter") -> int:
    try:
        text = pg.inner_text(selector, timeout=TIMEOUT_MS)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "app_failure.png"), full_page=True)
        (ARTIFACTS / "app_failure.txt").write_text(pg.inner_text("body"))
        raise
    m = WEEK.search(text)
    assert m, text
    return int(m.group(1) or m.group(2))


def wait_week(pg, predicate, selector=".week-counter"):
    deadline = time.perf_counter() + TIMEOUT_MS / 1000
    while time.perf_counter() < deadline:
        if predicate(week(pg, selector)):
            return week(pg, selector)
        time.sleep(0.1)
    raise AssertionError(f"week counter stuck at {week(pg, selector)}")


def settled_weeks(pg, selectors, seconds: float = TIMEOUT_MS / 1000) -> list[int]:
    """The week counters in ``selectors`` once they agree. Solara sends a redraw's widgets one message at a
    time, so for a moment one side can show the new week and the other the old; a real mismatch (the sides
    stepping apart) never settles and fails here."""
    deadline = time.perf_counter() + seconds
    while True:
        weeks = [week(pg, s) for s in selectors]
        if len(set(weeks)) == 1 or time.perf_counter() > deadline:
            return weeks
        time.sleep(0.1)


def src(pg, selector) -> str:
    return pg.get_attribute(selector, "src")


def redrawn(pg, selector, before: str, seconds: float = TIMEOUT_MS / 1000) -> bool:
    """Whether the image at ``selector`` comes to differ from ``before`` (its widget's message may land a
    moment after the week counter's)."""
    deadline = time.perf_counter() + seconds
    while src(pg, selector) == before:
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.1)
    return True


def no_errors(pg):
    problems = [x for x in pg.problems if "/_solara/api/close/" not in x]  # a reloaded page's goodbye
    assert not problems, problems
    assert pg.locator(".v-alert.error--text, .model-error").count() == 0
    assert "Traceback" not in pg.inner_text("body")


# ---- the tests ---------------------------------------------------------------------------------------
def test_the_page_loads_offline_with_no_error_and_its_figures_drawn(page):
    assert week(page) == 0 and "第 0 周" in page.inner_text(".week-counter")
    for fig in (".network-figure", ".shares-figure", ".spiral-figure", ".org-figure"):
        page.wait_for_selector(fig)
        assert page.eval_on_selector(fig, "img => img.complete && img.naturalWidth > 100"), fig
    assert "党建+红色微循环" in page.inner_text(".app-title")
    assert "runs on Solara" not in page.inner_text("body")  # no badge over the page
    no_errors(page)


def wait_paused(pg, suffix=""):
    pg.wait_for_function(f"() => /播放|play/i.test(document.querySelector('.btn-play{suffix}').innerText)")


def test_step_and_play_advance_the_week_and_change_the_charts_and_reset_returns_to_week_0(page):
    shares, spiral = src(page, ".shares-figure"), src(page, ".spiral-figure")
    page.click(".btn-step")
    wait_week(page, lambda w: w == 1)
    assert redrawn(page, ".shares-figure", shares) and redrawn(page, ".spiral-figure", spiral)
    network = src(page, ".network-figure")
    page.click(".btn-play")
    wait_week(page, lambda w: w >= 3)
    page.click(".btn-play")  # now the pause button
    wait_paused(page)
    assert redrawn(page, ".network-figure", network)
    stopped = settled_weeks(page, (".week-counter", ".week-counter"))[0]
    page.click(".btn-step")  # paused: one click is one week
    wait_week(page, lambda w: w == stopped + 1)
    page.click(".btn-reset")
    wait_week(page, lambda w: w == 0)
    no_errors(page)


def choose(pg, select: str, text: str):
    """Pick the entry showing ``text`` in the menu ``select``."""
    pg.click(select)
    pg.locator(".menuable__content__active .v-list-item", has_text=text).first.click()


@pytest.mark.slow
def test_play_runs_at_the_chosen_speed_and_stops_at_the_end_saying_so(page):
    choose(page, ".speed-select", "20 周/秒")
    page.click(".btn-play")
    page.wait_for_selector(".run-end")
    wait_paused(page)
    end = L.Run(L.DEFAULT_SCENARIO, None, 200, 1).end
    assert week(page) == end and f"第 {end} 周" in page.inner_text(".run-end")
    assert page.is_disabled(".btn-play") and page.is_disabled(".btn-step")
    page.click(".btn-reset")
    wait_week(page, lambda w: w == 0)
    no_errors(page)


@pytest.mark.slow
def test_a_lever_moved_mid_run_acts_from_the_next_week_and_is_marked(page):
    slider = page.locator(".control-org_role [role=slider]").first
    before = float(slider.get_attribute("aria-valuenow"))
    for n in (1, 2):
        page.click(".btn-step")
        wait_week(page, lambda w, n=n: w == n)
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_selector(".run-marks li")  # the change is listed with its week: the next one
    page.wait_for_function("() => document.querySelector('.run-marks').innerText.includes('第 3 周')")
    after = float(slider.get_attribute("aria-valuenow"))
    assert after == pytest.approx(before - 3 * L.control_for(L.PARAMS["org_role"]).step)
    assert week(page) == 2  # the run goes on: not restarted
    page.wait_for_function(f"() => document.querySelector('.changed-params').innerText.includes('{after:.3g}')")
    page.click(".btn-reset")
    wait_week(page, lambda w: w == 0)
    page.wait_for_function("() => !document.querySelector('.run-marks li')")
    no_errors(page)


@pytest.mark.slow
def test_the_scenario_selector_loads_a_preset(page):
    slider = page.locator(".control-org_role [role=slider]").first
    assert float(slider.get_attribute("aria-valuenow")) == pytest.approx(
        L.scenario_values("red_microcycle")["org_role"]
    )
    choose(page, ".scenario-select", "现状：包办者")
    page.wait_for_function(
        "() => document.querySelector('.control-org_role [role=slider]').getAttribute('aria-valuenow') === '0'"
    )
    assert "现状：包办者" in page.inner_text(".scenario-select")
    assert "无" in page.inner_text(".changed-params")  # the preset's own values, nothing changed
    page.click(".btn-step")
    wait_week(page, lambda w: w == 1)
    no_errors(page)


@pytest.mark.slow
def test_picking_a_resident_by_id_and_by_clicking_the_network(page):
    page.fill(".resident-input input", "5")
    page.keyboard.press("Enter")
    page.wait_for_selector(".resident-table")
    assert "居民 5" in page.inner_text(".resident-table")
    assert "年龄组" in page.inner_text(".resident-table") and "家庭类型" in page.inner_text(".resident-table")
    page.wait_for_selector(".resident-figure")
    # click where resident 0 is drawn (the same community: default scenario, size and seed)
    view = L.NetworkView(L.Run(L.DEFAULT_SCENARIO, None, L.START_RESIDENTS, 1).model)
    x, y = view.pos[0]
    px = (x - view.x0) / (view.x1 - view.x0) * L.NETWORK_PX
    py = (view.y1 - y) / (view.y1 - view.y0) * L.NETWORK_PX
    page.click(".network-figure", position={"x": px, "y": py})
    page.wait_for_function("() => !document.querySelector('.resident-table').innerText.includes('居民 5')")
    picked = int(re.search(r"居民 (\d+)", page.inner_text(".resident-table")).group(1))
    per_px = (view.x1 - view.x0) / L.NETWORK_PX
    assert abs(view.pos[picked] - view.pos[0]).max() <= 2 * per_px
    no_errors(page)


IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_0-9]+\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_every_fold(pg):
    """Open the 'advanced' fold and every group inside it (and the comparison's folds)."""
    for _ in range(3):  # folds inside folds appear once their parent is open
        closed = pg.locator(".v-expansion-panel:not(.v-expansion-panel--active) > .v-expansion-panel-header")
        if closed.count() == 0:
            return
        for k in range(closed.count()):
            closed.nth(0).click()
            pg.wait_for_timeout(50)


def go_tab(pg, tab: str, shown: str) -> None:
    """Click a tab until its content shows: a click that lands while the page is being redrawn (a busy
    server) is lost, so it is repeated, each time waiting for the tab's content, not for a set time."""
    for attempt in range(4):
        pg.click(tab)
        try:
            pg.wait_for_selector(shown, timeout=TIMEOUT_MS // 4)
            return
        except Exception:
            if attempt == 3:
                raise


def visible_text(pg) -> str:
    tips = pg.evaluate(
        "() => Array.from(document.querySelectorAll('.v-tooltip__content')).map(e => e.innerText).join('\\n')"
    )
    return pg.inner_text("body") + "\n" + tips


@pytest.mark.slow
def test_every_visible_string_of_both_languages_is_in_that_language(page):
    """Chinese mode shows no identifier nor English word (but the toggle's 'English' and the name Mesa);
    English mode no Chinese (but the toggle's 中文): each tab, every fold open."""

    def check(lang):
        for tab in (".tab-one", ".tab-compare", ".tab-learn"):
            go_tab(
                page,
                tab,
                {".tab-one": ".lesson-panel", ".tab-compare": ".week-counter-compare", ".tab-learn": ".learn-panel"}[
                    tab
                ],
            )
            open_every_fold(page)
            text = visible_text(page)
            assert not IDENTIFIER.search(text), (lang, tab, IDENTIFIER.findall(text)[:5])
            if lang == "zh":
                words = set(re.findall(r"[A-Za-z]{2,}", text)) - {"ENGLISH", "English", "Mesa"}
                assert not words, (tab, sorted(words)[:10])
            else:
                assert set(CJK.findall(text)) <= set("中文"), (tab, "".join(sorted(set(CJK.findall(text))))[:40])

    check("zh")
    go_tab(page, ".tab-one", ".lesson-panel")
    page.click(".lang-toggle")
    page.wait_for_function(
        "() => (document.querySelector('.week-counter') || {innerText: ''}).innerText.includes('Week 0')"
    )
    assert "three downs" in page.inner_text(".control-three_downs")
    check("en")
    assert "Things to try" in page.inner_text(".learn-panel")
    page.click(".lang-toggle")
    page.wait_for_function(
        "() => (document.querySelector('.learn-panel') || {innerText: ''}).innerText.includes('可以尝试')"
    )
    no_errors(page)


@pytest.mark.slow
def test_two_scenarios_side_by_side_step_together_each_with_its_own_levers(page):
    go_tab(page, ".tab-compare", ".week-counter-compare")
    left, right = src(page, ".spiral-figure-side-0"), src(page, ".spiral-figure-side-1")
    page.click(".btn-step-compare")
    wait_week(page, lambda w: w == 1, ".week-counter-compare")
    page.click(".btn-step-compare")
    wait_week(page, lambda w: w == 2, ".week-counter-compare")
    assert settled_weeks(page, (".week-counter-compare", ".week-counter-side-0", ".week-counter-side-1")) == [2, 2, 2]
    assert redrawn(page, ".spiral-figure-side-0", left) and redrawn(page, ".spiral-figure-side-1", right)
    assert src(page, ".shares-figure-side-0") != src(page, ".shares-figure-side-1")  # the scenarios differ
    # side A's own lever, mid-run: marked on side A only
    page.click(".levers-side-0 .v-expansion-panel-header")
    page.click(".control-convention_on-side-0 label")
    page.wait_for_function("() => document.querySelector('.compare-side-0').innerText.includes('第 3 周')")
    assert "第 3 周" not in page.inner_text(".compare-side-1")
    page.click(".btn-play-compare")
    wait_week(page, lambda w: w >= 4, ".week-counter-compare")
    page.click(".btn-play-compare")
    wait_paused(page, "-compare")
    weeks = settled_weeks(page, (".week-counter-compare", ".week-counter-side-0", ".week-counter-side-1"))
    assert len(set(weeks)) == 1 and weeks[0] >= 4, weeks
    page.click(".btn-reset-compare")
    wait_week(page, lambda w: w == 0, ".week-counter-compare")
    no_errors(page)


@pytest.mark.slow
def test_tabs_and_reloads_keep_the_run_and_a_huge_seed_is_one_line(page):
    page.click(".btn-step")
    wait_week(page, lambda w: w == 1)
    page.click(".btn-step")
    wait_week(page, lambda w: w == 2)
    go_tab(page, ".tab-learn", ".learn-panel")
    go_tab(page, ".tab-one", ".lesson-panel")
    wait_week(page, lambda w: w == 2)
    page.wait_for_function("() => window.location.search.includes('s=')")  # the session's token
    page.reload()
    page.problems[:] = [x for x in page.problems if "/_solara/api/close/" not in x]  # the old page's goodbye
    page.wait_for_selector(".week-counter")
    wait_week(page, lambda w: w == 2)
    page.fill(".seed-input input", "99999999999999999999")
    page.keyboard.press("Enter")
    page.wait_for_selector(".bad-seed")
    assert week(page) == 2  # nothing rebuilt
    go_tab(page, ".tab-compare", ".week-counter-compare")
    page.fill(".seed-input-compare input", "99999999999999999999")
    page.keyboard.press("Enter")
    page.wait_for_selector(".bad-seed")
    no_errors(page)


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1400])
def test_screenshots_at_phone_and_desktop_width_nothing_cut_off(page, width):
    """Play a while, pick a resident, then save the page (tests/artifacts/app_<width>.png). Below
    800 px the columns stack: no figure reaches past the right edge."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.click(".btn-play")
    wait_week(page, lambda w: w >= 8)
    page.click(".btn-play")
    wait_paused(page)
    page.fill(".resident-input input", "12")
    page.keyboard.press("Enter")
    page.wait_for_selector(".resident-figure")
    overflow = page.evaluate("""() => Array.from(document.querySelectorAll('.redcycle-figure'))
        .map(e => e.getBoundingClientRect().right).filter(r => r > window.innerWidth + 1).length""")
    assert overflow == 0
    if width < 800:  # stacked: the lesson panel above the views
        top = page.evaluate(
            "() => [document.querySelector('.lesson-panel').getBoundingClientRect().bottom, "
            "document.querySelector('.network-figure').getBoundingClientRect().top]"
        )
        assert top[0] <= top[1]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"app_{width}.png"
    page.set_viewport_size({"width": width, "height": 2600})  # the page scrolls inside its own frame
    page.wait_for_selector(".resident-figure")
    page.evaluate("() => document.querySelector('.app-title').scrollIntoView()")
    page.screenshot(path=str(path))
    assert path.stat().st_size > 30_000
    no_errors(page)


@pytest.mark.slow
def test_solara_run_serves_the_app_too():
    """The user guide's `solara run app.page` line, on a free 127.0.0.1 port."""
    command = guide_app_commands()[1]
    assert "solara run app.page" in command and "--production" in command
    proc, url = start(command)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200 and b"solara" in r.read().lower()
    finally:
        stop(proc)
