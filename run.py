"""Command line of the red micro-cycle (党建+红色微循环) simulator.

    uv run run.py                       # run the default scenario, write results/<scenario>/
    uv run run.py run --scenario threshold_limit --set n_residents=5000 --steps 52 --seed 7
    uv run run.py params                # every parameter: default, allowed values, unit, meaning
    uv run run.py scenarios             # the named scenarios and the question each answers
    uv run run.py compare red_microcycle status_quo --reps 30 --out DIR   # report.md with paired intervals
    uv run run.py sweep SPEC.toml --out DIR                               # resumable parquet sweep
    uv run run.py sensitivity SPEC.toml --method morris --out DIR         # SALib Morris or Sobol

Bad input (an unknown parameter or scenario, a value out of range, a malformed scenario or graph
file, an unwritable output folder) prints one line saying what is wrong and what is allowed and
exits with code 2, before anything is written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

COMMANDS = ("run", "params", "scenarios", "compare", "sweep", "sensitivity")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"run.py: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from model.scenarios import DEFAULT_SCENARIO

    parser = OneLineParser(
        prog="run.py",
        description="Agent-based model of the 'Party building + red micro-cycle' (党建+红色微循环). "
                    "With no command, runs 'run'.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="{run,params,scenarios,compare,sweep,sensitivity}")
    run = sub.add_parser("run", help="run one scenario and write its results (the default command)",
                         description="Run one scenario and write timeseries.csv, timeseries.parquet, "
                                     "summary.json and rung_shares.png into the output folder.")
    run.add_argument("--scenario", default=DEFAULT_SCENARIO, metavar="NAME_OR_PATH",
                     help=f"a scenario name from scenarios/ or a path to a .toml file (default: {DEFAULT_SCENARIO})")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="overrides",
                     help="override one parameter (repeatable); 'run.py params' lists them")
    run.add_argument("--steps", type=int, default=None, metavar="N",
                     help="weeks to simulate (default: the scenario's 'steps' parameter, 156 = 3 years)")
    run.add_argument("--seed", type=int, default=1, metavar="S",
                     help="random seed; parameters + seed determine the run exactly (default: 1)")
    run.add_argument("--graph", default=None, metavar="FILE",
                     help="use this graph instead of generating a community: GraphML (.graphml), GML (.gml) "
                          "or an edge list (.edgelist .edges .txt .csv .tsv: two node ids a line)")
    run.add_argument("--out", default=None, metavar="DIR",
                     help="output folder (default: results/<scenario>); replaced whole when the run is done")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    parser.epilog = ("The options of 'run' (the default command):\n"
                     + run.format_help().split("options:", 1)[1].rstrip()
                     + "\n\nExit codes: 0 done, 2 bad input (one line on stderr, nothing written).")
    for name, help_ in (("params", "list every parameter with its default, allowed values, unit and meaning"),
                        ("scenarios", "list the named scenarios and the question each answers")):
        sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".")
    add_experiment_commands(sub)
    return parser


def add_experiment_commands(sub) -> None:
    """compare, sweep, sensitivity: thin layers over experiments/compare.py, sweep.py, sensitivity.py."""
    def where(p):
        p.add_argument("--out", required=True, metavar="DIR",
                       help="output folder (new, empty, or this experiment's own)")
        p.add_argument("--workers", type=int, default=None, metavar="N", help="processes (default: all cores)")
        p.add_argument("--dask", default=None, metavar="ADDRESS",
                       help="run on a Dask cluster: tcp://host:port, or 'local' to start one "
                            "(default: $DASK_SCHEDULER_ADDRESS if set)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    c = sub.add_parser("compare", help="compare scenarios over replications with common random numbers",
                       description="Run scenarios with common random numbers and write report.md, figures, "
                                   "runs.parquet, timeseries.parquet and manifest.json into --out.")
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="scenario names or .toml paths; the first is the reference")
    c.add_argument("--reps", type=int, default=10, metavar="R", help="replications per scenario (default: 10)")
    c.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="overrides",
                   help="override one parameter in every scenario (repeatable)")
    c.add_argument("--steps", type=int, default=None, metavar="N", help="weeks per run (default: each scenario's)")
    c.add_argument("--seed", type=int, default=1, metavar="S", help="base seed (default: 1)")
    where(c)
    for name, help_ in (("sweep", "run an experiment file's design, streaming rows to parquet (resumable)"),
                        ("sensitivity", "Morris or Sobol global sensitivity with SALib on an experiment file")):
        s = sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".")
        s.add_argument("spec", metavar="SPEC.toml", help="the experiment file ([sweep] table)")
        if name == "sensitivity":
            s.add_argument("--method", required=True, choices=("morris", "sobol"), help="the SALib method")
        else:
            s.add_argument("--design", default=None, help="override the design")
        for flag, kind in (("samples", int), ("replications", int), ("steps", int), ("seed", int)):
            s.add_argument(f"--{flag}", type=kind, default=None, metavar="N", help=f"override '{flag}'")
        s.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="overrides",
                       help="add a fixed parameter (repeatable)")
        where(s)


def fail(message: str) -> int:
    print(f"run.py: error: {message}", file=sys.stderr)
    return 2


def cmd_params() -> int:
    from model.params import GROUPS, PARAMS

    for group in GROUPS:
        print(f"[{group}]")
        for p in PARAMS.values():
            if p.group == group:
                term = f"  {p.term_zh} {p.term_en}" if p.term_zh else ""
                print(f"  {p.name} = {p.default!r}   ({p.allowed()}{', ' + p.unit if p.unit else ''}){term}")
                print(f"      {p.description}")
    return 0


def cmd_scenarios() -> int:
    from model.scenarios import available_scenarios, read_scenario

    for name in available_scenarios():
        s = read_scenario(name)
        print(f"{name}: {s['question']}")
    return 0


def cmd_run(args) -> int:
    from model.params import ParameterError, parse_assignment, validate
    from model.scenarios import read_scenario

    # 1. everything is checked before anything is built or written
    try:
        scenario = read_scenario(args.scenario)
        overrides = dict(scenario["parameters"])
        for text in args.overrides:
            name, value = parse_assignment(text)
            overrides[name] = value
        if args.steps is not None:
            overrides["steps"] = args.steps
        validate(overrides)
    except ParameterError as exc:
        return fail(str(exc))
    if args.seed < 0:
        return fail(f"--seed must be a non-negative integer, got {args.seed}")
    out = Path(args.out) if args.out else Path("results") / scenario["name"]
    problem = _unwritable(out)
    if problem:
        return fail(problem)

    from model import GraphFileError, RedCycleModel, read_graph_file
    from experiments.outputs import write_results

    try:
        graph = read_graph_file(args.graph) if args.graph else None
        started = time.perf_counter()
        model = RedCycleModel(graph=graph, rng=args.seed, events=scenario["events"], **overrides)
    except (GraphFileError, ParameterError) as exc:
        return fail(str(exc))
    from experiments.replications import progress

    weeks = range(model.p["steps"])
    for _ in progress(weeks, desc=scenario["name"], unit="week", enabled=False if args.quiet else None):
        model.step()  # = model.run(), with a bar on a terminal when it takes more than a second
    seconds = time.perf_counter() - started
    try:
        folder = write_results(model, scenario, out, seconds)
    except OSError as exc:
        return fail(f"cannot write results to '{out}': {exc.strerror or exc}")
    if not args.quiet:
        _print_summary(model, scenario, folder, seconds)
    return 0


def _unwritable(out: Path) -> str | None:
    """Why ``out`` cannot be written (None when it can): checked before the run starts."""
    import os

    if out.exists() and not out.is_dir():
        return f"--out '{out}' exists and is not a folder; allowed: a folder path"
    parent = out.parent if not out.exists() else out
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write results to '{out}': '{parent}' is not a writable folder"
    return None


def _print_summary(model, scenario, folder: Path, seconds: float) -> None:
    from experiments.plotting import label

    final = model.final_outcomes()
    counts = model.rung_counts()
    print(f"scenario {scenario['name']}: {scenario['question']}")
    print(f"  {model.community.n:,} residents, {model.community.n_ties:,} ties, "
          f"{int(model.community.party_member.sum()):,} Party members; seed {model.seed}; "
          f"{model.steps} weeks in {seconds:.2f} s")
    print("  final share on each rung:")
    for name, k in zip(model.rung_names, counts, strict=True):
        print(f"    {label(name):<28} {k / model.community.n:6.1%}")
    print(f"  volunteered in the past year {final['volunteered_past_year']:.1%}; participation index "
          f"{final['participation_index']:.3f}; needs met {final['needs_met']:.3f}; trust {final['mean_trust']:.3f}")
    if model.mechanisms:
        rounds = model.recorder.rounds
        up = sum(r["spiral_up"] for r in rounds)
        print(f"  mechanisms on: {', '.join(model.mechanisms)}; {len(rounds)} rounds, "
              f"{up} of them ending higher than the round before")
        print(f"  pool: {model.pool.total_in():.2f} in, {model.pool.total_out():.2f} out, "
              f"balance {model.pool.balance:.2f}")
    print(f"  results: {folder}/ (timeseries.csv, timeseries.parquet, rounds.csv, summary.json, rung_shares.png, spiral.png)")


def cmd_experiment(args) -> int:
    """compare, sweep and sensitivity: check everything, then run; one-line errors, exit 2."""
    import os

    from model.params import ParameterError, parse_assignment

    try:
        from experiments.sweep import connect, read_spec

        address = args.dask or os.environ.get("DASK_SCHEDULER_ADDRESS")
        if args.workers is not None and args.workers < 1:
            return fail(f"--workers must be >= 1, got {args.workers}")
        if args.command == "compare":
            from experiments.compare import check_folder, plan, plan_digest

            overrides = dict(parse_assignment(text) for text in args.overrides)
            p = plan(args.scenarios, args.reps, args.steps, args.seed, overrides)
            check_folder(Path(args.out), plan_digest(p))
        else:
            flags = {k: getattr(args, k) for k in ("samples", "replications", "steps", "seed")}
            flags["design"] = args.method if args.command == "sensitivity" else args.design
            spec = read_spec(args.spec, flags, dict(parse_assignment(text) for text in args.overrides))
        problem = _unwritable(Path(args.out))
        if problem:
            return fail(problem)
        client = connect(address, args.workers) if address else None
    except ParameterError as exc:
        return fail(str(exc))
    progress = False if args.quiet else None
    try:
        match args.command:
            case "compare":
                from experiments.compare import run_compare, write_compare

                runs, ts = run_compare(p, args.workers, client, progress)
                folder = write_compare(p, runs, ts, args.out)
                what = "report.md, runs.parquet, timeseries.parquet, timeseries.png, intervals.png, manifest.json"
            case "sweep":
                from experiments.sweep import run_sweep

                folder = run_sweep(spec, args.out, args.workers, client, progress)
                what = f"{spec['n_runs']} runs in runs/" + (", timeseries/" if spec["timeseries"] else "")
            case _:
                from experiments.sensitivity import run_sensitivity

                run_sensitivity(spec, args.out, args.workers, client, progress)
                folder, what = Path(args.out), "sensitivity.md, sensitivity.csv, plots, runs/"
    except ParameterError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        print("run.py: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        if address and client is not None:
            client.close()
    if not args.quiet:
        print(f"{args.command}: {folder}/ ({what})")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "run")
    args = build_parser().parse_args(argv)
    match args.command:
        case "run":
            return cmd_run(args)
        case "params":
            return cmd_params()
        case "scenarios":
            return cmd_scenarios()
        case "compare" | "sweep" | "sensitivity":
            return cmd_experiment(args)
        case other:
            return fail(f"unknown command {other!r}; allowed: {', '.join(COMMANDS)}")


if __name__ == "__main__":
    sys.exit(main())
