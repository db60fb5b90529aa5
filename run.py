"""Command line of the red micro-cycle (党建+红色微循环) simulator.

    uv run run.py                       # run the default scenario, write results/run-<scenario>/
    uv run run.py run --reps 10         # ten replications (seeds 1-10): replications.md with 95% intervals
    uv run run.py run --scenario threshold_limit --set n_residents=5000 --steps 52 --seed 7
    uv run run.py params                # every parameter: default, allowed values, unit, meaning
    uv run run.py scenarios             # the named scenarios and the question each answers
    uv run run.py compare red_microcycle status_quo --reps 30 --out DIR   # report.md with paired intervals
    uv run run.py sweep SPEC.toml --out DIR                               # resumable parquet sweep
    uv run run.py sensitivity SPEC.toml --out DIR                         # SALib Morris or Sobol (the file's)
    uv run run.py optimise SPEC.toml --out DIR                            # Pareto front of levers (optuna NSGA-II)
    uv run run.py calibrate --particles 240 --generations 6 --out DIR [--write-docs]  # ABC-SMC vs patterns
    uv run run.py app                   # the browser app on http://127.0.0.1:8765/
    uv run run.py rerun results/run-red_microcycle   # the same run again from its summary.json

Every command that writes takes --out (default results/<command>-<name>), --seed, --set, --quiet
and, where it runs many models, --workers (default: all cores).

Bad input (an unknown parameter or scenario, a value out of range, a malformed scenario, graph
or residents file, an output folder holding files this tool did not write) prints one line saying
what is wrong and what is allowed and exits with code 2, before any work and before anything is
written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

PROG = "redcycle" if Path(sys.argv[0]).name == "redcycle" else "run.py"
"""The program's name in its messages: as it was called (the console script, or the file)."""
COMMANDS = ("run", "params", "scenarios", "compare", "sweep", "sensitivity", "optimise", "calibrate", "rerun", "app")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"{PROG}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from model.scenarios import DEFAULT_SCENARIO

    parser = OneLineParser(
        prog=PROG,
        description="Agent-based model of the 'Party building + red micro-cycle' (党建+红色微循环). "
        "With no command, runs 'run'.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")
    run = sub.add_parser(
        "run",
        help="run one scenario and write its results (the default command)",
        description="Run one scenario and write timeseries.csv, timeseries.parquet, rounds.csv, "
        "summary.json, rung_shares.png and spiral.png into the output folder (with "
        "--reps N also replications.csv and replications.md).",
    )
    run.add_argument(
        "--scenario",
        default=DEFAULT_SCENARIO,
        metavar="NAME_OR_PATH",
        help=f"a scenario name from scenarios/ or a path to a .toml file (default: {DEFAULT_SCENARIO})",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="overrides",
        help="override one parameter (repeatable); 'run.py params' lists them",
    )
    run.add_argument(
        "--steps",
        default=None,
        metavar="N",
        help="weeks to simulate (default: the scenario's 'steps' parameter, 156 = 3 years)",
    )
    run.add_argument(
        "--seed",
        default="1",
        metavar="S",
        help="random seed, an integer in [0, 2^63 - 1]; parameters + seed determine the run exactly (default: 1)",
    )
    run.add_argument(
        "--graph",
        default=None,
        metavar="FILE",
        help="use this graph instead of generating a community: GraphML (.graphml), GML (.gml) "
        "or an edge list (.edgelist .edges .txt .csv .tsv: two node ids a line)",
    )
    run.add_argument(
        "--residents",
        default=None,
        metavar="FILE.csv",
        help="a survey of the residents, one row per resident (docs/residents.md): its values replace "
        "the drawn ones, the rest is drawn from the defaults; combines with --graph",
    )
    run.add_argument(
        "--reps",
        type=int,
        default=1,
        metavar="N",
        help="replications: seeds S to S+N-1, the same parameters; with N > 1 also writes "
        "replications.csv and replications.md (mean and 95%% interval of every final outcome), the "
        "other files being seed S's run (default: 1)",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="processes for the replications (default: all cores; the result is the same with any number)",
    )
    run.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default: results/run-<scenario name>); a previous result "
        "of this tool there is replaced whole when the run is done, anything else is refused",
    )
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument(
        "--insist",
        action="store_true",
        help="run even when the estimated time is beyond the limit (experiments/limits.py)",
    )
    parser.epilog = (
        "The options of 'run' (the default command):\n"
        + run.format_help().split("options:", 1)[1].rstrip()
        + "\n\nExit codes: 0 done, 2 bad input (one line on stderr, nothing written), "
        "1 'rerun' did not reproduce the run."
    )
    for name, help_ in (
        ("params", "list every parameter with its default, allowed values, unit and meaning"),
        ("scenarios", "list the named scenarios and the question each answers"),
    ):
        sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".")
    rerun = sub.add_parser(
        "rerun",
        help="run again the run whose results are in DIR, from its summary.json, "
        "and say whether it is reproduced bit for bit",
        description="Run again, from DIR/summary.json, the run whose results are in DIR (same "
        "parameters, seed, scenario and graph files, checked by SHA-256), write "
        "it to --out and compare its tables with DIR's byte for byte. Exit 0 "
        "when identical, 1 when they differ, 2 when an input changed.",
    )
    rerun.add_argument("dir", metavar="DIR", help="a result folder of this tool")
    rerun.add_argument("--out", default=None, metavar="DIR2", help="where to write the new run (default: DIR-rerun)")
    rerun.add_argument("--quiet", action="store_true", help="print nothing but errors and the verdict")
    add_experiment_commands(sub)
    from app.server import add_app_parser

    add_app_parser(sub)
    return parser


def add_experiment_commands(sub) -> None:
    """compare, sweep, sensitivity: thin layers over experiments/compare.py, sweep.py, sensitivity.py."""

    def where(p):
        p.add_argument(
            "--out",
            default=None,
            metavar="DIR",
            help="output folder (new, empty, or this experiment's own; default: "
            "results/<command>-<scenarios or experiment file>)",
        )
        p.add_argument("--workers", type=int, default=None, metavar="N", help="processes (default: all cores)")
        p.add_argument(
            "--dask",
            default=None,
            metavar="ADDRESS",
            help="run on a Dask cluster: tcp://host:port, or 'local' to start one "
            "(default: $DASK_SCHEDULER_ADDRESS if set)",
        )
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument(
            "--insist",
            action="store_true",
            help="run even a design or an amount of work beyond the limits of experiments/limits.py",
        )

    c = sub.add_parser(
        "compare",
        help="compare scenarios over replications with common random numbers",
        description="Run scenarios with common random numbers and write report.md, figures, "
        "runs.parquet, timeseries.parquet and manifest.json into --out.",
    )
    c.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="scenario names or .toml paths; the first is the reference"
    )
    c.add_argument("--reps", type=int, default=10, metavar="R", help="replications per scenario (default: 10)")
    c.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="overrides",
        help="override one parameter in every scenario (repeatable)",
    )
    c.add_argument("--steps", type=int, default=None, metavar="N", help="weeks per run (default: each scenario's)")
    c.add_argument("--seed", type=int, default=1, metavar="S", help="base seed (default: 1)")
    c.add_argument("--lang", default="en", choices=("en", "zh"), help="language of report.md/html and figures")
    where(c)
    for name, help_ in (
        ("sweep", "run an experiment file's design, streaming rows to parquet (resumable)"),
        ("sensitivity", "Morris or Sobol global sensitivity with SALib on an experiment file"),
    ):
        s = sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".")
        s.add_argument("spec", metavar="SPEC.toml", help="the experiment file ([sweep] table)")
        if name == "sensitivity":
            s.add_argument(
                "--method",
                default=None,
                choices=("morris", "sobol"),
                help="the SALib method (default: the experiment file's design)",
            )
        else:
            s.add_argument("--design", default=None, help="override the design")
        for flag, kind in (("samples", int), ("replications", int), ("steps", int), ("seed", int)):
            s.add_argument(f"--{flag}", type=kind, default=None, metavar="N", help=f"override '{flag}'")
        s.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            dest="overrides",
            help="add a fixed parameter (repeatable)",
        )
        where(s)
    from experiments.optimise import add_parser

    add_parser(sub, where)
    k = sub.add_parser(
        "calibrate",
        help="calibrate the influential uncertain parameters jointly against the "
        "patterns of docs/calibration.md (ABC-SMC: a posterior sample)",
        description="Fit the calibrated parameters by ABC-SMC (adaptive population Monte Carlo ABC) "
        "against the pattern table of experiments/calibration.py, check the posterior on "
        "fresh seeds, then run the full cycle's effect as a prediction over posterior "
        "sets. Writes gen-NNN.csv (each finished generation: a killed run resumes from "
        "them), posterior.csv, generations.csv, trials.csv, fresh.csv, patterns.csv, "
        "prediction.csv and summary.json into --out.",
    )
    for flag, default, help_ in (
        ("particles", 240, "particles a generation (default: 240; half are kept)"),
        ("generations", 6, "most generations, the prior's included (default: 6)"),
        ("seeds", 1, "simulations (seeds) per particle (default: 1, standard ABC)"),
        ("n-residents", 800, "residents per run (default: 800)"),
    ):
        k.add_argument(f"--{flag}", type=int, default=default, metavar="N", help=help_)
    k.add_argument(
        "--search",
        type=int,
        default=0,
        metavar="N",
        help="iterations of a local search from the current defaults; generation 0 is then drawn "
        "around its best sets (SMC around a search) instead of from the prior (default: 0)",
    )
    k.add_argument(
        "--search-width",
        type=int,
        default=4,
        metavar="N",
        help="candidate sets per iteration of the search (default: 4)",
    )
    k.add_argument(
        "--search-starts",
        type=int,
        default=0,
        metavar="N",
        help="sets drawn from the prior beside the current defaults; the search starts from the best "
        "of them (default: 0, from the defaults)",
    )
    k.add_argument(
        "--method",
        choices=("mcmc", "pmc"),
        default="mcmc",
        help="how a generation moves the population: 'mcmc', Metropolis-Hastings moves of resampled "
        "survivors, every particle weighing the same (Drovandi & Pettitt 2011); 'pmc', new particles "
        "with importance weights (Beaumont et al. 2009), which collapse onto a few particles when the "
        "posterior is narrow in many dimensions (default: mcmc)",
    )
    k.add_argument(
        "--mcmc-steps",
        type=int,
        default=5,
        metavar="N",
        help="most MCMC moves a resampled particle makes in a generation ('mcmc'; default: 5)",
    )
    k.add_argument(
        "--fresh-limit",
        type=float,
        default=None,
        metavar="X",
        help="after each generation, run some of its particles on fresh monitor seeds and stop once their "
        "loss there passes X times their loss on their own seeds; the posterior is then the generation "
        "before (epsilon no lower than the loss's seed noise; default: off). The issue's check: 1.25",
    )
    k.add_argument(
        "--trials",
        type=int,
        default=None,
        metavar="N",
        help="most particles simulated in all: a generation that would pass it is not started "
        "(default: no limit but --generations)",
    )
    k.add_argument(
        "--write-docs",
        action="store_true",
        help="also rewrite docs/calibration.md, its figures and docs/calibration/ from the result",
    )
    k.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="overrides",
        help="hold a parameter that is not calibrated at this value in every run (repeatable; "
        "part of the calibration's digest)",
    )
    k.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="the ABC's seed: its draws from the prior and its perturbations (default: 1)",
    )
    k.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (new, empty, an earlier calibration, or this calibration unfinished: resumed; "
        "default: results/calibrate-patterns)",
    )
    k.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="processes (default: all cores; the result is the same with any number)",
    )
    k.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster: tcp://host:port, or 'local' to start one",
    )
    k.add_argument("--quiet", action="store_true", help="no progress bar")


def cmd_calibrate(args) -> int:
    """calibrate: every flag checked, and the output folder, before any run."""
    from experiments.calibration import CALIBRATED, FIT_SEED0, Settings, calibrate, check_folder
    from model.params import PARAMS, ParameterError, parse_assignment, validate

    for flag, value, low in (
        ("--trials", args.trials, 1),
        ("--particles", args.particles, 4),
        ("--generations", args.generations, 1),
        ("--seeds", args.seeds, 1),
        ("--workers", args.workers, 1),
        ("--seed", args.seed, 0),
        ("--search", args.search, 0),
        ("--search-width", args.search_width, 1),
        ("--search-starts", args.search_starts, 0),
        ("--mcmc-steps", args.mcmc_steps, 1),
    ):
        if value is not None and value < low:
            return fail(f"{flag} must be >= {low}, got {value}")
    if args.method == "mcmc" and (args.mcmc_steps + 1) * args.particles * args.seeds >= FIT_SEED0:
        return fail(
            f"--mcmc-steps x --particles x --seeds must stay below {FIT_SEED0 // 1000:,}k (each move runs on "
            f"its own seeds), got ({args.mcmc_steps} + 1) x {args.particles} x {args.seeds}"
        )
    if args.fresh_limit is not None and not args.fresh_limit >= 1.0:  # also NaN
        return fail(f"--fresh-limit must be a number >= 1 (fresh loss / own loss), got {args.fresh_limit}")
    if args.trials is not None and args.trials < args.particles:
        return fail(f"--trials must be >= --particles ({args.particles}: the first generation), got {args.trials}")
    try:
        PARAMS["n_residents"].check(args.n_residents)
    except ParameterError as exc:
        return fail(f"--n-residents: {exc}")
    try:
        fixed = dict(parse_assignment(text) for text in args.overrides)
        for name in fixed:
            if name in CALIBRATED or name == "n_residents":
                raise ParameterError(
                    f"--set {name}: {'use --n-residents' if name == 'n_residents' else 'it is calibrated'}; "
                    f"--set takes the parameters that are not calibrated ({', '.join(CALIBRATED)} are)"
                )
        validate({**fixed, "n_residents": args.n_residents})
    except ParameterError as exc:
        return fail(str(exc))
    settings = Settings(
        particles=args.particles,
        generations=args.generations,
        seeds=args.seeds,
        n_residents=args.n_residents,
        budget=args.trials,
        abc_seed=args.seed,
        search=args.search,
        search_width=args.search_width,
        search_starts=args.search_starts,
        fixed=tuple(sorted(fixed.items())),
        method=args.method,
        mcmc_steps=args.mcmc_steps,
        fresh_limit=args.fresh_limit,
    )
    args.out = args.out or default_out("calibrate", "patterns")
    client = None
    try:
        check_folder(Path(args.out), settings)
        problem = _unwritable(Path(args.out))
        if problem:
            return fail(problem)
        if args.dask:
            from experiments.sweep import connect

            client = connect(args.dask, args.workers)
    except ParameterError as exc:
        return fail(str(exc))
    from experiments.folders import OutputFolderError

    try:
        s = calibrate(settings, args.out, args.workers, client, args.write_docs, progress=False if args.quiet else None)
    except OutputFolderError as exc:  # the folder changed under the run: checked again when put in place
        return fail(str(exc))
    except KeyboardInterrupt:
        print(
            "run.py: interrupted; run the same command again to resume from the last finished generation",
            file=sys.stderr,
        )
        return 130
    finally:
        if client is not None:
            client.close()
    if not args.quiet:
        print(f"calibrate: {args.out}/ ({', '.join(s['files'])}){'; docs/calibration.md' if args.write_docs else ''}")
        print(
            f"  {s['simulated']} particles simulated; posterior of {s['n_posterior']} (ESS {s['ess']:.0f}); "
            f"stopped: {s['stopped']}; defaults {s['defaults']}"
        )
    return 0


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
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
    """The good scenarios on stdout; each broken file named, with what is wrong, on stderr."""
    from model.scenarios import ScenarioError, available_scenarios, read_scenario

    for name in available_scenarios():
        try:
            s = read_scenario(name)
        except ScenarioError as exc:
            print(f"{PROG}: warning: scenario {name!r} is broken and left out: {exc}", file=sys.stderr)
            continue
        print(f"{name}: {s['question']}")
    return 0


def parse_seed(text: str, what: str = "--seed") -> int:
    """A seed from the command line, read by the same rule as numbers in --set and TOML."""
    from model.params import ParameterError, parse_value
    from model.streams import SEED_MAX, check_seed

    value = parse_value(str(text))
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"{what} must be an integer in [0, {SEED_MAX}], got {text!r}")
    return check_seed(value, what)


def cmd_run(args) -> int:
    from experiments.folders import OutputFolderError, check_target
    from experiments.limits import check_work
    from experiments.outputs import run_inputs
    from model.params import PARAMS, ParameterError, parse_assignment, validate
    from model.scenarios import read_scenario

    # 1. everything is checked before anything is built or written
    try:
        scenario = read_scenario(args.scenario)
        overrides = dict(scenario["parameters"])
        for text in args.overrides:
            name, value = parse_assignment(text)
            overrides[name] = value
        if args.steps is not None:
            try:
                overrides["steps"] = PARAMS["steps"].parse(args.steps)
            except ParameterError as exc:
                raise ParameterError(f"--steps: {exc}") from None
        full = validate(overrides)
        for flag, value in (("--reps", args.reps), ("--workers", args.workers)):
            if value is not None and value < 1:
                raise ParameterError(f"{flag} must be >= 1, got {value}")
        runs = args.reps + (reference_run(overrides, scenario) is not None)
        check_work(
            full["n_residents"] * full["steps"] * runs, "this run", args.workers if args.reps > 1 else 1, args.insist
        )
        seed = parse_seed(args.seed)
        if args.reps > 1:
            parse_seed(
                str(seed + args.reps - 1),
                f"--seed + --reps - 1 (the last replication's seed, {seed} + {args.reps} - 1)",
            )
        out = check_target(args.out if args.out is not None else default_out("run", scenario["name"]))
    except (ParameterError, OutputFolderError) as exc:
        return fail(str(exc))
    inputs = run_inputs(args.argv, scenario, overrides, args.graph, args.residents)
    return _run_and_write(
        scenario, overrides, seed, args.graph, out, inputs, args.quiet, args.residents, args.reps, args.workers
    )


def _run_and_write(
    scenario, overrides, seed, graph_file, out, inputs, quiet, residents_file=None, reps=1, workers=None
) -> int | Path:
    """Build (the model checks the graph against n_residents and the memory first), run, run the other
    replications (seeds seed + 1 ... seed + reps - 1) on ``workers`` processes, write."""
    from experiments.folders import OutputFolderError
    from experiments.outputs import write_results
    from model import GraphFileError, RedCycleModel, ResidentsFileError, read_graph_file
    from model.params import ParameterError

    try:
        graph = read_graph_file(graph_file) if graph_file else None
        reference = reference_run(overrides, scenario)
        twin = None
        if reference is not None:  # first, and only its series kept: never two models in memory at once
            params, events, label = reference
            twin = RedCycleModel(
                graph=graph, residents=residents_file, rng=seed, events=events, **{**params, "agent_objects": "lazy"}
            ).run()
            twin = (twin.datacollector.get_model_vars_dataframe()[["week", "participation_index"]], label)
        started = time.perf_counter()
        model = RedCycleModel(
            graph=graph, residents=residents_file, rng=seed, events=scenario.get("events") or None, **overrides
        )
    except (GraphFileError, ParameterError, ResidentsFileError) as exc:
        return fail(str(exc))
    if not quiet:
        for note in model.residents_notes:
            print(f"note: {note}")
    from experiments.replications import progress

    weeks = range(model.p["steps"])
    for _ in progress(weeks, desc=scenario["name"], unit="week", enabled=False if quiet else None):
        model.step()  # = model.run(), with a bar on a terminal when it takes more than a second
    seconds = time.perf_counter() - started
    if not quiet:
        for event in model.events_pending:  # kept in the manifest too ("events_not_reached")
            print(f"note: the event at week {event['week']} was not reached: the run ended at week {model.steps}")
    replications = None
    if reps > 1:
        replications = _replicate(model, scenario, overrides, graph_file, residents_file, reps, workers, quiet)
    try:
        folder = write_results(model, scenario, out, seconds, inputs, replications, twin)
    except OutputFolderError as exc:
        return fail(str(exc))
    except (OSError, ValueError) as exc:  # a full disk, a name the file system refuses, ...
        return fail(f"cannot write results to '{out}': {getattr(exc, 'strerror', None) or exc}")
    if not quiet:
        _print_summary(model, scenario, folder, seconds, replications, twin)
    return folder


def reference_run(overrides: dict, scenario: dict) -> tuple[dict, list | None, str] | None:
    """What a run's spiral draws beside it, on the same community and seed: (parameter overrides,
    timeline, label). The loop-cut twin (cycle_feedback = false, the same timeline) of a run whose
    cycle feeds back; else the status quo (the organisation as provider, no timeline); None for the
    status quo itself, or where the status quo cannot run (a ladder of other than five rungs)."""
    from model.params import MECHANISM_SWITCHES, ParameterError, validate
    from model.scenarios import load_scenario

    full = validate(overrides)
    status_quo = load_scenario("status_quo")
    if all(full[k] == v for k, v in status_quo.items()) and not scenario.get("events"):
        return None
    if full["cycle_feedback"] and full["loop_cut"] == "none" and any(full[m] for m in MECHANISM_SWITCHES):
        return (
            {**overrides, "cycle_feedback": False},
            scenario.get("events") or None,
            "loop-cut twin (cycle_feedback = false)",
        )
    try:
        validate({**overrides, **status_quo})
    except ParameterError:
        return None
    return {**overrides, **status_quo}, None, "status quo (provider, no cycle)"


def _replicate(model, scenario, overrides, graph_file, residents_file, reps, workers, quiet):
    """The final outcomes of seeds model.seed .. model.seed + reps - 1 (the first is ``model``'s), a row each."""
    import pandas as pd

    from experiments.replications import final_outcomes, map_unordered, progress

    params = {**overrides, **({"events": scenario["events"]} if scenario.get("events") else {})}
    jobs = {model.seed + k: (params, model.seed + k, graph_file, residents_file) for k in range(1, reps)}
    done = dict(
        progress(
            map_unordered(final_outcomes, jobs, workers),
            total=len(jobs),
            desc="replications",
            enabled=False if quiet else None,
        )
    )
    rows = [{"seed": model.seed, **model.final_outcomes()}, *(done[s] for s in sorted(done))]
    return pd.DataFrame(rows)


def cmd_rerun(args) -> int:
    """The run recorded in DIR/summary.json again, compared with DIR byte for byte."""
    from experiments.folders import OutputFolderError, check_target, contains, resolved
    from experiments.outputs import ManifestError, changed_input, read_manifest, run_inputs, same_bytes, versions
    from model.params import ParameterError, validate

    folder = Path(args.dir)
    from experiments.optimise import is_search, rerun_command

    if is_search(folder):
        return rerun_command(args, fail)
    try:
        manifest = read_manifest(folder)
    except ManifestError as exc:
        return fail(str(exc))
    params, seed = manifest["parameters"], manifest["seed"]
    problem = changed_input(manifest, folder)
    if problem:
        return fail(problem)
    try:
        validate(params)
        seed = parse_seed(str(seed), "the recorded seed")
        real = resolved(folder)  # 'rerun .' names the folder by its real name
        out = check_target(args.out if args.out is not None else real.with_name((real.name or "result") + "-rerun"))
    except (ParameterError, OutputFolderError) as exc:
        return fail(str(exc))
    if contains(folder, out) or contains(out, folder):  # links resolved: never the result read, nor around it
        return fail(
            f"--out '{args.out}' is (or is inside, or holds) the folder being reproduced '{folder}'; "
            "allowed: another folder"
        )
    files = [r["path"] for r in manifest["scenario_files"]]
    scenario = {
        "name": manifest.get("scenario"),
        "question": manifest.get("question", ""),
        "path": manifest.get("scenario_file"),
        "files": files,
    }
    if "events" in manifest:  # the parameters are week 0's, the timeline as it was run
        scenario["events"] = manifest["events"]
    else:  # an older manifest: the timeline from the scenario file, unchanged (its SHA-256 was checked)
        try:
            from model.scenarios import read_scenario

            scenario["events"] = read_scenario(files[0])["events"] if files else []
        except ParameterError as exc:
            return fail(str(exc))
    try:
        inputs = {
            **run_inputs(args.argv, scenario, params),
            "scenario_files": manifest["scenario_files"],
            "graph_file": manifest.get("graph_file"),
            "residents_file": manifest.get("residents_file"),
        }
    except ParameterError as exc:
        return fail(str(exc))
    residents_record = manifest.get("residents_file")
    graph_file = manifest["graph_file"]["path"] if manifest.get("graph_file") else None
    residents_file = residents_record["path"] if residents_record else None
    result = _run_and_write(scenario, params, seed, graph_file, out, inputs, args.quiet, residents_file)
    if isinstance(result, int):
        return result
    compared = ("timeseries.csv", "rounds.csv")
    differ = [f for f in compared if not same_bytes(folder / f, result / f)]
    changed = sorted(k for k, v in versions().items() if manifest.get("versions", {}).get(k) != v)
    note = f" (package versions differ: {', '.join(changed)})" if changed else ""
    if differ:
        print(f"not reproduced: {', '.join(differ)} differ between '{folder}' and '{result}'{note}")
        return 1
    print(f"reproduced bit for bit: {', '.join(compared)} in '{result}' are identical to '{folder}'{note}")
    return 0


def _print_summary(model, scenario, folder: Path, seconds: float, replications=None, twin=None) -> None:
    from experiments.plotting import label

    final = model.final_outcomes()
    counts = model.rung_counts()
    print(f"scenario {scenario['name']}: {scenario['question']}")
    print(
        f"  {model.community.n:,} residents, {model.community.n_ties:,} ties, "
        f"{int(model.community.party_member.sum()):,} Party members; seed {model.seed}; "
        f"{model.steps} weeks in {seconds:.2f} s"
    )
    print("  final share on each rung:")
    for name, k in zip(model.rung_names, counts, strict=True):
        print(f"    {label(name):<28} {k / model.community.n:6.1%}")
    print(
        f"  volunteered in the past year {final['volunteered_past_year']:.1%}; participation index "
        f"{final['participation_index']:.3f}; needs met {final['needs_met']:.3f}; trust {final['mean_trust']:.3f}"
    )
    if model.mechanisms:
        rounds = model.recorder.rounds
        up = sum(r["spiral_up"] for r in rounds)
        print(
            f"  mechanisms on: {', '.join(model.mechanisms)}; {len(rounds)} rounds, "
            f"{up} of them ending higher than the round before"
        )
        print(
            f"  pool: {model.pool.total_in():.2f} in, {model.pool.total_out():.2f} out, "
            f"balance {model.pool.balance:.2f}"
        )
    if twin is not None:
        table, name = twin
        index = float(table["participation_index"].iloc[-1])
        print(
            f"  beside it on spiral.png, the {name}: participation index {index:.3f} "
            f"(this run's lead {final['participation_index'] - index:+.3f})"
        )
    if replications is not None:
        from experiments.replications import replication_summary
        from model.glossary import OUTCOMES

        table = replication_summary(replications).set_index("outcome")
        print(
            f"  {len(replications)} replications (seeds {replications['seed'].min()}-{replications['seed'].max()}), "
            "mean [95% interval]:"
        )
        for outcome in ("participation_index", "volunteered_past_year", "needs_met", "mean_trust"):
            r = table.loc[outcome]
            print(f"    {OUTCOMES[outcome].en:<44} {r['mean']:.3f} [{r['low']:.3f}, {r['high']:.3f}]")
    files = "timeseries.csv, timeseries.parquet, rounds.csv, summary.json, rung_shares.png, spiral.png"
    print(f"  results: {folder}/ ({files}{', replications.csv, replications.md' if replications is not None else ''})")


def _unwritable(out: Path) -> str | None:
    """Why the experiment folder ``out`` cannot be written (None when it can): checked before work."""
    if out.exists() and not out.is_dir():
        return f"--out '{out}' exists and is not a folder; allowed: a folder path"
    if os.path.ismount(out):  # a result is put in place by renaming a folder, which a mount point refuses
        return f"--out '{out}' is a mount point, which cannot be replaced; allowed: a folder inside it"
    parent = out if out.exists() else out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write results to '{out}': '{parent}' is not a writable folder"
    return None


def default_out(command: str, name: str) -> Path:
    from experiments.folders import default_out as default

    return default(command, name)


def cmd_experiment(args) -> int:
    """compare, sweep and sensitivity: check everything, then run; one-line errors, exit 2."""
    import os

    from experiments.folders import OutputFolderError
    from experiments.limits import check_work
    from model.params import ParameterError, parse_assignment, validate

    try:
        from experiments.sweep import connect, read_spec

        address = args.dask or os.environ.get("DASK_SCHEDULER_ADDRESS")
        if args.workers is not None and args.workers < 1:
            return fail(f"--workers must be >= 1, got {args.workers}")
        if args.command == "compare":
            from experiments.compare import check_folder, plan, plan_digest

            overrides = dict(parse_assignment(text) for text in args.overrides)
            p = plan(args.scenarios, args.reps, args.steps, args.seed, overrides, args.lang)
            args.out = args.out or default_out("compare", "-".join(e["name"] for e in p["scenarios"]))
            work = sum(args.reps * validate(e["params"])["n_residents"] * e["steps"] for e in p["scenarios"])
            check_work(work, "this comparison", args.workers, args.insist)
            check_folder(Path(args.out), plan_digest(p))
        else:
            flags = {k: getattr(args, k) for k in ("samples", "replications", "steps", "seed")}
            flags["design"] = args.method if args.command == "sensitivity" else args.design
            flags["insist"] = args.insist
            spec = read_spec(args.spec, flags, dict(parse_assignment(text) for text in args.overrides))
            work = spec["n_runs"] * validate(spec["base"])["n_residents"] * spec["steps"]
            check_work(work, f"this {args.command}", args.workers, args.insist)
            args.out = args.out or default_out(args.command, Path(args.spec).stem)
        problem = _unwritable(Path(args.out))
        if problem:
            return fail(problem)  # a folder holding another experiment is refused by check_folder/read_spec
        client = connect(address, args.workers) if address else None
    except ParameterError as exc:
        return fail(str(exc))
    progress = False if args.quiet else None
    try:
        match args.command:
            case "compare":
                from experiments.compare import FILES, run_compare, write_compare

                runs, ts = run_compare(p, args.workers, client, progress)
                folder = write_compare(p, runs, ts, args.out)
                what = ", ".join(FILES)
            case "sweep":
                from experiments.sweep import run_sweep

                folder = run_sweep(spec, args.out, args.workers, client, progress)
                what = f"{spec['n_runs']} runs in runs/" + (", timeseries/" if spec["timeseries"] else "")
            case _:
                from experiments.sensitivity import run_sensitivity

                run_sensitivity(spec, args.out, args.workers, client, progress)
                folder, what = Path(args.out), "sensitivity.md, sensitivity.csv, plots, runs/"
    except (ParameterError, OutputFolderError) as exc:  # the folder is checked again when put in place
        return fail(str(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        if address and client is not None:
            client.close()
    if not args.quiet:
        print(f"{args.command}: {folder}/ ({what})")
    return 0


def main(argv: list[str] | None = None) -> int:
    if sys.stdout is None:  # started with stdout closed (>&-): what would be shown is dropped, the work is done
        sys.stdout = open(os.devnull, "w", encoding="utf-8")
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a character gets an escape
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        from model.params import closest

        return fail(
            f"unknown command {argv[0]!r} (did you mean {closest(argv[0], COMMANDS, 1)[0]!r}?); "
            f"allowed: {', '.join(COMMANDS)} (no command means run)"
        )
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv.insert(0, "run")
    args = build_parser().parse_args(argv)
    args.argv = argv
    from redcycle.extras import check as missing_extra

    dask = getattr(args, "dask", None) or ("dask" in vars(args) and os.environ.get("DASK_SCHEDULER_ADDRESS"))
    problem = missing_extra(args.command, bool(dask))
    if problem:
        return fail(problem)
    try:
        match args.command:
            case "run":
                result = cmd_run(args)
            case "params":
                result = cmd_params()
            case "scenarios":
                result = cmd_scenarios()
            case "compare" | "sweep" | "sensitivity":
                result = cmd_experiment(args)
            case "optimise":
                from experiments.optimise import command

                result = command(args, fail)
            case "calibrate":
                result = cmd_calibrate(args)
            case "rerun":
                result = cmd_rerun(args)
            case "app":
                from app.server import serve

                result = serve(args.host, args.port)
            case other:
                return fail(f"unknown command {other!r}; allowed: {', '.join(COMMANDS)}")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left (run.py params | head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # stdout on a full device, a disk full under an experiment, ...
        _drop_stdout()
        return fail(f"cannot write: {exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}")
    except KeyboardInterrupt:
        fail("interrupted; nothing was written (a previous result, if any, is as it was)")
        return 130
    return result if isinstance(result, int) else 0


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of a full or broken stdout is quiet."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        sys.stdout = open(os.devnull, "w", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
