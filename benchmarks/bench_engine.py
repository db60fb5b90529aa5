"""Engine benchmark: the vectorised ladder against Mesa-idiomatic agents and a bare numpy/scipy kernel.

    uv run python benchmarks/bench_engine.py            # full run (a few minutes on 2 cores)
    uv run python benchmarks/bench_engine.py --quick    # smaller repeats, about a minute

Three parts, each measured in a fresh subprocess (so memory high-water marks and allocator state
do not leak between measurements), all in one invocation:

1. scaling   agent-steps/s of the engine alone (the ``baseline`` scenario: every mechanism off),
            ``RedCycleModel(**load_scenario("baseline"), n_residents=N, rng=1, agent_objects="lazy").step()``
             at N = 1k, 10k, 100k, 1M; model build time; peak RSS (``ru_maxrss``) of the process;
             seconds per step / (N + ties) to check linear cost.
2. idiomatic the same ladder rule one agent at a time (``Resident.step`` then ``Resident.advance``
             over ``model.residents``) at 1k and 10k, interleaved with engine steps on the same model.
3. kernel    the threshold limit (``scenarios/threshold_limit.toml``) at 100k against a bare
             scipy CSR kernel of the linear threshold rule, interleaved ABAB, with the active sets
             asserted equal after every block.

The machine is shared and noisy: every figure is a median over repeats, and comparisons are
medians of per-pair ratios of interleaved repeats. Results go to stdout (a table) and to
``benchmarks/out/engine.json`` (``engine-quick.json`` with ``--quick``). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GIB = 1024**3

# Requirements checked (from the performance brief).
MEMORY_LIMIT_GIB = 8.0  # 1M residents x 100 steps
BUILD_LIMIT_S_100K = 2.0  # model construction at 100k residents
IDIOMATIC_TARGET = 100.0  # engine / idiomatic agent-steps/s at 10k
KERNEL_TARGET = 1.5  # engine / bare float32 kernel speed at 100k (threshold limit, Watts-Strogatz k = 8; issue 19)

# Per-size plans: (repeats, steps per repeat, warm-up steps, build repeats). At 1M the
# warm-up + repeats * steps is exactly 100 steps, the memory requirement's run length.
FULL = {
    "scaling": {1_000: (21, 50, 5, 11), 10_000: (21, 20, 5, 11), 100_000: (15, 10, 2, 7), 1_000_000: (11, 9, 1, 3)},
    "idiomatic": {1_000: (11, 3, 50), 10_000: (11, 1, 20)},  # (repeats, idiomatic steps, engine steps)
    "kernel": {"n": 100_000, "repeats": 41, "steps": 20, "seeds": 100},
}
QUICK = {
    "scaling": {1_000: (7, 20, 2, 5), 10_000: (7, 10, 2, 5), 100_000: (5, 5, 1, 3), 1_000_000: (3, 3, 1, 1)},
    "idiomatic": {1_000: (5, 2, 20), 10_000: (3, 1, 10)},
    "kernel": {"n": 100_000, "repeats": 9, "steps": 10, "seeds": 100},
}


# ------------------------------------------------------------------------- helpers -------------
def median(xs):
    return statistics.median(xs)


def quartiles(xs):
    xs = sorted(xs)
    if len(xs) < 4:
        return [xs[0], xs[-1]]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return [q[0], q[2]]


def maxrss_bytes() -> int:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024


def current_rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


def timed(fn, k: int) -> float:
    """Seconds per call of ``fn`` over a block of ``k`` calls."""
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    return (time.perf_counter() - t0) / k


def machine_info() -> dict:
    import mesa
    import numpy
    import scipy

    cpu = None
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "mesa": mesa.__version__,
        "platform": platform.platform(),
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "nproc_available": affinity,
        "loadavg_start": list(os.getloadavg()),
        "mem_total_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB, 1),
    }


def _engine() -> dict:
    """The engine alone: the baseline scenario, every mechanism off; no burn-in (its cost is
    measured by bench_residents.py), so builds time the community and its initial state."""
    from model import load_scenario

    return {**load_scenario("baseline"), "burn_in_weeks": 0}


# ------------------------------------------------------------------------- workers -------------
# Each worker runs in its own subprocess and prints one JSON object as its last line of stdout.


def worker_scaling(n: int, repeats: int, steps: int, warmup: int, build_repeats: int) -> dict:
    from model import RedCycleModel

    rss_import_peak = maxrss_bytes()
    gc.collect()
    builds = []
    t0 = time.perf_counter()
    m = RedCycleModel(**_engine(), n_residents=n, rng=1, agent_objects="lazy")
    builds.append(time.perf_counter() - t0)
    rss_after_build = maxrss_bytes()
    n_ties = int(m.community.n_ties)
    for _ in range(warmup):
        m.step()
    per_step = [timed(m.step, steps) for _ in range(repeats)]
    total_steps = warmup + repeats * steps
    assert m.steps == total_steps
    rss_peak = maxrss_bytes()  # high-water mark after build + all steps (read before rebuilding)
    rss_now = current_rss_bytes()
    # further builds for a median build time (the previous model is freed first)
    for _ in range(build_repeats - 1):
        del m
        gc.collect()
        t0 = time.perf_counter()
        m = RedCycleModel(**_engine(), n_residents=n, rng=1, agent_objects="lazy")  # noqa: F841  (freed next loop)
        builds.append(time.perf_counter() - t0)
    return {
        "n": n,
        "n_ties": n_ties,
        "steps_total": total_steps,
        "repeats": repeats,
        "steps_per_repeat": steps,
        "step_s": per_step,
        "step_s_median": median(per_step),
        "step_s_iqr": quartiles(per_step),
        "agent_steps_per_s": n / median(per_step),
        "s_per_step_per_unit": median(per_step) / (n + n_ties),
        "build_s": builds,
        "build_s_median": median(builds),
        "build_s_per_unit": median(builds) / (n + n_ties),
        "maxrss_after_import": rss_import_peak,
        "maxrss_after_build": rss_after_build,
        "maxrss_peak": rss_peak,
        "rss_end": rss_now,
    }


def worker_idiomatic(n: int, repeats: int, idio_steps: int, engine_steps: int) -> dict:
    from model import RedCycleModel

    t0 = time.perf_counter()
    m = RedCycleModel(**_engine(), n_residents=n, rng=1, agent_objects="eager")
    build = time.perf_counter() - t0
    residents = m.residents

    def idiomatic_step():  # what AgentLadderModel's step does for the ladder (model._move_by_agents)
        m.ladder.draw(m.state)
        for a in residents:
            a.step()
        for a in residents:
            a.advance()

    # warm-up both forms; both advance the same model state, so they see the same trajectory
    idiomatic_step()
    for _ in range(3):
        m.step()
    eng, idio, ratios = [], [], []
    for _ in range(repeats):  # ABAB
        e = timed(m.step, engine_steps)
        i = timed(idiomatic_step, idio_steps)
        eng.append(e)
        idio.append(i)
        ratios.append(i / e)
    return {
        "n": n,
        "repeats": repeats,
        "engine_steps_per_repeat": engine_steps,
        "idiomatic_steps_per_repeat": idio_steps,
        "eager_build_s": build,
        "engine_step_s": eng,
        "idiomatic_step_s": idio,
        "engine_agent_steps_per_s": n / median(eng),
        "idiomatic_agent_steps_per_s": n / median(idio),
        "ratio_paired_median": median(ratios),
        "ratio_paired_iqr": quartiles(ratios),
        "ratio_of_medians": median(idio) / median(eng),
    }


def make_kernel(adjacency, threshold, divisor, active0, dtype):
    """The bare linear threshold kernel: one synchronous step, in place, on scipy CSR in ``dtype``.

    The engine's rule for a resident not yet active is ``count / max(degree, 1) >= threshold``
    (``divisor`` = the ladder's ``degree``; 0 for an isolated resident). Counts are integers
    0..degree, so this equals ``count >= need`` with ``need`` the smallest integer meeting it (inf
    if none): the same decision, bit for bit, with no per-step division. In float32 the counts
    stay exact below 2**24 neighbours.
    """
    import numpy as np

    degree = np.diff(adjacency.indptr)
    need = np.clip(np.ceil(threshold * degree), 0, degree).astype(np.float64)
    # fix rounding at the edges so that need == min{c in 0..deg : c * inv_deg >= threshold}
    for _ in range(3):
        lower = (need > 0) & ((need - 1) / divisor >= threshold)
        need[lower] -= 1
    for _ in range(3):
        higher = (need <= degree) & ~(need / divisor >= threshold)
        need[higher] += 1
    need[need > degree] = np.inf
    c = np.arange(int(degree.max()) + 1 if len(degree) else 1, dtype=np.float64)
    # exhaustive check of the equivalence on every (resident, count) would be O(ties); check a sample
    rng = np.random.default_rng(0)
    sample = rng.integers(0, len(degree), size=min(len(degree), 20_000))
    for i in sample:
        ok = c[: degree[i] + 1] / divisor[i] >= threshold[i]
        first = np.flatnonzero(ok)
        expect = first[0] if first.size else np.inf
        assert need[i] == expect, (i, need[i], expect)

    a = adjacency.astype(dtype)
    need = need.astype(dtype)
    active = active0.copy()
    x = active.astype(dtype)
    cond = np.empty(len(active), dtype=bool)

    def step():
        counts = a @ x
        np.greater_equal(counts, need, out=cond)
        np.logical_or(active, cond, out=active)
        np.copyto(x, active)  # bool -> float in place

    return step, active


def worker_kernel(n: int, repeats: int, steps: int, seeds: int, k: int = 8, rewire: float = 0.1) -> dict:
    """The threshold limit on a Watts-Strogatz graph (n, k, rewire) against bare float64 and float32
    kernels of the same rule, interleaved engine / kernel64 / kernel32 / ladder-only."""
    import networkx as nx
    import numpy as np

    from model import RedCycleModel, load_scenario

    graph = nx.watts_strogatz_graph(n, k, rewire, seed=2024)
    initially_active = np.sort(np.random.default_rng(2024).choice(n, size=seeds, replace=False)).tolist()

    def build():
        return RedCycleModel(
            **load_scenario("threshold_limit"),
            graph=graph,
            threshold=0.18,
            initially_active=initially_active,
            rng=1,
            agent_objects="lazy",
        )

    m = build()
    m_ladder = build()  # diagnostic: the ladder rule alone (no Mesa step, outcomes or DataCollector)
    active0 = m.state.rung >= 1  # a copy (a new array), taken before any step
    assert (active0 == (m_ladder.state.rung >= 1)).all()
    k64, active64 = make_kernel(m.adjacency, m.state.threshold, m.ladder.degree, active0, np.float64)
    k32, active32 = make_kernel(m.adjacency, m.state.threshold, m.ladder.degree, active0, np.float32)

    def ladder_step():
        m_ladder.ladder.step(m_ladder.state, m_ladder.steps)

    def agree() -> bool:
        engine = m.state.rung >= 1
        return bool(
            (engine == active64).all() and (engine == active32).all() and ((m_ladder.state.rung >= 1) == engine).all()
        )

    times = {"engine": [], "kernel64": [], "kernel32": [], "ladder": []}
    fns = {"engine": m.step, "kernel64": k64, "kernel32": k32, "ladder": ladder_step}
    for fn in fns.values():  # warm-up one step each, then check they agree
        fn()
    assert agree()
    done, trajectory = 1, []
    for _ in range(repeats):  # interleaved: engine, kernel64, kernel32, ladder-only, ...
        for name, fn in fns.items():
            times[name].append(timed(fn, steps))
        done += steps
        assert agree(), f"engine and kernels disagree after {done} steps"
        trajectory.append(int(active32.sum()))

    def paired(kernel: str, against: str = "engine") -> list[float]:
        # engine speed / kernel speed = kernel time / engine time, block by block
        return [kt / et for kt, et in zip(times[kernel], times[against], strict=True)]

    r32, r64, r32_ladder = paired("kernel32"), paired("kernel64"), paired("kernel32", "ladder")
    return {
        "n": n,
        "graph": f"watts_strogatz(n={n}, k={k}, p={rewire}, seed=2024)",
        "n_ties": int(m.community.n_ties),
        "threshold": 0.18,
        "seeds": seeds,
        "repeats": repeats,
        "steps_per_repeat": steps,
        "steps_total": done,
        "active_after_each_block": trajectory,
        "active_sets_equal": True,
        "engine_step_s": times["engine"],
        "kernel64_step_s": times["kernel64"],
        "kernel_step_s": times["kernel32"],
        "ladder_only_step_s": times["ladder"],
        "engine_agent_steps_per_s": n / median(times["engine"]),
        "kernel_agent_steps_per_s": n / median(times["kernel32"]),
        "kernel64_agent_steps_per_s": n / median(times["kernel64"]),
        "ladder_only_agent_steps_per_s": n / median(times["ladder"]),
        "ratio_paired_median": median(r32),
        "ratio_paired_iqr": quartiles(r32),
        "ratio64_paired_median": median(r64),
        "ratio64_paired_iqr": quartiles(r64),
        "ladder_only_ratio_paired_median": median(r32_ladder),
    }


WORKERS = {"scaling": worker_scaling, "idiomatic": worker_idiomatic, "kernel": worker_kernel}


def run_worker(name: str, script: str | Path = __file__, **kwargs) -> dict:
    """Run one worker of ``script`` (this file or another benchmark) in a fresh interpreter."""
    cmd = [sys.executable, str(Path(script).resolve()), "--worker", name, "--args", json.dumps(kwargs)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark worker {name} {kwargs} failed (exit {proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t0
    return out


# ------------------------------------------------------------------------- report --------------
def fmt_rate(x: float) -> str:
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= div:
            return f"{x / div:.2f}{unit}"
    return f"{x:.0f}"


def fmt_n(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def report(res: dict) -> str:
    lines = []
    sc = res["scaling"]
    ref = next((r for r in sc if r["n"] == 100_000), sc[-1])
    lines.append(
        "1. Vectorised engine (baseline scenario: every mechanism off), agent_objects='lazy' (median of repeats)"
    )
    lines.append(
        f"{'N':>5} {'ties':>9} {'steps':>5} {'s/step':>9} {'agent-steps/s':>13} "
        f"{'ns/step/(N+ties)':>16} {'vs 100k':>7} {'build s':>8} {'peak RSS':>9} {'(import)':>9}"
    )
    for r in sc:
        lines.append(
            f"{fmt_n(r['n']):>5} {r['n_ties']:>9} {r['steps_total']:>5} {r['step_s_median']:>9.2e} "
            f"{fmt_rate(r['agent_steps_per_s']):>13} {r['s_per_step_per_unit'] * 1e9:>16.2f} "
            f"{r['s_per_step_per_unit'] / ref['s_per_step_per_unit']:>7.2f} {r['build_s_median']:>8.3f} "
            f"{r['maxrss_peak'] / GIB:>7.2f}Gi {r['maxrss_after_import'] / GIB:>7.2f}Gi"
        )
    lines.append("   build ns/(N+ties): " + ", ".join(f"{fmt_n(r['n'])} {r['build_s_per_unit'] * 1e9:.0f}" for r in sc))
    lines.append(
        "   peak RSS = ru_maxrss of a fresh subprocess per size (build + all steps); (import) = ru_maxrss after imports"
    )
    lines.append("")
    lines.append("2. Mesa-idiomatic (Resident.step/advance over model.residents) vs engine, interleaved")
    lines.append(f"{'N':>5} {'engine a-s/s':>13} {'idiomatic a-s/s':>15} {'ratio (paired median)':>22} {'IQR':>15}")
    for r in res["idiomatic"]:
        q = r["ratio_paired_iqr"]
        lines.append(
            f"{fmt_n(r['n']):>5} {fmt_rate(r['engine_agent_steps_per_s']):>13} "
            f"{fmt_rate(r['idiomatic_agent_steps_per_s']):>15} {r['ratio_paired_median']:>21.0f}x "
            f"{q[0]:>7.0f}-{q[1]:<7.0f}"
        )
    lines.append("")
    k = res["kernel"]
    lines.append(
        f"3. Threshold limit on {k['graph']} ({k['n_ties']} ties, threshold {k['threshold']}, "
        f"{k['seeds']} seeds, {k['steps_total']} steps; active sets equal after every block)"
    )
    lines.append(
        f"   engine      {median(k['engine_step_s']) * 1e3:8.3f} ms/step "
        f"{fmt_rate(k['engine_agent_steps_per_s']):>8} agent-steps/s"
    )
    lines.append(
        f"   kernel f32  {median(k['kernel_step_s']) * 1e3:8.3f} ms/step "
        f"{fmt_rate(k['kernel_agent_steps_per_s']):>8} agent-steps/s"
    )
    lines.append(
        f"   kernel f64  {median(k['kernel64_step_s']) * 1e3:8.3f} ms/step "
        f"{fmt_rate(k['kernel64_agent_steps_per_s']):>8} agent-steps/s"
    )
    lines.append(
        f"   ladder only {median(k['ladder_only_step_s']) * 1e3:8.3f} ms/step "
        f"{fmt_rate(k['ladder_only_agent_steps_per_s']):>8} agent-steps/s (diagnostic: "
        "Ladder.step without Model.step)"
    )
    q = k["ratio_paired_iqr"]
    q64 = k["ratio64_paired_iqr"]
    lines.append(
        f"   engine/float32 kernel speed: {k['ratio_paired_median']:.3f} (paired median, IQR "
        f"{q[0]:.3f}-{q[1]:.3f}); engine/float64 kernel: {k['ratio64_paired_median']:.3f} "
        f"(IQR {q64[0]:.3f}-{q64[1]:.3f}); ladder-only/float32 kernel: "
        f"{k['ladder_only_ratio_paired_median']:.3f}"
    )
    lines.append(
        f"   active after each block: {k['active_after_each_block'][:6]} ... {k['active_after_each_block'][-1]}"
    )
    lines.append("")
    lines.append("Requirements")
    for c in res["checks"]:
        lines.append(f"   [{c['status']:>4}] {c['name']}: {c['value']}")
    m = res["machine"]
    lines.append("")
    lines.append(
        f"Machine: Python {m['python']}, numpy {m['numpy']}, scipy {m['scipy']}, mesa {m['mesa']}, "
        f"nproc {m['nproc']}, {m['cpu']}; loadavg start {m['loadavg_start'][0]:.2f} "
        f"end {m['loadavg_end'][0]:.2f}; total {res['wall_s']:.0f} s"
    )
    return "\n".join(lines)


def checks(res: dict, quick: bool) -> list[dict]:
    out = []

    def add(name, ok, value, indicative=False):
        status = "n/a" if ok is None else ("PASS" if ok else "MISS")
        if indicative and ok is not None:
            status = status.lower()  # measured with fewer repeats/steps than the requirement asks
        out.append({"name": name, "status": status, "ok": ok, "value": value})

    by_n = {r["n"]: r for r in res["scaling"]}
    big = by_n.get(1_000_000)
    if big:
        full_len = big["steps_total"] >= 100
        add(
            "1M residents x 100 steps within 8 GiB peak RSS",
            big["maxrss_peak"] / GIB <= MEMORY_LIMIT_GIB,
            f"{big['maxrss_peak'] / GIB:.2f} GiB after {big['steps_total']} steps",
            indicative=not full_len,
        )
    if 100_000 in by_n:
        b = by_n[100_000]["build_s_median"]
        add("build at 100k in under 2 s", b < BUILD_LIMIT_S_100K, f"{b:.3f} s (median)")
    units = [r for r in res["scaling"] if r["n"] >= 10_000]
    if len(units) >= 2:
        per = [r["s_per_step_per_unit"] for r in units]
        spread = max(per) / min(per)
        add(
            "step cost linear in residents + ties (10k..largest, max/min of s/step/(N+ties) <= 2)",
            spread <= 2.0,
            f"max/min = {spread:.2f}",
        )
    idio = {r["n"]: r for r in res["idiomatic"]}
    if 10_000 in idio:
        ratio = idio[10_000]["ratio_paired_median"]
        add("engine >= 100x Mesa-idiomatic at 10k", ratio >= IDIOMATIC_TARGET, f"{ratio:.0f}x")
    k = res["kernel"]
    add(
        f"engine >= {KERNEL_TARGET:g} x bare float32 kernel at 100k (threshold limit, Watts-Strogatz k = 8)",
        k["ratio_paired_median"] >= KERNEL_TARGET,
        f"{k['ratio_paired_median']:.3f}",
        indicative=quick,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and steps (about a minute)")
    ap.add_argument(
        "--out", type=Path, help="JSON output (default benchmarks/out/engine.json, engine-quick.json with --quick)"
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--args", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(WORKERS[a.worker](**json.loads(a.args))))
        return

    plan = QUICK if a.quick else FULL
    t_start = time.perf_counter()
    res: dict = {
        "mode": "quick" if a.quick else "full",
        "machine": machine_info(),
        "plan": {
            "scaling": {
                str(n): dict(zip(("repeats", "steps", "warmup", "build_repeats"), v, strict=True))
                for n, v in plan["scaling"].items()
            },
            "idiomatic": {
                str(n): dict(zip(("repeats", "idiomatic_steps", "engine_steps"), v, strict=True))
                for n, v in plan["idiomatic"].items()
            },
            "kernel": plan["kernel"],
        },
        "memory_measure": "ru_maxrss (peak RSS, bytes) of a fresh subprocess per size",
    }
    res["scaling"] = []
    for n, (repeats, steps, warmup, build_repeats) in plan["scaling"].items():
        print(f"scaling N={n} ...", file=sys.stderr, flush=True)
        res["scaling"].append(
            run_worker("scaling", n=n, repeats=repeats, steps=steps, warmup=warmup, build_repeats=build_repeats)
        )
    res["idiomatic"] = []
    for n, (repeats, idio_steps, engine_steps) in plan["idiomatic"].items():
        print(f"idiomatic N={n} ...", file=sys.stderr, flush=True)
        res["idiomatic"].append(
            run_worker("idiomatic", n=n, repeats=repeats, idio_steps=idio_steps, engine_steps=engine_steps)
        )
    print("kernel ...", file=sys.stderr, flush=True)
    res["kernel"] = run_worker("kernel", **plan["kernel"])
    res["machine"]["loadavg_end"] = list(os.getloadavg())
    res["wall_s"] = time.perf_counter() - t_start
    res["checks"] = checks(res, a.quick)
    text = report(res)
    print(text)
    out = a.out or OUT_DIR / ("engine-quick.json" if a.quick else "engine.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
