"""Experiments (issue 8): policy timelines, simulate(), sweeps, comparisons, sensitivity, bad input."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.sweep import SpecError, check_spec, read_runs, read_timeseries, run_sweep
from model import ParameterError, RedCycleModel, load_scenario, simulate
from model.scenarios import read_scenario

ROOT = Path(__file__).resolve().parent.parent
RUN = [sys.executable, str(ROOT / "run.py")]


def run_main(argv: list[str]) -> int:
    """run.py's main in this process (the CLI tests run it as a process; here it saves start-up time)."""
    from run import main

    return main(argv)


SMALL = {"n_residents": 300}
SPEC = """[sweep]
scenario = "red_microcycle"
design = "lhs"
samples = {samples}
replications = 2
steps = 30
seed = 3
timeseries = ["participation_index"]
every = 10
batch = 2
[sweep.fixed]
n_residents = 300
[sweep.ranges]
org_role = [0.0, 1.0]
weight_social = [0.2, 0.8]
"""


# ------------------------------------------------------------------------ policy timelines ----
def test_update_between_steps_equals_an_event_and_is_recorded():
    by_hand = RedCycleModel(rng=2, **SMALL).run(20)
    by_hand.update(org_role=0.1, team_on=False, backbone_on=False)
    by_hand.run(20)
    by_hand.update(team_on=True)
    by_hand.run(10)
    events = [{"week": 21, "org_role": 0.1, "team_on": False, "backbone_on": False}, {"week": 41, "team_on": True}]
    timeline = RedCycleModel(rng=2, events=events, **SMALL).run(50)
    a = by_hand.datacollector.get_model_vars_dataframe()
    b = timeline.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(a, b)
    assert by_hand.changes == timeline.changes
    assert by_hand.changes[0] == {"week": 21, "parameter": "org_role", "before": 0.8, "after": 0.1}
    assert list(timeline.mechanisms) == ["project", "convention", "resource", "team", "incentive"]


def test_a_change_takes_effect_from_the_next_step_only():
    base = RedCycleModel(rng=4, **SMALL).run(30)
    changed = RedCycleModel(rng=4, events=[{"week": 16, "backbone_on": False}], **SMALL).run(30)
    x = base.datacollector.get_model_vars_dataframe()
    y = changed.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(x.iloc[:16], y.iloc[:16])  # weeks 0..15 untouched
    assert y["backbones"].iloc[16:].eq(0).all() and x["backbones"].iloc[16:].gt(0).all()


def test_fixed_parameters_are_refused_with_the_reason():
    m = RedCycleModel(rng=1, **SMALL).run(2)
    for name in ("n_residents", "trust_mean", "n_rungs", "round_weeks"):
        with pytest.raises(ParameterError, match=f"'{name}' cannot change during a run: .+; allowed"):
            m.update(**{name: 1})
    with pytest.raises(ParameterError, match="out of range"):
        m.update(org_role=2.0)
    with pytest.raises(ParameterError, match="unknown parameter 'org_rol'"):
        m.update(org_rol=0.2)
    assert m.changes == [] and m.p["org_role"] == 0.8


@pytest.mark.parametrize(
    "events, message",
    [
        ([{"week": 0, "org_role": 0.2}], "in the past"),
        ([{"org_role": 0.2}], "integer 'week'"),
        ([{"week": 5}], "sets no parameter"),
        ([{"week": 5, "n_residents": 10}], "cannot change during a run"),
    ],
)
def test_bad_events_are_refused(events, message):
    with pytest.raises(ParameterError, match=message):
        RedCycleModel(rng=1, events=events, **SMALL)


def test_policy_scenarios_load_and_differ_after_their_week():
    for name in (
        "policy_from_year2",
        "support_withdrawn",
        *(f"defund_{m}" for m in ("backbone", "project", "convention", "resource", "team", "incentive")),
    ):
        s = read_scenario(name)
        assert s["events"] and s["parameters"]["steps"] == 260
    params = {**load_scenario("policy_from_year2"), **SMALL, "steps": 80}
    out = simulate(params, seed=1)
    status_quo = simulate({**load_scenario("status_quo"), **SMALL, "steps": 80}, seed=1)
    ts, sq = out["timeseries"], status_quo["timeseries"]
    assert np.array_equal(ts["participation_index"][:53], sq["participation_index"][:53])
    assert ts["backbones"][60] > 0 and sq["backbones"][60] == 0


def test_event_in_a_scenario_file_is_checked(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[scenario]\nname = "bad"\n[[events]]\nweek = 10\ncapacity_mean = 0.2\n')
    out = subprocess.run(
        [*RUN, "run", "--scenario", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "cannot change during a run" in out.stderr and not (tmp_path / "o").exists()


# ------------------------------------------------------------------------ simulate ------------
def test_simulate_matches_the_model_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = simulate({"org_role": 0.3, **SMALL}, seed=5, steps=26)
    model = RedCycleModel(rng=5, org_role=0.3, **SMALL).run(26)
    assert {k: v for k, v in out.items() if k != "timeseries"} == model.final_outcomes()
    assert len(out["timeseries"]["week"]) == 27 and out["week"] == 26
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ParameterError):
        simulate({"org_role": 7}, seed=1)


# ------------------------------------------------------------------------ sweeps --------------
def spec_file(tmp_path, samples=6):
    path = tmp_path / "spec.toml"
    path.write_text(SPEC.format(samples=samples))
    return path


@pytest.mark.slow
def test_sweep_rows_are_the_same_on_one_core_two_cores_and_dask(tmp_path):
    from dask.distributed import Client, LocalCluster

    from experiments.sweep import read_spec

    spec = read_spec(spec_file(tmp_path))
    one = read_runs(run_sweep(spec, tmp_path / "one", workers=1))
    two = read_runs(run_sweep(spec, tmp_path / "two", workers=2))
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        dask = read_runs(run_sweep(spec, tmp_path / "dask", client=client))
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, dask)
    assert len(one) == 12 and one["run_id"].tolist() == list(range(12)) and (one["status"] == "ok").all()
    # replication k of every point uses the same seed (common random numbers)
    assert one.groupby("replication")["seed"].nunique().eq(1).all()
    assert one.groupby("sample_id")["org_role"].nunique().eq(1).all() and one["org_role"].nunique() == 6
    series = read_timeseries(tmp_path / "one")
    assert sorted(series["week"].unique()) == [0, 10, 20, 30] and len(series) == 12 * 4
    direct = simulate(
        {"n_residents": 300, "org_role": one["org_role"][3], "weight_social": one["weight_social"][3]},
        seed=int(one["seed"][3]),
        steps=30,
    )
    assert one["participation_index"][3] == direct["participation_index"]


def test_a_sweep_writes_a_report_with_main_effects_and_a_heatmap_and_says_when_nothing_was_recomputed(tmp_path, capsys):
    from experiments.sweep import read_spec

    spec = read_spec(spec_file(tmp_path))
    out = tmp_path / "s"
    run_sweep(spec, out, workers=1, progress=False)
    report = (out / "report.md").read_text()
    assert "## Main effects" in report and "### participation index (`participation_index`)" in report
    runs = read_runs(out)
    # org_role's 6 values in 5 equal-count bins, lowest first; the lowest bin's mean is its runs' mean
    rows = [
        x
        for x in report.split("### participation index", 1)[1].split("###")[0].splitlines()
        if x.startswith("| org_role |")
    ]
    assert runs["org_role"].nunique() == 6 and len(rows) == 5 and all("[" in r for r in rows)
    lowest = runs[runs["org_role"] <= runs["org_role"].quantile(0.2)]["participation_index"].mean()
    assert f"| {lowest:.3f} |" in rows[0]
    assert (out / "heatmap.png").is_file() and "heatmap.png" in report  # two parameters varied
    assert "Nothing was recomputed" not in report
    capsys.readouterr()
    run_sweep(spec, out, workers=1, progress=None)  # the same sweep again: all batches done
    assert "nothing was recomputed" in capsys.readouterr().out
    assert "Nothing was recomputed" in (out / "report.md").read_text()


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    path = tmp_path / "points.toml"
    path.write_text(
        '[sweep]\ndesign = "points"\nsteps = 5\n[sweep.fixed]\nn_residents = 200\nretired_share = 0.5\n'
        "[sweep.values]\nmobile_share = [0.1, 0.9, 0.2]\n"
    )
    from experiments.sweep import read_spec

    rows = read_runs(run_sweep(read_spec(path), tmp_path / "o", workers=1))
    assert rows["status"].tolist()[0] == "ok" and rows["status"].tolist()[2] == "ok"
    assert rows["status"][1].startswith("error: ParameterError") and np.isnan(rows["participation_index"][1])


def die_once(task):
    """A task whose worker process dies (as if killed) the first time it runs key 2."""
    key, marker = task
    if key == 2 and not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(9)
    return key * 10


@pytest.mark.slow
def test_a_lost_worker_is_replaced_and_its_tasks_run_again(tmp_path):
    from experiments.replications import map_unordered

    tasks = {k: (k, str(tmp_path / "marker")) for k in range(6)}
    results = list(map_unordered(die_once, tasks, workers=2))
    assert sorted(results) == [(k, k * 10) for k in range(6)]  # each once: none lost, none twice
    assert (tmp_path / "marker").read_text() == "died"


def _digest(folder: Path) -> str:
    return hashlib.sha256(read_runs(folder).to_csv().encode()).hexdigest()


def _as_a_terminal_job() -> None:
    """Ctrl-C as a terminal delivers it: a shell without job control starts background commands
    with SIGINT ignored, and a child inherits that (Python then installs no handler), so a test run
    from such a shell (`pytest &` in a script) would see the sweep shrug the signal off and finish."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("sig, workers", [(signal.SIGKILL, "1"), (signal.SIGINT, "2")], ids=["kill-9", "ctrl-c"])
def test_a_killed_sweep_resumes_losing_and_duplicating_nothing(tmp_path, sig, workers):
    # enough batches that the signal lands mid-sweep even when this process is scheduled late on a
    # loaded machine (with 10 samples the sweep once finished before the Ctrl-C reached it)
    samples = 40
    spec = spec_file(tmp_path, samples=samples)
    out = tmp_path / "killed"
    cmd = [*RUN, "sweep", str(spec), "--out", str(out), "--workers", workers, "--quiet"]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_a_terminal_job,
    )
    deadline = time.time() + 600  # only catches a hang: the batches come sooner or later
    while time.time() < deadline and len(list((out / "runs").glob("batch-*.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, sig)  # the whole process group, as a terminal's Ctrl-C does
    _, err = proc.communicate(timeout=300)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and err == "run.py: interrupted; run the same command again to resume\n"
    finished = {p.name: p.read_bytes() for p in (out / "runs").glob("batch-*.parquet")}
    assert 2 <= len(finished) < samples
    assert run_main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    for name, data in finished.items():  # finished batches are not redone
        assert (out / "runs" / name).read_bytes() == data
    rows = read_runs(out)
    assert rows["run_id"].tolist() == list(range(2 * samples))
    assert run_main(["sweep", str(spec), "--out", str(tmp_path / "clean"), "--workers", "1", "--quiet"]) == 0
    assert _digest(out) == _digest(tmp_path / "clean")
    assert not list(out.rglob(".*tmp*"))


# ------------------------------------------------------------------------ compare, sensitivity --
def test_compare_writes_a_report_with_paired_intervals(tmp_path):
    out = tmp_path / "cmp"
    assert (
        run_main(
            [
                "compare",
                "red_microcycle",
                "status_quo",
                "defund_team",
                "--reps",
                "3",
                "--steps",
                "60",
                "--set",
                "n_residents=300",
                "--out",
                str(out),
                "--workers",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    assert {p.name for p in out.iterdir()} == {
        "report.md",
        "report.html",
        "runs.parquet",
        "timeseries.parquet",
        "timeseries.png",
        "intervals.png",
        "manifest.json",
    }
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 9 and runs.groupby("replication")["seed"].nunique().eq(1).all()
    assert set(runs["scenario"]) == {"red_microcycle", "status_quo", "defund_team"} and "org_role" in runs
    assert "n_residents" not in runs  # the same in every scenario: not a parameter that differs
    report = (out / "report.md").read_text()
    assert "| year 1 | status_quo |" in report and "| end (week 60) | status_quo |" in report
    assert "paired 95% interval" in report and "d_z" in report
    # the status quo's lower participation shows as a negative paired difference
    line = next(x for x in report.splitlines() if x.startswith("| end (week 60) | status_quo |"))
    assert line.split("|")[5].strip().startswith("-")
    _check_report_reads_without_python(out, report)


def _check_report_reads_without_python(out, report):
    """report.md opens with a summary in words, repeats each scenario's question, defines each
    outcome once, shows shares in percent, warns that 3 replications are too few for d_z; report.html
    is one file with its figures inside; every figure has a title and labelled axes."""
    from experiments import compare
    from model import glossary
    from model.scenarios import read_scenario

    head = report.split("## ", 2)[1]
    assert head.startswith("Summary") and "3 times" in head and "lower (95% interval" in head
    assert "percentage points" in head and "d_z) are not reported" in head
    for name in ("red_microcycle", "status_quo", "defund_team"):
        assert read_scenario(name)["question"] in report
    for outcome in compare.MAIN_OUTCOMES:
        assert report.count(glossary.definition(outcome, "en")) == 1
    assert "%" in report.split("### residents volunteering now", 1)[1].split("###")[0]
    assert "| — |" in report  # no effect size from 3 replications
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2 and "<table>" in html and 'src="timeseries.png"' not in html
    p = compare.plan(["red_microcycle", "status_quo"], 3, 60)
    ts = pd.read_parquet(out / "timeseries.parquet")
    for fig in compare.figures(p, ts[ts["scenario"].isin(["red_microcycle", "status_quo"])], "en").values():
        assert fig._suptitle is not None and fig._suptitle.get_text()
        for ax in fig.axes:
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel(), ax


def test_redoing_a_comparison_keeps_what_the_user_put_beside_or_inside_it(tmp_path, capsys):
    """A comparison replaces only its own earlier folder: a file the user added inside makes it refuse
    (exit 2, nothing touched), and hidden folders beside it, whatever their names, are never removed."""
    out = tmp_path / "cmp"
    argv = [
        "compare",
        "red_microcycle",
        "status_quo",
        "--reps",
        "2",
        "--steps",
        "10",
        "--set",
        "n_residents=200",
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
    ]
    for name in (".cmp.old", ".cmp.redcycle-1-old", ".cmp.tmp"):  # names a replacement might have used
        (tmp_path / name).mkdir()
        (tmp_path / name / "thesis.tex").write_text("mine")
    assert run_main(argv) == 0
    assert run_main(argv) == 0  # the same comparison again replaces the first, whole
    (out / "notes.md").write_text("my reading of the report")
    before = tree(tmp_path)
    capsys.readouterr()
    assert run_main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "did not write" in err, err
    assert tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cmp.old", ".cmp.redcycle-1-old", ".cmp.tmp", "cmp"]


def test_morris_sensitivity_ranks_the_social_weight_first(tmp_path):
    path = tmp_path / "morris.toml"
    path.write_text(
        '[sweep]\ndesign = "morris"\nsamples = 4\nsteps = 40\noutcomes = ["participation_index"]\n'
        "[sweep.fixed]\nn_residents = 300\n[sweep.ranges]\nweight_social = [0.2, 0.8]\n"
        "resident_voice = [0.0, 1.0]\n"
    )
    assert (
        run_main(
            [
                "sensitivity",
                str(path),
                "--out",
                str(tmp_path / "m"),  # the method: the file's design
                "--workers",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    table = pd.read_csv(tmp_path / "m" / "sensitivity.csv").set_index("parameter")
    assert table.loc["weight_social", "mu_star"] > 5 * table.loc["resident_voice", "mu_star"]
    assert (tmp_path / "m" / "sensitivity_participation_index.png").is_file()
    report = (tmp_path / "m" / "report.md").read_text()
    assert "4 trajectories, below the recommended 10" in report and "| weight_social |" in report


def test_sobol_indices_with_intervals(tmp_path):
    from experiments.sensitivity import analyse

    spec = check_spec(
        {
            "design": "sobol",
            "samples": 8,
            "steps": 20,
            "outcomes": ["participation_index"],
            "fixed": {"n_residents": 200},
            "ranges": {"weight_social": [0.2, 0.8], "resident_voice": [0.0, 1.0]},
        }
    )
    assert len(spec["points"]) == 8 * (2 + 2)
    table = analyse(spec, read_runs(run_sweep(spec, tmp_path / "s", workers=1)))
    assert set(table.columns) >= {"S1", "S1_conf", "ST", "ST_conf"} and len(table) == 2


# ------------------------------------------------------------------------ bad input -----------
def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "args, message",
    [
        (["sweep", "{spec}", "--design", "grid"], "unknown design 'grid'"),
        (["sweep", "{bad_range}"], "empty or inverted"),
        (["sweep", "{unknown}"], "unknown parameter 'org_rol'"),
        (["compare", "red_microcycle", "nosuch"], "unknown scenario 'nosuch'"),
        (["compare", "red_microcycle", "--set", "n_residents=-3"], "out of range"),
        (["sweep", "{spec}", "--dask", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
        (["sweep", "{spec}", "--out", "{other}"], "holds a different experiment"),
        (["compare", "status_quo", "--out", "{other}"], "holds another experiment"),
        (["sweep", "{spec}", "--out", "{sentinel}"], "not empty and was not written"),
        (["sensitivity", "{spec}", "--method", "sobol"], "power of 2"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_touches_nothing(tmp_path, capsys, args, message):
    spec = spec_file(tmp_path)
    (tmp_path / "bad_range.toml").write_text(SPEC.format(samples=4).replace("[0.0, 1.0]", "[0.6, 0.4]"))
    (tmp_path / "unknown.toml").write_text(SPEC.format(samples=4).replace("org_role =", "org_rol ="))
    other = tmp_path / "other"
    run_sweep(
        check_spec({"design": "points", "steps": 2, "fixed": {"n_residents": 100}, "values": {"org_role": [0.5]}}),
        other,
        workers=1,
    )
    sentinel = tmp_path / "sentinel"
    (sentinel / "keep").mkdir(parents=True)
    (sentinel / "keep" / "notes.txt").write_text("mine")
    before = tree(tmp_path)
    paths = {
        "spec": spec,
        "bad_range": tmp_path / "bad_range.toml",
        "unknown": tmp_path / "unknown.toml",
        "other": other,
        "sentinel": sentinel,
    }
    argv = [a.format(**paths) for a in args]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "new")]
    if "--dask" in argv:  # the whole process: one line on stderr, exit 2 (the timeout only catches a hang)
        res = subprocess.run([*RUN, *argv], capture_output=True, text=True, timeout=600)
        code, err = res.returncode, res.stderr
    else:
        code = run_main(argv)
        err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert tree(tmp_path) == before and not (tmp_path / "new").exists()


def test_check_spec_refuses_values_with_a_range_design():
    with pytest.raises(SpecError, match="needs \\[sweep.ranges\\]"):
        check_spec({"design": "lhs", "values": {"org_role": [0.1]}})


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_killing_only_the_main_process_of_a_sweep_leaves_no_worker(tmp_path):
    """kill -9 of the sweep's main process alone (not its group): its workers notice their parent is
    gone and end; none is left running (issue 17, point 7)."""
    spec = spec_file(tmp_path, samples=10)
    out = tmp_path / "orphans"
    proc = subprocess.Popen(
        [*RUN, "sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120  # a timeout, not a measured time
    workers: list[int] = []
    while time.time() < deadline and not (workers and list((out / "runs").glob("batch-*.parquet"))):
        workers = [p for p in _children(proc.pid) if "python" in Path(f"/proc/{p}/comm").read_text(errors="replace")]
        time.sleep(0.05)
    assert workers, "the sweep started no worker process"
    proc.kill()  # the main process only
    proc.wait(timeout=60)
    deadline = time.time() + 60
    while time.time() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)]


def test_the_spiral_figure_is_labelled_one_turn_a_round_and_nothing_crosses_its_edge():
    """spiral.png: the radius named by its outcome, the angle by the week of the round, one legend
    entry per round (and the twin's), a title; after drawing, every text lies inside the figure."""
    import matplotlib.pyplot as plt

    from experiments.outputs import tidy_table
    from experiments.plotting import font_rc, spiral_figure
    from model import RedCycleModel

    m = RedCycleModel(n_residents=300, rng=2)
    m.run(80)  # a fourth round begun
    twin = RedCycleModel(n_residents=300, rng=2, cycle_feedback=False)
    twin.run(80)
    fig = spiral_figure(tidy_table(m, "a"), 26, "a (seed 2)", twin=tidy_table(twin, "b"), twin_label="loop-cut twin")
    ax = fig.axes[0]
    assert "participation index" in ax.get_ylabel() and "week of the round" in ax.get_xlabel()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert [x for x in legend if "round" in x][-1].endswith("round 4") and "loop-cut twin" in legend
    assert fig._suptitle.get_text()
    with plt.rc_context(font_rc("zh")):
        fig.canvas.draw()
    box = fig.bbox
    for text in fig.findobj(plt.Text):
        if text.get_visible() and text.get_text().strip():
            ext = text.get_window_extent()
            assert ext.x0 >= box.x0 - 1 and ext.x1 <= box.x1 + 1 and ext.y0 >= box.y0 - 1 and ext.y1 <= box.y1 + 1, (
                text.get_text()
            )
    plt.close(fig)
