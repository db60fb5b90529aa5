"""The policy search (experiments/optimise.py, run.py optimise): a front known in advance is found,
the same seed gives the same front on one core and two, a killed search resumes to the same trials,
the posterior is sampled and reaches the runs, and bad input is refused in one line before any work.

The known problem: two budgets on a grid, the seed fund and the government's purchase of services
(venture fund), in a small community for one year with the co-building units off. Money into the pool
a year is exactly what the two budgets put in (0.15 x 0.8 x each, for 150 residents), and the social
workers' skill grows only with the training that the venture fund buys. So the seed fund costs and
buys no skill: the front is the venture fund's three levels with no seed fund.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest

import run as cli
from experiments.optimise import OptimiseError, cells, open_study, optimise, read_spec, sampler, suggest
from model import simulate

KNOWN = """
[optimise]
scenario = "red_microcycle"
reference = "status_quo"
seeds = 2
evaluations = 24
population = 8
seed = 3
fresh_seeds = 2
{extra}
[optimise.fixed]
n_residents = 150
resource_on = false
[optimise.levers]
seed_fund = {{low = 0.0, high = 16.0, step = 8.0}}
venture_fund = {{low = 0.0, high = 8.0, step = 4.0}}
[[optimise.objectives]]
name = "skill"
outcome = "social_worker_skill"
year = 1
sense = "max"
[[optimise.objectives]]
name = "money"
outcome = "pool_in_per_year"
year = 1
sense = "min"
"""
FRONT = {(0.0, 0.0), (0.0, 4.0), (0.0, 8.0)}


def write(folder: Path, text: str, name: str = "search.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    folder = tmp_path_factory.mktemp("known")
    spec = read_spec(write(folder, KNOWN.format(extra="")))
    return folder, spec, optimise(spec, folder / "one", workers=1, progress=False)


def test_the_known_front_is_found(known):
    folder, spec, front = known
    assert {(r.seed_fund, r.venture_fund) for r in front.itertuples()} == FRONT
    money = 150 / 1000 * 0.8 * front["venture_fund"]  # a year's venture fund into the pool, nothing else
    assert np.allclose(front["money"], money)
    assert front["skill"].is_monotonic_decreasing and front["skill"].iloc[0] > front["skill"].iloc[-1]
    assert front["holds"].all() and front["knee"].sum() == 1
    trials = pd.read_parquet(folder / "one" / "trials.parquet")
    assert len(trials) == 24 and (trials["seed_fund"] > 0).any()  # points off the front were tried
    # the status quo has no teams (no skill), so the cheapest point that beats it is the lowest purchase
    cheapest = front[front["cheapest"]]
    assert list(cheapest["venture_fund"]) == [4.0]
    report = (folder / "one" / "report.md").read_text(encoding="utf-8")
    assert "The knee point is point" in report and "The cheapest point that beats status_quo" in report
    assert (folder / "one" / "front_1.png").is_file() and "<table>" in (folder / "one" / "report.html").read_text()


@pytest.mark.slow
def test_the_same_seed_gives_the_same_front_on_one_core_and_two(known):
    folder, spec, _ = known
    optimise(spec, folder / "two", workers=2, progress=False)
    assert (folder / "one" / "front.csv").read_bytes() == (folder / "two" / "front.csv").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "one" / "trials.parquet"), pd.read_parquet(folder / "two" / "trials.parquet")
    )


def test_a_search_killed_mid_batch_resumes_to_the_same_trials(known):
    """Killed while a batch is asked, or while it runs: the candidates asked and not told are RUNNING
    in the journal. The same command runs them with their levers, completes the batch and goes on;
    extending 'evaluations' continues the same search."""
    folder, spec, _ = known
    out = folder / "killed"
    optimise({**spec, "evaluations": 8}, out, workers=1, progress=False)
    study = open_study(spec, out)
    for number in (8, 9, 10):  # batch 1 being asked, then the kill
        study.sampler = sampler(spec, number)
        suggest(study.ask(), spec["levers"])
    optimise({**spec, "evaluations": 16}, out, workers=1, progress=False)
    study = open_study(spec, out)
    for number in range(16, 24):  # batch 2 asked whole, then the kill while it runs
        study.sampler = sampler(spec, number)
        suggest(study.ask(), spec["levers"])
    assert sum(t.state == optuna.trial.TrialState.RUNNING for t in study.get_trials()) == 8
    # killed while optuna released its journal lock (renamed, not yet removed): a dead lock, removed
    released = out / "study.journal.lock0b6f2a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b.rename"
    released.symlink_to(out / "study.journal")
    optimise(spec, out, workers=1, progress=False)
    assert not released.is_symlink()
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "one" / "trials.parquet"), pd.read_parquet(out / "trials.parquet")
    )


@pytest.mark.slow
def test_a_search_killed_for_real_resumes_with_the_same_command(known):
    """SIGKILL as soon as the second batch has been asked (it is being asked or run), then the same
    command: the trials are those of the uninterrupted search."""
    import signal
    import subprocess
    import sys
    import time

    folder, _, _ = known
    out = folder / "sigkill"
    command = [
        sys.executable,
        str(Path(cli.__file__)),
        "optimise",
        str(folder / "search.toml"),
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    journal = out / "study.journal"
    while proc.poll() is None:  # waits for a state of the journal, not for a time
        created = journal.read_text(encoding="utf-8").count('"op_code":4,') if journal.is_file() else 0
        if created > 8:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    assert proc.wait() == -signal.SIGKILL, proc.stderr.read()
    assert not (out / "front.csv").exists()
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "one" / "trials.parquet"), pd.read_parquet(out / "trials.parquet")
    )


POSTERIOR = """
[optimise]
scenario = "red_microcycle"
seeds = 2
evaluations = 2
population = 2
fresh_seeds = 0
seed = 5
posterior = "fit/posterior.csv"
posterior_sets = 2
[optimise.fixed]
n_residents = 120
[optimise.levers]
org_role = [0.0, 1.0]
[[optimise.objectives]]
outcome = "participation_index"
week = 8
statistic = 0.25
"""


def test_candidates_are_scored_over_seeds_and_posterior_sets(tmp_path):
    (tmp_path / "fit").mkdir()
    (tmp_path / "fit" / "posterior.csv").write_text(
        "set,weight_social,threshold_mean\n7,0.3,0.6\n8,0.9,1.4\n9,1.2,1.0\n", encoding="utf-8"
    )
    spec = read_spec(write(tmp_path, POSTERIOR))
    assert read_spec(write(tmp_path, POSTERIOR))["posterior_rows"] == spec["posterior_rows"]  # seeded draw
    drawn = [r["set"] for r in spec["posterior_rows"]]
    assert len(set(drawn)) == 2 and set(drawn) <= {7, 8, 9} and all(type(s) is int for s in drawn)
    optimise(spec, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert len(runs) == 2 * 2 * 2 and set(runs["posterior_set"]) == {0, 1}  # candidates x seeds x sets
    trials = pd.read_parquet(tmp_path / "out" / "trials.parquet")
    r = runs.iloc[-1]
    params = {
        **spec["base"],
        **spec["posterior_rows"][int(r["posterior_set"])]["params"],
        "org_role": float(trials.set_index("trial").at[int(r["trial"]), "org_role"]),
    }
    expected = simulate({**params, "events": spec["events"]}, seed=int(r["seed"]), steps=spec["steps"])
    assert r["participation_index@8"] == expected["timeseries"]["participation_index"][8]
    one = runs[runs["trial"] == r["trial"]]["participation_index@8"].to_numpy()
    assert trials.set_index("trial").at[int(r["trial"]), "participation_index@8"] == np.quantile(one, 0.25)
    # weights: only the second row can be drawn, with replacement
    (tmp_path / "fit" / "posterior.csv").write_text(
        "set,weight_social,weight\n1,0.3,0\n2,0.9,1\n3,1.2,0\n", encoding="utf-8"
    )
    weighted = read_spec(write(tmp_path, POSTERIOR.replace("posterior_sets = 2", "posterior_sets = 3")))
    assert [r["set"] for r in weighted["posterior_rows"]] == [2, 2, 2]
    assert len(cells(weighted)) == 2 * 3


def test_no_candidate_within_the_constraints_is_said_in_words(tmp_path):
    text = POSTERIOR.replace('posterior = "fit/posterior.csv"\nposterior_sets = 2\n', "") + textwrap.dedent("""
        [[optimise.constraints]]
        outcome = "participation_index"
        week = 8
        max = -1.0
        """)
    front = optimise(read_spec(write(tmp_path, text)), tmp_path / "out", workers=1, progress=False)
    assert front.empty
    trials = pd.read_parquet(tmp_path / "out" / "trials.parquet")
    assert len(trials) == 2 and not trials["feasible"].any()
    assert "No candidate met every constraint" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def _cli(capsys, *argv) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().err


BAD = [
    ("unknown lever", ("[optimise.levers]", "[optimise.levers]\nseed_fundd = [0.0, 1.0]"), "seed_fundd"),
    (
        "range outside the schema",
        ("seed_fund = {{low = 0.0, high = 16.0, step = 8.0}}", "seed_fund = [0.0, 5000.0]"),
        "seed_fund",
    ),
    ("a switch given a range", ("[optimise.levers]", "[optimise.levers]\nteam_on = [0.0, 1.0]"), "team_on"),
    ("unknown outcome", ('outcome = "pool_in_per_year"', 'outcome = "pool_in_per_decade"'), "pool_in_per_decade"),
    ("unknown sense", ('sense = "min"', 'sense = "least"'), "allowed: max, min"),
    ("a quantile outside (0, 1)", ('sense = "min"', 'sense = "min"\nstatistic = 1.5'), "quantile in (0, 1)"),
    ("unknown key", ("seeds = 2", "seeds = 2\nseedz = 3"), "seedz"),
    ("horizon after the run", ("{extra}", "steps = 20"), "after the run's end"),
    ("posterior not found", ("{extra}", 'posterior = "nowhere.csv"'), "not found"),
    ("benefit not maximised", ("{extra}", 'benefit = "money"'), "not a maximised objective"),
    ("unknown algorithm", ("{extra}", 'algorithm = "cmaes"'), "allowed: nsga2, random"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_is_one_line_before_any_work(case, tmp_path, capsys):
    _, (old, new), words = case
    assert old in KNOWN
    text = KNOWN.replace(old, new, 1).format(extra="")
    code, err = _cli(capsys, "optimise", str(write(tmp_path, text)), "--out", str(tmp_path / "out"))
    assert code == 2 and err.count("\n") == 1 and words in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_bad_posterior_files_and_flags_are_one_line(tmp_path, capsys):
    spec = write(tmp_path, POSTERIOR)
    (tmp_path / "fit").mkdir()
    for content, words in (
        ("set,weight_socal\n1,0.3\n", "weight_socal"),
        ("set,weight_social\n1,abc\n2,0.5\n", "row 2"),
        ("set,weight_social\n1,0.3\n2,-4\n", "row 3"),
        ("set,weight_social\n1,0.3\n", "has 1 sets"),
        ("set,org_role\n1,0.3\n", "also a lever"),
        ("set,weight_social,weight\n1,0.3,-1\n2,0.4,0\n", "'weight'"),
    ):
        (tmp_path / "fit" / "posterior.csv").write_text(content, encoding="utf-8")
        code, err = _cli(capsys, "optimise", str(spec), "--out", str(tmp_path / "out"))
        assert code == 2 and err.count("\n") == 1 and words in err, err
    code, err = _cli(capsys, "optimise", str(spec), "--out", str(tmp_path / "out"), "--evaluations", "0")
    assert code == 2 and "--evaluations must be >= 1" in err
    assert not (tmp_path / "out").exists()
    with pytest.raises(OptimiseError, match="'posterior_sets' needs 'posterior'"):
        read_spec(write(tmp_path, POSTERIOR.replace('posterior = "fit/posterior.csv"', "")))


def test_a_folder_of_other_files_or_another_search_is_refused_and_left_as_it_was(known, tmp_path, capsys):
    import shutil

    from tests.test_bad_input import tree_digest

    spec = write(tmp_path, KNOWN.format(extra=""))
    for extra in ("notes.txt", ".notes.tmp1"):  # this very search's folder, with a file of the user's
        shutil.copytree(known[0] / "one", tmp_path / extra)
        (tmp_path / extra / extra).write_text("mine", encoding="utf-8")
    mine, other = tmp_path / "mine", tmp_path / "other_search"
    mine.mkdir()
    (mine / "thesis.md").write_text("my own words", encoding="utf-8")
    other.mkdir()
    (other / "experiment.json").write_text('{"kind": "optimise", "digest": "another"}', encoding="utf-8")
    before = tree_digest(tmp_path)
    for folder in (mine, other, spec, tmp_path / "notes.txt", tmp_path / ".notes.tmp1"):
        code, err = _cli(capsys, "optimise", str(spec), "--out", str(folder))
        assert code == 2 and err.count("\n") == 1 and "allowed:" in err, err
    assert tree_digest(tmp_path) == before


def test_rerun_reproduces_a_search_and_refuses_a_changed_posterior(known, tmp_path, capsys):
    folder, _, _ = known
    code = cli.main(["rerun", str(folder / "one"), "--out", str(tmp_path / "again"), "--quiet"])
    assert code == 0 and "reproduced" in capsys.readouterr().out
    (tmp_path / "fit").mkdir()
    posterior = tmp_path / "fit" / "posterior.csv"
    posterior.write_text("set,weight_social,threshold_mean\n7,0.3,0.6\n8,0.9,1.4\n", encoding="utf-8")
    spec = read_spec(write(tmp_path, POSTERIOR.replace("evaluations = 2", "evaluations = 1")))
    optimise(spec, tmp_path / "fitted", workers=1, progress=False)
    posterior.write_text("set,weight_social,threshold_mean\n7,0.3,0.6\n8,0.9,1.5\n", encoding="utf-8")
    code, err = _cli(capsys, "rerun", str(tmp_path / "fitted"))
    assert code == 2 and "changed since the search" in err and err.count("\n") == 1
    assert not (tmp_path / "fitted-rerun").exists()


def test_the_knee_is_the_point_nearest_the_ideal_and_ties_stay_on_the_front():
    from experiments.optimise import knee, pareto

    spec = {"objectives": [{"name": "gain", "sense": "max"}, {"name": "cost", "sense": "min"}]}
    front = pd.DataFrame({"gain": [0.0, 0.8, 1.0], "cost": [0.0, 0.2, 1.0]})
    assert knee(spec, front) == 1  # 80% of the gain for 20% of the cost
    values = np.array([[1.0, 1.0], [1.0, 1.0], [0.5, 2.0], [0.5, 0.5]])
    assert pareto(values).tolist() == [True, True, True, False]


@pytest.mark.parametrize("name", ["policy_search.toml", "policy_search_small.toml"])
def test_the_shipped_searches_draw_from_the_calibrations_posterior_by_weight(name):
    """The experiment files in sweeps/ score candidates over the calibration's current posterior
    (docs/calibration/posterior.csv, written by run.py calibrate --write-docs), drawn by its weights."""
    root = Path(cli.__file__).parent
    spec = read_spec(root / "sweeps" / name)
    posterior = root / "docs" / "calibration" / "posterior.csv"
    assert Path(spec["posterior_file"]["path"]) == posterior
    table = pd.read_csv(posterior)
    assert len(spec["posterior_rows"]) >= 2
    for drawn in spec["posterior_rows"]:
        row = table.iloc[drawn["row"]]
        assert row["weight"] > 0 and drawn["set"] == row["set"]
        assert drawn["params"] == {c: pytest.approx(row[c]) for c in table.columns if c not in ("set", "weight")}
