"""Two versions of the model side by side: is a change faster or slower, as a paired ratio?

    uv run python benchmarks/bench_commits.py                      # HEAD~1 against the working tree
    uv run python benchmarks/bench_commits.py --base v0 --head HEAD --n 10000 --weeks 52

Each version is unpacked from git (``git archive``, into a temporary folder removed after: nothing
in the repository's git metadata changes; the working tree is used as it is when ``--head`` is not
given) and timed in fresh interpreters of this
environment, alternating base / head, head / base, ... so both see the same machine noise. One
repeat times ``--runs`` default runs ``simulate({"n_residents": N}, seed, steps=W)`` on seeds of its
own (a fresh burn-in each, as in a sweep of new seeds); the figure is the median of the per-repeat
ratios head / base. Before the timed runs each interpreter makes one untimed run of the same length on
seed 0, so that every compiled function a run calls is loaded from numba's cache (a mechanism first
acts weeks into a run; loading its kernels inside the timed runs would charge a once-per-process cost
to the version with more of them). The machine is shared and noisy: read the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TIMER = """
import json, sys, time
sys.path.insert(0, {tree!r})
from model import simulate
simulate({{"n_residents": {n}}}, seed=0, steps={weeks})  # imports, first calls: every compiled function loaded
t0 = time.perf_counter()
for seed in {seeds!r}:
    simulate({{"n_residents": {n}}}, seed=seed, steps={weeks})
print(json.dumps(time.perf_counter() - t0))
"""


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def timed(tree: Path, n: int, weeks: int, seeds: list[int]) -> float:
    code = TIMER.format(tree=str(tree), n=n, weeks=weeks, seeds=seeds)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tree)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="HEAD~1", help="the version compared against (a commit; default HEAD~1)")
    ap.add_argument("--head", default=None, help="the version measured (a commit; default: the working tree)")
    ap.add_argument("--n", type=int, default=2000, help="residents (default 2000)")
    ap.add_argument("--weeks", type=int, default=156, help="weeks per run (default 156)")
    ap.add_argument("--runs", type=int, default=5, help="runs per repeat (default 5)")
    ap.add_argument("--repeats", type=int, default=9, help="paired repeats (default 9)")
    args = ap.parse_args(argv)
    made: list[Path] = []
    try:
        trees = {}
        for label, rev in (("base", args.base), ("head", args.head)):
            if rev is None:
                trees[label] = ROOT
                continue
            tree = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
            made.append(tree)
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", "--format=tar", rev], check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            trees[label] = tree
        names = {
            "base": git("rev-parse", "--short", args.base),
            "head": git("rev-parse", "--short", args.head) if args.head else "working tree",
        }
        times: dict[str, list[float]] = {"base": [], "head": []}
        for r in range(args.repeats):
            seeds = list(range(1 + r * args.runs, 1 + (r + 1) * args.runs))
            for label in ("base", "head") if r % 2 == 0 else ("head", "base"):
                times[label].append(timed(trees[label], args.n, args.weeks, seeds) / args.runs)
        ratios = [h / b for h, b in zip(times["head"], times["base"], strict=True)]
        print(
            f"{args.runs} runs x {args.repeats} repeats of simulate(n_residents={args.n}, steps={args.weeks}), "
            "a fresh burn-in each"
        )
        for label in ("base", "head"):
            print(f"  {label} ({names[label]}): {statistics.median(times[label]):.3f} s a run (median)")
        q = statistics.quantiles(ratios, n=4) if len(ratios) >= 4 else [min(ratios), max(ratios)]
        print(f"  head / base: {statistics.median(ratios):.3f}x (paired median; quartiles {q[0]:.3f}-{q[-1]:.3f})")
        print(json.dumps({"base": names["base"], "head": names["head"], "times_s": times, "ratios": ratios}))
    finally:
        for tree in made:
            shutil.rmtree(tree, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
