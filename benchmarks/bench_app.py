"""Speed of the browser app (issue 11, item 7): not a timed test, a measurement.

    uv run python benchmarks/bench_app.py            # frames at 500 and 2,000 residents, time to interactive
    uv run python benchmarks/bench_app.py --no-browser

1. One frame = one week stepped + every view of the "One community" tab redrawn (network, rung
   shares, spiral, the organisation's state), as the app does after each step: median of repeats
   (target at 500 residents: under 200 ms; at 2,000: usable).
2. Time to interactive = from starting `run.py app` to the page showing week 1 after a click on
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


def frame_times(n: int, repeats: int, warmup: int = 5) -> list[float]:
    run = L.Run(L.DEFAULT_SCENARIO, None, n, 1)
    view = L.NetworkView(run.model)
    run.step(warmup)
    times, cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        run.step()
        snap = run.snapshot()
        view.render(snap["rung"], snap["backbone"], snap["team"], len(run.rung_keys), None)
        L.shares_png(run, "zh")
        L.spiral_png(run, "zh")
        L.org_png(run, "zh")
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return times, cpu


def time_to_interactive(chromium: str) -> float:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "app", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
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
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| measure | median | min | max | CPU time, median | target |")
    print("|---|---|---|---|---|---|")
    for n, target in ((500, "< 200 ms"), (2000, "usable")):
        wall, cpu = frame_times(n, args.repeats)
        t = [x * 1000 for x in wall]
        print(f"| step + redraw, {n:,} residents (ms) | {statistics.median(t):.0f} | {min(t):.0f} | {max(t):.0f} "
              f"| {statistics.median(cpu) * 1000:.0f} | {target} |")
    chromium = next((c for c in ("/usr/bin/chromium",) if os.access(c, os.X_OK)), None)
    if args.no_browser:
        pass
    elif chromium is None:
        print("time to interactive: not measured (no /usr/bin/chromium; Debian: apt-get install chromium)")
    else:
        t = [time_to_interactive(chromium) for _ in range(3)]
        print(f"| server start to week 1 shown after a click on Step (s) | {statistics.median(t):.1f} | {min(t):.1f} "
              f"| {max(t):.1f} | | < 10 s |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
