"""Residents benchmark (issue 9): building a community with demographics, and the burn-in's cost.

    uv run python benchmarks/bench_residents.py            # full run (about 1-2 min on 2 cores)
    uv run python benchmarks/bench_residents.py --quick    # fewer repeats

Parts (one process; models are freed between repeats):

1. build    seconds to build ``RedCycleModel(n_residents=N, rng=s, agent_objects="lazy",
            burn_in_weeks=0)`` at N = 10k and 100k: the graph, the demography (draws, tie
            thinning), the initial state, the mechanisms; no burn-in (the target: < 2 s at 100k).
            Interleaved with it, ``generate_community`` alone (the graph) and ``draw_demography``
            + ``thin_ties`` alone, so the demography's share of the build shows.
2. burn_in  seconds of the default burn-in (156 weeks of the status quo) at 10k and 100k: a build
            with the burn-in minus a build without it (same seed; cache cleared first, interleaved),
            and a second build of the same community and seed (a cache hit) minus the build without.
3. unrecorded  a build with the burn-in as it runs (no weekly outcomes recorded) over the same
            build recording them, at 2,000 (the default) and 10k residents, interleaved, paired.

The step ratio of the full model to the bare engine at 10k is measured by bench_model.py.
Results go to stdout and ``benchmarks/out/residents.json`` (``residents-quick.json``).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_engine import machine_info, median, quartiles  # noqa: E402

BUILD_TARGET_S = 2.0


def _seconds(fn, *args, **kwargs) -> float:
    """Seconds of one call ``fn(*args, **kwargs)``, after a garbage collection."""
    gc.collect()
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


def _demography(community, p: dict, seed: int) -> None:
    from model.demography import draw_demography, thin_ties
    from model.parameters import Parameters
    from model.streams import stream

    rng = stream(seed, "demography")
    q = Parameters(p)
    d, _ = draw_demography(community, q, rng)
    thin_ties(community, d, q, rng)


def build(n: int, repeats: int) -> dict:
    from model import DEFAULTS, RedCycleModel
    from model.graph import generate_community
    from model.model import GRAPH_PARAMS
    from model.streams import stream

    p = dict(DEFAULTS, n_residents=n)
    graph_kw = {k: p[k] for k in GRAPH_PARAMS}
    model_s, graph_s, demography_s = [], [], []
    for rep in range(repeats):
        seed = rep + 1
        model_s.append(_seconds(RedCycleModel, n_residents=n, rng=seed, agent_objects="lazy", burn_in_weeks=0))
        community = generate_community(n, stream(seed, "graph"), **graph_kw)
        graph_s.append(_seconds(generate_community, n, stream(seed, "graph"), **graph_kw))
        demography_s.append(_seconds(_demography, community, p, seed))
    return {
        "n": n,
        "repeats": repeats,
        "model_build_s": model_s,
        "graph_s": graph_s,
        "demography_s": demography_s,
        "model_build_s_median": median(model_s),
        "model_build_s_quartiles": quartiles(model_s),
        "graph_s_median": median(graph_s),
        "demography_s_median": median(demography_s),
    }


def burn_in(n: int, repeats: int) -> dict:
    from model import RedCycleModel, burnin

    without, first, cached = [], [], []
    for rep in range(repeats):
        seed = rep + 1
        burnin.clear_cache()
        kw = dict(n_residents=n, rng=seed, agent_objects="lazy")
        if rep % 2 == 0:
            without.append(_seconds(RedCycleModel, **kw, burn_in_weeks=0))
            first.append(_seconds(RedCycleModel, **kw))
        else:
            first.append(_seconds(RedCycleModel, **kw))
            without.append(_seconds(RedCycleModel, **kw, burn_in_weeks=0))
        cached.append(_seconds(RedCycleModel, **kw))
        assert burnin.stats == {"hits": 1, "misses": 1}
    burn = [f - w for f, w in zip(first, without, strict=True)]
    hit = [c - w for c, w in zip(cached, without, strict=True)]
    weeks = RedCycleModel.__init__.__signature__.parameters["burn_in_weeks"].default
    return {
        "n": n,
        "repeats": repeats,
        "weeks": weeks,
        "build_without_s": without,
        "build_with_s": first,
        "build_cached_s": cached,
        "burn_in_s_median": median(burn),
        "burn_in_s_per_week_median": median(burn) / weeks,
        "cache_hit_extra_s_median": median(hit),
    }


def unrecorded(n: int, repeats: int) -> dict:
    """The burn-in without weekly outcomes (``SettlingModel.RECORDS = False``, the default) against the
    same burn-in recording them, interleaved, same community and seed; the settled states are checked
    equal (the recorder only reads state)."""
    import numpy as np

    from model import RedCycleModel, burnin
    from model.model import SettlingModel

    times: dict[bool, list[float]] = {True: [], False: []}
    kw = dict(n_residents=n, agent_objects="lazy")
    for rep in range(repeats):
        states = {}
        for records in (True, False) if rep % 2 == 0 else (False, True):
            SettlingModel.RECORDS = records
            burnin.clear_cache()
            gc.collect()
            t0 = time.perf_counter()
            m = RedCycleModel(**kw, rng=rep + 1)
            times[records].append(time.perf_counter() - t0)
            states[records] = m.state.rung.copy(), m.state.trust.copy()
        assert all(np.array_equal(a, b) for a, b in zip(states[True], states[False], strict=True))
    SettlingModel.RECORDS = False
    ratios = [off / on for on, off in zip(times[True], times[False], strict=True)]
    return {
        "n": n,
        "repeats": repeats,
        "build_recording_s": times[True],
        "build_unrecorded_s": times[False],
        "unrecorded_over_recording_paired_median": median(ratios),
        "quartiles": quartiles(ratios),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    reps = 3 if args.quick else 7
    out = {
        "machine": machine_info(),
        "build": [build(n, reps) for n in (10_000, 100_000)],
        "burn_in": [burn_in(n, max(2, reps // 2)) for n in (10_000, 100_000)],
        "unrecorded": [unrecorded(n, 3 * reps) for n in (2_000, 10_000)],
    }
    out["machine_end"] = machine_info()
    print("build (no burn-in), median seconds:")
    print(f"  {'N':>8} {'model':>8} {'graph':>8} {'demography':>11}")
    for b in out["build"]:
        print(
            f"  {b['n']:>8,} {b['model_build_s_median']:8.3f} {b['graph_s_median']:8.3f} {b['demography_s_median']:11.3f}"
        )
    b100 = out["build"][1]["model_build_s_median"]
    print(f"  100k build {b100:.2f} s, target < {BUILD_TARGET_S} s: {'met' if b100 < BUILD_TARGET_S else 'NOT met'}")
    print("burn-in (156 weeks of the status quo), median seconds:")
    for b in out["burn_in"]:
        print(
            f"  {b['n']:>8,}: burn-in {b['burn_in_s_median']:.2f} s ({1000 * b['burn_in_s_per_week_median']:.1f} ms/week); "
            f"a cached burn-in adds {b['cache_hit_extra_s_median']:.3f} s"
        )
    for u in out["unrecorded"]:
        print(
            f"  {u['n']:>8,}: building with the burn-in, its weekly outcomes not recorded / recorded (paired median): "
            f"{u['unrecorded_over_recording_paired_median']:.2f}"
        )
    path = (
        Path(args.out)
        if args.out
        else ROOT / "benchmarks" / "out" / ("residents-quick.json" if args.quick else "residents.json")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
