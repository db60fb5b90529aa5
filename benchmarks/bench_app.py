"""Speed of the browser app (issue 11 item 7, issue 18 item 2): not a timed test, a measurement.

    uv run python benchmarks/bench_app.py            # frames, play rates, time to interactive
    uv run python benchmarks/bench_app.py --no-browser

1. One frame = one week stepped (with the status-quo ghost the page steps beside it) + every view
   of the "One community" tab redrawn (network, rung shares, spiral, the organisation's state), as
   the app does after each step: median of repeats, at 500, 2,000 and 5,000 residents.
2. Play rate = weeks played per second by the page's own play rule (``app.logic.weeks_due``: step
   the weeks due, redraw once, several weeks per frame when a frame is slow), model and redraw
   together, over a few seconds of play: targets 5 weeks a second at 500 residents, 2 at 5,000.
3. Time to interactive = from starting `run.py app` to the page showing week 1 after a click on
   Step in headless Chromium (target: within 10 s). Needs Debian's chromium.

On the shared 2-core machine other work inflates every figure; the medians are the robust ones.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import logic as L  # noqa: E402


def redraw(run, view) -> None:
    snap = run.snapshot()
    view.render(snap["rung"], snap["backbone"], snap["team"], len(run.rung_keys), None)
    L.shares_png(run, "zh")
    L.spiral_png(run, "zh")
    L.org_png(run, "zh")


def frame_times(n: int, repeats: int, warmup: int = 5) -> list[float]:
    run = L.Run(L.DEFAULT_SCENARIO, None, n, 1, ghost=L.GHOST_SCENARIO)
    view = L.NetworkView(run.model)
    run.step(warmup)
    times, cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        run.step()
        redraw(run, view)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return times, cpu


def play_rate(n: int, speed: int, seconds: float) -> tuple[float, float]:
    """Weeks a second and frames a second over ``seconds`` of play at ``speed``, by the page's rule
    (the page's pause between frames included)."""
    run = L.Run(L.DEFAULT_SCENARIO, None, n, 1, ghost=L.GHOST_SCENARIO)
    view = L.NetworkView(run.model)
    started, done, frames = time.perf_counter(), 0, 0
    while (elapsed := time.perf_counter() - started) < seconds and run.week < run.end:
        due = L.weeks_due(elapsed, speed, done, run.end - run.week)
        if due:
            run.step(due)
            done += due
            redraw(run, view)
            frames += 1
        time.sleep(max(0.02, (done + 1) / speed - (time.perf_counter() - started)))
    elapsed = time.perf_counter() - started
    return done / elapsed, frames / elapsed


def time_to_interactive(chromium: str) -> float:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "app", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.perf_counter() - started > 300:
                    raise RuntimeError("the server did not answer within 300 s") from None
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            page = browser.new_page()
            page.set_default_timeout(300_000)
            page.goto(url)
            page.click(".btn-step")
            page.wait_for_function("() => /第 1 周|Week 1/.test(document.querySelector('.week-counter').innerText)")
            seconds = time.perf_counter() - started
            browser.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=21, help="frames timed per size (default 21)")
    ap.add_argument("--no-browser", action="store_true", help="skip the time-to-interactive measurement")
    ap.add_argument(
        "--play-seconds",
        type=float,
        default=20.0,
        help="seconds of play per rate measured (default 20: the first frame's wait weighs less)",
    )
    ap.add_argument("--play-repeats", type=int, default=3, help="plays per rate (default 3)")
    ap.add_argument("--no-frames", action="store_true", help="skip the frame times")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| measure | median | min | max | CPU time, median | target |")
    print("|---|---|---|---|---|---|")
    for n, target in () if args.no_frames else ((500, "< 200 ms"), (2000, "usable"), (5000, "usable")):
        wall, cpu = frame_times(n, args.repeats)
        t = [x * 1000 for x in wall]
        print(
            f"| step + redraw, {n:,} residents (ms) | {statistics.median(t):.0f} | {min(t):.0f} | {max(t):.0f} "
            f"| {statistics.median(cpu) * 1000:.0f} | {target} |"
        )
    for n, speed, target in ((500, 5, 5), (500, 20, None), (5000, 2, 2), (5000, 20, None)):
        rates = [play_rate(n, speed, args.play_seconds) for _ in range(args.play_repeats)]
        weeks = [r[0] for r in rates]
        frames = statistics.median(r[1] for r in rates)
        print(
            f"| play at {speed} weeks/s, {n:,} residents (weeks a second; {frames:.1f} frames a second) "
            f"| {statistics.median(weeks):.1f} | {min(weeks):.1f} | {max(weeks):.1f} | "
            f"| {'>= ' + str(target) if target else 'as fast as it goes'} |"
        )
    chromium = next((c for c in ("/usr/bin/chromium",) if os.access(c, os.X_OK)), None)
    if args.no_browser:
        pass
    elif chromium is None:
        print("time to interactive: not measured (no /usr/bin/chromium; Debian: apt-get install chromium)")
    else:
        t = [time_to_interactive(chromium) for _ in range(3)]
        print(
            f"| server start to week 1 shown after a click on Step (s) | {statistics.median(t):.1f} | {min(t):.1f} "
            f"| {max(t):.1f} | | < 10 s |"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
