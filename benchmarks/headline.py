"""The README's performance headline, measured and written: the figures are a run's, never typed.

    uv run python benchmarks/headline.py            # measure, write docs/headline.json, update the README
    uv run python benchmarks/headline.py --render   # only rewrite the README's block from docs/headline.json

One default run is ``simulate({}, seed)``: 2,000 residents, 156 weeks, its 156-week burn-in
included. Each repeat times a run on a new seed (a fresh burn-in, as in a sweep of new seeds) and
the same seed again (its burn-in cached, as in a sweep over levers); the figures are the medians over
repeats, with the load average before and after (the machine is shared and noisy). The README's
text between the ``headline`` markers is ``experiments.docs.headline(docs/headline.json)``;
tests/test_docs.py checks that it is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JSON = ROOT / "docs" / "headline.json"


def measure(repeats: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from model import burnin, simulate
    from model.params import DEFAULTS

    load_before = os.getloadavg()
    simulate({}, seed=10_000, steps=2)  # imports, first-call costs
    fresh, cached = [], []
    for r in range(repeats):
        burnin.clear_cache()
        t0 = time.perf_counter()
        simulate({}, seed=r)
        fresh.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        simulate({}, seed=r)
        cached.append(time.perf_counter() - t0)
    commit = (
        subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        or "unknown"
    )
    return {
        "residents": DEFAULTS["n_residents"],
        "weeks": DEFAULTS["steps"],
        "burn_in_weeks": DEFAULTS["burn_in_weeks"],
        "repeats": repeats,
        "fresh_s": fresh,
        "cached_s": cached,
        "fresh_median_s": statistics.median(fresh),
        "cached_median_s": statistics.median(cached),
        "load_before": round(load_before[0], 2),
        "load_after": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "commit": commit,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="repeats (default 7)")
    ap.add_argument("--render", action="store_true", help="only rewrite the README from docs/headline.json")
    args = ap.parse_args(argv)
    if not args.render:
        JSON.write_text(json.dumps(measure(args.repeats), indent=1) + "\n", encoding="utf-8")
    sys.path.insert(0, str(ROOT))
    from experiments.docs import headline, write_headline

    h = json.loads(JSON.read_text(encoding="utf-8"))
    write_headline(h)
    print(headline(h))
    return 0


if __name__ == "__main__":
    sys.exit(main())
