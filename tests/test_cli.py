"""run.py as users call it: a subprocess in the project root.

Every command is started once, all of them concurrently, by the module fixture ``cli``; the
tests then check the recorded exit codes, output streams and files. Only the repeat of a run
(reproducibility, replacing the output folder) has to wait for the first.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.ladder import Rung
from model.params import PARAMS

RUNG_NAMES = [r.key for r in Rung]

ROOT = Path(__file__).resolve().parent.parent
SMALL = ("--set", "n_residents=300", "--steps", "20")
STEPS = 20
OUTPUT_FILES = {"timeseries.csv", "timeseries.parquet", "rounds.csv", "summary.json", "rung_shares.png", "spiral.png"}


def run_cli(args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@dataclass
class Cli:
    base: Path
    args: dict[str, list] = field(default_factory=dict)
    out: dict[str, Path] = field(default_factory=dict)
    result: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    csv_text: dict[str, str] = field(default_factory=dict)
    summary: dict[str, dict] = field(default_factory=dict)
    snapshot: dict[str, dict] = field(default_factory=dict)


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# name: (arguments without --out, fragments the error line must contain)
BAD = {
    "unknown_parameter": (
        [*SMALL, "--set", "n_resident=300"],
        ["unknown parameter 'n_resident'", "did you mean 'n_residents'", "run.py params"],
    ),
    "out_of_range": ([*SMALL, "--set", "party_member_share=1.5"], ["party_member_share", "out of range", "allowed"]),
    "wrong_type": ([*SMALL, "--set", "n_residents=many"], ["n_residents", "must be an integer", "'many'"]),
    "unknown_scenario": (
        ["--scenario", "nosuch", *SMALL],
        ["unknown scenario 'nosuch'", "available:", "baseline", "threshold_limit"],
    ),
    "malformed_toml": (["--scenario", "{base}/broken.toml", *SMALL], ["{base}/broken.toml", "not valid TOML"]),
    "scenario_unknown_parameter": (
        ["--scenario", "{base}/unknown_param.toml", *SMALL],
        ["{base}/unknown_param.toml", "unknown parameter 'nonsense'", "did you mean"],
    ),
    "scenario_unknown_table": (
        ["--scenario", "{base}/unknown_table.toml", *SMALL],
        ["{base}/unknown_table.toml", "unknown table 'extra'", "allowed: events, parameters, scenario"],
    ),
    "shares_exceed_one": (
        [*SMALL, "--set", "retired_share=0.8", "--set", "mobile_share=0.5"],
        ["retired_share", "mobile_share", "exceed 1"],
    ),
    "missing_graph": ([*SMALL, "--graph", "{base}/missing.graphml"], ["{base}/missing.graphml", "not found"]),
    "malformed_graph": ([*SMALL, "--graph", "{base}/broken.graphml"], ["{base}/broken.graphml", "not valid graphml"]),
    "unknown_flag": ([*SMALL, "--bogus"], ["unrecognized arguments: --bogus"]),
    "out_is_a_file": ([*SMALL], ["{base}/occupied.txt", "not a folder"]),
}

INFO = {
    "help": (["--help"], ["run", "params", "scenarios"]),
    "run_help": (
        ["run", "--help"],
        [
            "--scenario",
            "--set",
            "--steps",
            "--seed",
            "--graph",
            "--out",
            "--quiet",
            "--reps",
            "--workers",
            "results/run-<scenario name>",
        ],
    ),
    "params": (["params"], sorted(PARAMS)),
    "scenarios": (["scenarios"], ["baseline", "threshold_limit"]),
}


def _write_inputs(base: Path) -> None:
    (base / "mine.toml").write_text(
        '[scenario]\nname = "mine"\nbase = "baseline"\nquestion = "Does a scenario file work?"\n\n'
        "[parameters]\nslip_rate = 0.5\nweight_social = 0.9\n",
        encoding="utf-8",
    )
    (base / "broken.toml").write_text('[scenario\nname = "broken"\n', encoding="utf-8")
    (base / "unknown_param.toml").write_text('[scenario]\nname = "x"\n[parameters]\nnonsense = 1\n')
    (base / "unknown_table.toml").write_text('[scenario]\nname = "x"\n[extra]\ny = 1\n')
    (base / "broken.graphml").write_text('<?xml version="1.0"?>\n<graphml><graph><node id="a"></graph>\n')
    (base / "occupied.txt").write_text("keep me\n")
    kept = base / "kept"
    kept.mkdir()
    (kept / "timeseries.csv").write_text("old results\n")
    (kept / "stray.txt").write_text("stray\n")


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> Cli:
    base = tmp_path_factory.mktemp("cli")
    _write_inputs(base)
    c = Cli(base)
    good = {
        "a": [*SMALL, "--seed", "1"],  # no command: 'run' is the default
        "seed2": ["run", *SMALL, "--seed", "2"],
        "threshold_limit": ["run", "--scenario", "threshold_limit", *SMALL],
        "file": ["run", "--scenario", base / "mine.toml", *SMALL],
    }
    for name, args in good.items():
        c.out[name] = base / f"out_{name}"
        c.args[name] = [*args, "--out", c.out[name]]
    for name, (args, _) in BAD.items():
        c.out[name] = base / "occupied.txt" if name == "out_is_a_file" else base / f"bad_{name}"
        c.args[name] = [str(a).replace("{base}", str(base)) for a in args] + ["--out", c.out[name]]
    for name, (args, _) in INFO.items():
        c.args[name] = args
    c.out["untouched"] = base / "kept"
    c.args["untouched"] = [*SMALL, "--graph", base / "broken.graphml", "--out", c.out["untouched"]]
    c.out["steps_abc"] = base / "bad_steps_abc"
    c.args["steps_abc"] = ["run", "--steps", "abc", "--out", c.out["steps_abc"]]
    c.snapshot["kept"] = folder_snapshot(base / "kept")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(run_cli, args) for name, args in c.args.items()}
        c.result = {name: f.result() for name, f in futures.items()}
    for name in good:
        if c.result[name].returncode == 0:
            c.csv_text[name] = (c.out[name] / "timeseries.csv").read_text(encoding="utf-8")
            c.summary[name] = json.loads((c.out[name] / "summary.json").read_text(encoding="utf-8"))
    return c


@pytest.fixture(scope="module")
def rerun(cli) -> tuple[str, subprocess.CompletedProcess]:
    """The command of run 'a' again, into the same (now populated) folder."""
    assert cli.result["a"].returncode == 0, cli.result["a"].stderr
    out = cli.out["a"]
    first = (out / "timeseries.csv").read_text(encoding="utf-8")
    return first, run_cli(cli.args["a"])


def table(cli: Cli, name: str) -> pd.DataFrame:
    res = cli.result[name]
    assert res.returncode == 0, res.stderr
    return pd.read_csv(cli.out[name] / "timeseries.csv")


# ------------------------------------------------------------------ a good run ---------------


def test_run_writes_every_output(cli):
    res = cli.result["a"]
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert "results:" in res.stdout and "300 residents" in res.stdout
    out = cli.out["a"]
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES
    assert (out / "rung_shares.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "spiral.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rounds = pd.read_csv(out / "rounds.csv")
    assert len(rounds) == STEPS // 26 and "spiral_up" in rounds.columns  # headers even before a round ends


def test_timeseries_one_row_per_week_with_tidy_columns(cli):
    df = table(cli, "a")
    assert len(df) == STEPS + 1
    assert df["week"].tolist() == list(range(STEPS + 1))
    assert list(df.columns[:2]) == ["scenario", "seed"]
    assert (df["scenario"] == "red_microcycle").all() and (df["seed"] == 1).all()
    # the varied parameters are columns
    assert (df["n_residents"] == 300).all() and (df["steps"] == STEPS).all()
    rung_cols = [f"share_{r}" for r in RUNG_NAMES]
    assert [c for c in df.columns if c.startswith("share_")] == [*rung_cols, "share_engaged"]
    assert np.allclose(df[rung_cols].sum(axis=1), 1.0, atol=1e-12)
    assert np.allclose(df["share_engaged"], 1.0 - df["share_not_engaged"], atol=1e-12)
    counts = df[[f"n_{r}" for r in RUNG_NAMES]].to_numpy()
    held = counts.sum(axis=1)  # the residents who can hold a rung (adults): the same every week, not the children
    assert (held == held[0]).all() and 0.7 * 300 < held[0] < 300
    assert np.allclose(counts / held[:, None], df[rung_cols].to_numpy())


def test_parquet_holds_the_same_table(cli):
    df = table(cli, "a")
    pq = pd.read_parquet(cli.out["a"] / "timeseries.parquet")
    assert list(pq.columns) == list(df.columns)
    pd.testing.assert_frame_equal(pq, df, check_dtype=False, check_exact=False, rtol=1e-12)


def test_summary_manifest(cli):
    df = table(cli, "a")
    s = cli.summary["a"]
    assert s["seed"] == 1 and s["scenario"] == "red_microcycle"
    assert s["weeks"] == STEPS and s["n_residents"] == 300
    assert set(s["parameters"]) == set(PARAMS)
    assert s["parameters"]["n_residents"] == 300 and s["parameters"]["steps"] == STEPS
    assert s["varied_parameters"] == {"n_residents": 300, "steps": STEPS}
    assert s["versions"]["mesa"] == metadata.version("mesa")
    assert s["versions"]["numpy"] == np.__version__
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", s["commit"]), s["commit"]
    last = df.iloc[-1]
    assert s["final"]["week"] == STEPS
    for k, v in s["final"].items():
        assert last[k] == pytest.approx(v, rel=1e-12), k


def test_same_command_twice_is_identical_and_replaces_the_folder(cli, rerun):
    first, res = rerun
    assert res.returncode == 0, res.stderr
    out = cli.out["a"]
    assert (out / "timeseries.csv").read_text(encoding="utf-8") == first
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES
    leftovers = [p.name for p in cli.base.iterdir() if p.name.startswith(".out_a")]
    assert leftovers == []  # no temporary or old folder left beside it
    # a stray file makes it a folder this tool did not (only) write: refused, left as it is
    (out / "stray.txt").write_text("left over\n")
    before = folder_snapshot(out)
    line = assert_one_line_error(run_cli(cli.args["a"]))
    assert "holds files this tool did not write" in line
    assert folder_snapshot(out) == before


def test_different_seed_gives_a_different_run(cli):
    a, b = table(cli, "a"), table(cli, "seed2")
    assert (b["seed"] == 2).all()
    outcomes = [c for c in a.columns if c.startswith(("share_", "n_not", "climbs"))]
    assert not a[outcomes].equals(b[outcomes])
    assert not np.array_equal(a["share_not_engaged"], b["share_not_engaged"])


def test_named_scenario_threshold_limit(cli):
    df = table(cli, "threshold_limit")
    assert (df["scenario"] == "threshold_limit").all()
    assert (df["n_rungs"] == 2).all() and (df["slip_rate"] == 0.0).all()
    assert [c for c in df.columns if c.startswith("share_")] == ["share_inactive", "share_active", "share_engaged"]
    assert np.allclose(df["share_inactive"] + df["share_active"], 1.0)
    assert len(df) == STEPS + 1
    assert cli.summary["threshold_limit"]["parameters"]["decision_noise"] == 0.0


def test_scenario_file_with_a_base(cli):
    df = table(cli, "file")
    assert (df["scenario"] == "mine").all()
    assert (df["slip_rate"] == 0.5).all() and (df["weight_social"] == 0.9).all()
    s = cli.summary["file"]
    assert s["scenario_file"] == str(cli.base / "mine.toml")
    assert s["question"] == "Does a scenario file work?"
    engine_only = {f"{m}_on": False for m in ("backbone", "project", "convention", "resource", "team", "incentive")}
    assert s["varied_parameters"] == {
        "n_residents": 300,
        "steps": STEPS,
        "slip_rate": 0.5,
        "weight_social": 0.9,
        **engine_only,
    }  # the base's overrides, then the file's


# ------------------------------------------------------------------ listings and help --------


@pytest.mark.parametrize("name", sorted(INFO))
def test_listing_and_help_commands(cli, name):
    res = cli.result[name]
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    for word in INFO[name][1]:
        assert word in res.stdout, word


# ------------------------------------------------------------------ bad input ----------------


def assert_one_line_error(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    assert res.stdout == ""
    assert res.stderr.endswith("\n") and res.stderr.count("\n") == 1, res.stderr
    line = res.stderr.rstrip("\n")
    assert line.startswith("run.py: error: "), line
    return line


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_one_line_exit_2_nothing_written(cli, name):
    line = assert_one_line_error(cli.result[name])
    for fragment in BAD[name][1]:
        assert fragment.replace("{base}", str(cli.base)) in line, (fragment, line)
    out = cli.out[name]
    if name == "out_is_a_file":
        assert out.is_file() and out.read_text() == "keep me\n"
    else:
        assert not out.exists()
    assert not [p for p in cli.base.iterdir() if p.name.startswith(f".{out.name}")]


def test_failed_run_leaves_an_existing_output_folder_untouched(cli):
    line = assert_one_line_error(cli.result["untouched"])
    assert "holds files this tool did not write" in line  # refused before the graph is even read
    assert folder_snapshot(cli.out["untouched"]) == cli.snapshot["kept"]


def test_bad_steps_value_is_a_one_line_run_py_error(cli):
    line = assert_one_line_error(cli.result["steps_abc"])
    assert "--steps" in line
    assert not cli.out["steps_abc"].exists()


def test_output_folder_permissions_follow_the_umask(cli):
    umask = os.umask(0o022)
    os.umask(umask)
    if umask & 0o044 == 0o044:
        pytest.skip("umask hides group and other read bits anyway")
    res = cli.result["seed2"]
    assert res.returncode == 0, res.stderr
    mode = stat.S_IMODE(cli.out["seed2"].stat().st_mode)
    assert mode == 0o777 & ~umask, oct(mode)


def test_messages_name_the_program_as_it_was_called():
    """Called as the console script, errors say `redcycle:`; called as the file, `run.py:`."""
    import shutil

    script = Path(sys.executable).parent / "redcycle"
    if not script.exists():
        script = Path(shutil.which("redcycle") or "")
    if not script.is_file():
        pytest.skip("the redcycle console script is not installed (uv sync installs it)")
    for argv, prog in (([str(script)], "redcycle"), ([sys.executable, str(ROOT / "run.py")], "run.py")):
        out = subprocess.run([*argv, "nosuch"], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert out.returncode == 2 and out.stderr.startswith(f"{prog}: error: unknown command"), out.stderr


def test_experiment_commands_write_to_results_command_name_by_default(tmp_path, monkeypatch):
    """run, compare, sweep and sensitivity need no --out: results/<command>-<name>."""
    from run import main

    monkeypatch.chdir(tmp_path)
    assert (
        main(
            [
                "compare",
                "red_microcycle",
                "status_quo",
                "--reps",
                "2",
                "--steps",
                "4",
                "--set",
                "n_residents=100",
                "--workers",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    assert (tmp_path / "results" / "compare-red_microcycle-status_quo" / "report.md").is_file()
    assert main(["run", "--scenario", "status_quo", "--steps", "4", "--set", "n_residents=100", "--quiet"]) == 0
    assert (tmp_path / "results" / "run-status_quo" / "summary.json").is_file()


WRITING = ("run", "compare", "sweep", "sensitivity", "optimise", "calibrate")
"""The commands that write a result folder (rerun writes DIR-rerun from a recorded run's own seed and
parameters; app writes nothing)."""


def test_every_writing_command_has_the_same_grammar():
    """One grammar (issue 18 point 9): --out (default results/<command>-<name>, computed when not given),
    --seed, --quiet and --workers (default all cores) everywhere; --set wherever the runs take
    parameters from the command line (calibrate fits them); sensitivity takes its method from the file."""
    from run import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices
    for command in WRITING:
        options = {o: a for a in sub[command]._actions for o in a.option_strings}
        for flag in ("--out", "--seed", "--quiet", "--workers", *(("--set",) if command != "calibrate" else ())):
            assert flag in options, f"{command} lacks {flag}"
        assert options["--out"].default is None and not options["--out"].required, command
        assert options["--workers"].default is None, f"{command}: --workers defaults to all cores (None)"
    assert sub["sensitivity"].parse_args(["x.toml"]).method is None  # the file's design


def test_run_reps_writes_each_seed_and_a_summary_the_same_on_any_number_of_workers(tmp_path):
    """run --reps 3: seeds 1, 2, 3; each row is that seed's run; replications.md gives the mean and the
    95% t interval; the main files are seed 1's run; 1 or 2 workers give the same bytes."""
    from experiments.replications import mean_ci
    from run import main

    small = ["--scenario", "status_quo", "--steps", "8", "--set", "n_residents=150", "--quiet"]
    for workers in (1, 2):
        out = str(tmp_path / f"w{workers}")
        assert main(["run", *small, "--reps", "3", "--workers", str(workers), "--out", out]) == 0
    assert main(["run", *small, "--seed", "3", "--out", str(tmp_path / "seed3")]) == 0
    one, two = tmp_path / "w1", tmp_path / "w2"
    assert (one / "replications.csv").read_bytes() == (two / "replications.csv").read_bytes()
    reps = pd.read_csv(one / "replications.csv")
    assert reps["seed"].tolist() == [1, 2, 3]
    manifest = json.loads((one / "summary.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 1 and manifest["replications"] == {"n": 3, "seeds": [1, 2, 3]}
    assert {"replications.csv", "replications.md"} <= set(manifest["files"])
    assert reps.loc[0, "participation_index"] == pytest.approx(manifest["final"]["participation_index"], rel=1e-12)
    seed3 = json.loads((tmp_path / "seed3" / "summary.json").read_text(encoding="utf-8"))["final"]
    assert reps.loc[2, "participation_index"] == pytest.approx(seed3["participation_index"], rel=1e-12)
    mean, low, high = mean_ci(reps["participation_index"].to_numpy())
    assert low < mean < high
    md = (one / "replications.md").read_text(encoding="utf-8")
    assert "3 replications" in md and f"[{low:.4g}, {high:.4g}]" in md and "participation index" in md
    assert main(["run", *small, "--out", str(one)]) == 0  # a replicated result is this tool's to replace
    assert not (one / "replications.csv").exists()


def test_run_draws_its_reference_beside_its_spiral(tmp_path, monkeypatch):
    """spiral.png of `run` (issue 18 point 7): the run's rounds and, dashed, the same community and seed
    under its loop-cut twin (a cycle that feeds back), the status quo (a run without the cycle's
    feedback), or nothing (the status quo itself); labelled radius, angle, legend and title."""
    import inspect

    import experiments.plotting as plotting
    from model import RedCycleModel, load_scenario
    from run import main

    drawn = []
    real = plotting.spiral_figure

    def spy(*args, **kwargs):
        fig = real(*args, **kwargs)
        drawn.append((fig, inspect.signature(real).bind(*args, **kwargs).arguments))
        return fig

    monkeypatch.setattr(plotting, "spiral_figure", spy)
    small = ["--steps", "60", "--set", "n_residents=300", "--seed", "2", "--quiet"]
    assert main(["run", *small, "--out", str(tmp_path / "full")]) == 0
    fig, kwargs = drawn[-1]
    ax = fig.axes[0]
    assert "participation index" in ax.get_ylabel() and "week of the round" in ax.get_xlabel()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert [x for x in legend if "round" in x][-1].endswith("round 3")
    assert "loop-cut twin (cycle_feedback = false)" in legend and fig._suptitle.get_text()
    twin = RedCycleModel(rng=2, **{**load_scenario("red_microcycle"), "n_residents": 300, "cycle_feedback": False}).run(
        60
    )
    expected = twin.datacollector.get_model_vars_dataframe()["participation_index"].to_numpy()
    assert np.array_equal(kwargs["twin"]["participation_index"].to_numpy(), expected)
    reference = json.loads((tmp_path / "full" / "summary.json").read_text(encoding="utf-8"))["spiral_reference"]
    assert reference == {"name": "loop-cut twin (cycle_feedback = false)", "final_participation_index": expected[-1]}
    assert main(["run", *small, "--scenario", "baseline", "--out", str(tmp_path / "engine")]) == 0
    assert drawn[-1][1]["twin_label"] == "status quo (provider, no cycle)"
    assert "status quo (provider, no cycle)" in [t.get_text() for t in drawn[-1][0].legends[0].get_texts()]
    assert main(["run", *small, "--scenario", "status_quo", "--out", str(tmp_path / "sq")]) == 0
    assert drawn[-1][1].get("twin") is None
