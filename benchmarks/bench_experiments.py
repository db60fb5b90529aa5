"""Experiment benchmark: sweep throughput, per-run overhead, memory over a long sweep, one default run.

    uv run python benchmarks/bench_experiments.py            # full run (about 5-8 minutes on 2 cores)
    uv run python benchmarks/bench_experiments.py --quick    # fewer runs and repeats (about 2 minutes)

Four parts (issue 8, point 8):

1. single      wall time of one default run, ``simulate({}, seed)`` (2,000 residents, 156 weeks,
               construction included; Mesa's agent objects lazy, as in every sweep) and
               ``RedCycleModel(rng=seed).run()`` (agent objects built up front, the default),
               interleaved, median over repeats.
2. throughput  runs per second of ``run_sweep`` with 2 worker processes, against two plain
               processes side by side, each running its half of the same number of default runs
               with ``simulate`` in a loop (what two cores reach with no sweep machinery at all).
               Each is timed at R and 3R runs, as whole processes (interpreter, imports, the
               sweep's spec check and pool spawn included); the steady rate is 2R / (t(3R) - t(R)),
               which is what a long sweep sees, and the rate with start-up is R / t(R). Repeats
               alternate (plain, sweep, plain, sweep, ...); ratios are medians of per-pair ratios.
               One plain process alone is timed too, so the 2-process speed-up of the machine shows.
3. overhead    what the sweep adds per run, at the margin: tiny runs (100 residents, 1 week) at
               N and 3N runs through ``run_sweep(workers=1)`` (rows, parquet batches, bookkeeping;
               no pool) and through ``run_sweep(workers=2)`` (adds the pool's pickling and IPC),
               against the same ``simulate`` calls in one or two plain processes:
               ((sweep(3N) - sweep(N)) - (plain(3N) - plain(N))) / 2N, in ms per run (per worker).
               The fixed start-up (imports, spec check, pool spawn) is reported apart.
4. memory      a 10,000-run sweep (100 residents, 4 weeks, 2 workers): resident memory of the
               sweep process and of its workers, sampled every 0.2 s; flat means the first and
               last tenth of the sweep hold the same memory.

Every part runs in fresh subprocesses. Results: a table on stdout and ``benchmarks/out/experiments.json``
(``experiments-quick.json`` with ``--quick``). The machine is shared and noisy; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
PY = sys.executable
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

TARGETS = {"throughput_ratio": 0.90, "overhead_ms": 50.0, "single_s": 0.10, "sweep_10k_default_min": 10.0}

FULL = {"single_repeats": 9, "runs": 24, "pairs": 3, "tiny_runs": 1000, "memory_runs": 10_000}
QUICK = {"single_repeats": 5, "runs": 12, "pairs": 2, "tiny_runs": 200, "memory_runs": 2_000}

PLAIN = """
import sys, time
from model import simulate
first, count, n, steps = map(int, sys.argv[1:5])
for seed in range(first, first + count):
    simulate({{"n_residents": n}}, seed=seed, steps=steps)
"""

SWEEP = """
import sys, time
from experiments.sweep import check_spec, run_sweep
runs, n, steps, workers, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if __name__ == "__main__":
    spec = check_spec({{"design": "points", "replications": runs, "steps": steps, "seed": 1,
                       "fixed": {{"n_residents": n}}, "values": {{"org_role": [0.8]}}}})
    run_sweep(spec, out, workers=workers, progress=False)
"""

SINGLE = """
import json, statistics, sys, time
from model import RedCycleModel, simulate
repeats = int(sys.argv[1])
simulate({}, seed=0)  # warm imports and caches
lazy, eager = [], []
for seed in range(1, repeats + 1):
    t = time.perf_counter(); simulate({}, seed=seed); lazy.append(time.perf_counter() - t)
    t = time.perf_counter(); RedCycleModel(rng=seed).run(); eager.append(time.perf_counter() - t)
print(json.dumps({"simulate": lazy, "model_default": eager}))
"""


def wall(cmds: list[list[str]]) -> float:
    """Seconds until every command (started together) has finished."""
    t = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=ROOT, env=ENV) for c in cmds]
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(f"benchmark command failed: {p.args}")
    return time.perf_counter() - t


def plain_cmd(first: int, count: int, n: int, steps: int) -> list[str]:
    return [PY, "-c", PLAIN.format(), str(first), str(count), str(n), str(steps)]


def sweep_cmd(runs: int, n: int, steps: int, workers: int, out: Path) -> list[str]:
    script = out.parent / f"sweep_{out.name}.py"
    script.write_text(SWEEP.format())
    return [PY, str(script), str(runs), str(n), str(steps), str(workers), str(out)]


def part_single(cfg) -> dict:
    out = subprocess.run(
        [PY, "-c", SINGLE, str(cfg["single_repeats"])], cwd=ROOT, env=ENV, capture_output=True, text=True, check=True
    )
    raw = json.loads(out.stdout)
    return {
        "raw": raw,
        "simulate_s": statistics.median(raw["simulate"]),
        "model_default_s": statistics.median(raw["model_default"]),
    }


def plain(runs: int, processes: int, n: int, steps: int) -> float:
    share = runs // processes
    return wall([plain_cmd(1 + k * share, share, n, steps) for k in range(processes)])


def part_throughput(cfg, tmp: Path, n: int = 2000, steps: int = 156) -> dict:
    r = cfg["runs"]
    raw = {"one_R": [], "one_3R": [], "two_R": [], "two_3R": [], "sweep_R": [], "sweep_3R": []}
    steady, startup = [], []
    for k in range(cfg["pairs"]):
        raw["two_R"].append(plain(r, 2, n, steps))
        raw["sweep_R"].append(wall([sweep_cmd(r, n, steps, 2, tmp / f"thr{k}a")]))
        raw["two_3R"].append(plain(3 * r, 2, n, steps))
        raw["sweep_3R"].append(wall([sweep_cmd(3 * r, n, steps, 2, tmp / f"thr{k}b")]))
        raw["one_R"].append(plain(r // 2, 1, n, steps))
        raw["one_3R"].append(plain(3 * r // 2, 1, n, steps))
        steady.append((raw["two_3R"][-1] - raw["two_R"][-1]) / (raw["sweep_3R"][-1] - raw["sweep_R"][-1]))
        startup.append(raw["two_R"][-1] / raw["sweep_R"][-1])
    med = {k: statistics.median(v) for k, v in raw.items()}
    rate_two = 2 * r / (med["two_3R"] - med["two_R"])
    rate_one = r / (med["one_3R"] - med["one_R"])
    rate_sweep = 2 * r / (med["sweep_3R"] - med["sweep_R"])
    return {
        "runs_R": r,
        "raw_s": raw,
        "runs_per_s_one_process": rate_one,
        "runs_per_s_two_processes": rate_two,
        "runs_per_s_sweep_2_workers": rate_sweep,
        "two_process_speedup": rate_two / rate_one,
        "throughput_ratio": statistics.median(steady),
        "throughput_ratio_with_startup_R_runs": statistics.median(startup),
        "sweep_startup_s": med["sweep_R"] - r / rate_sweep,
        "plain_startup_s": med["two_R"] - r / rate_two,
        "projected_10k_default_runs_min": (10_000 / rate_sweep + med["sweep_R"] - r / rate_sweep) / 60,
    }


def part_overhead(cfg, tmp: Path) -> dict:
    n = cfg["tiny_runs"]
    out = {"runs_N": n}
    for workers in (1, 2):
        p1, p3 = plain(n, workers, 100, 1), plain(3 * n, workers, 100, 1)
        s1 = wall([sweep_cmd(n, 100, 1, workers, tmp / f"ovh{workers}a")])
        s3 = wall([sweep_cmd(3 * n, 100, 1, workers, tmp / f"ovh{workers}b")])
        out[f"{workers}_worker"] = {"plain_N_s": p1, "plain_3N_s": p3, "sweep_N_s": s1, "sweep_3N_s": s3}
        out[f"overhead_ms_{workers}_worker"] = ((s3 - s1) - (p3 - p1)) / (2 * n) * workers * 1000
        out[f"startup_extra_s_{workers}_worker"] = (s1 - p1) - ((s3 - s1) - (p3 - p1)) / 2
    return out


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants (KiB), from /proc."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += rss_kib(int(child))
    except (OSError, ValueError):
        pass
    return total


def part_memory(cfg, tmp: Path) -> dict:
    runs = cfg["memory_runs"]
    proc = subprocess.Popen(sweep_cmd(runs, 100, 4, 2, tmp / "mem"), cwd=ROOT, env=ENV)
    samples = []

    def sample():
        while proc.poll() is None:
            done = len(list((tmp / "mem" / "runs").glob("batch-*.parquet"))) if (tmp / "mem" / "runs").exists() else 0
            samples.append((time.perf_counter(), done, rss_kib(proc.pid), _own_rss(proc.pid)))
            time.sleep(0.2)

    t = threading.Thread(target=sample)
    t.start()
    proc.wait()
    t.join()
    batches = max(s[1] for s in samples) or 1
    first = [s for s in samples if 0 < s[1] <= batches * 0.1] or samples[: max(1, len(samples) // 10)]
    last = [s for s in samples if s[1] >= batches * 0.9] or samples[-max(1, len(samples) // 10) :]
    med = lambda xs: statistics.median(xs) / 1024  # noqa: E731 - MiB
    return {
        "runs": runs,
        "samples": len(samples),
        "seconds": samples[-1][0] - samples[0][0],
        "total_mib_first_tenth": med([s[2] for s in first]),
        "total_mib_last_tenth": med([s[2] for s in last]),
        "sweep_process_mib_first_tenth": med([s[3] for s in first]),
        "sweep_process_mib_last_tenth": med([s[3] for s in last]),
        "total_mib_max": max(s[2] for s in samples) / 1024,
    }


def _own_rss(pid: int) -> int:
    try:
        return next(
            int(x.split()[1]) for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:")
        )
    except (OSError, StopIteration):
        return 0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks/bench_experiments.py")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    result = {"config": cfg, "targets": TARGETS, "nproc": os.cpu_count(), "load_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench_exp_") as tmp:
        tmp = Path(tmp)
        result["single"] = part_single(cfg)
        result["throughput"] = part_throughput(cfg, tmp)
        result["overhead"] = part_overhead(cfg, tmp)
        result["memory"] = part_memory(cfg, tmp)
    result["load_end"] = os.getloadavg()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = Path(args.out) if args.out else OUT_DIR / ("experiments-quick.json" if args.quick else "experiments.json")
    path.write_text(json.dumps(result, indent=2))
    s, th, o, m = result["single"], result["throughput"], result["overhead"], result["memory"]
    rows = [
        ("one default run (2,000 residents, 156 weeks), simulate", f"{s['simulate_s']:.3f} s", "<= 0.1 s"),
        ("one default run, RedCycleModel(rng).run() (agent objects built)", f"{s['model_default_s']:.3f} s", ""),
        ("plain processes: 2 side by side / 1 alone (runs per second)", f"{th['two_process_speedup']:.2f}x", ""),
        ("sweep on 2 workers / 2 plain processes, steady throughput", f"{th['throughput_ratio']:.2f}", ">= 0.90"),
        (f"  the same with start-up, {th['runs_R']} runs", f"{th['throughput_ratio_with_startup_R_runs']:.2f}", ""),
        (
            "  start-up: sweep (spec check, pool spawn) / plain processes",
            f"{th['sweep_startup_s']:.1f} / {th['plain_startup_s']:.1f} s",
            "",
        ),
        (
            "per-run overhead of the sweep, 1 worker / 2 workers",
            f"{o['overhead_ms_1_worker']:.1f} / {o['overhead_ms_2_worker']:.1f} ms",
            "< 50 ms",
        ),
        (
            f"memory over a {m['runs']:,}-run sweep, first / last tenth (all processes)",
            f"{m['total_mib_first_tenth']:.0f} / {m['total_mib_last_tenth']:.0f} MiB",
            "flat",
        ),
        (
            "  of which the sweep process",
            f"{m['sweep_process_mib_first_tenth']:.0f} / {m['sweep_process_mib_last_tenth']:.0f} MiB",
            "",
        ),
        (
            "10,000 default runs on 2 workers, projected",
            f"{th['projected_10k_default_runs_min']:.1f} min",
            "about 10 min",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>18}  {target}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
