"""The calibration (experiments/calibration.py, docs/calibration.md): its patterns, its ABC-SMC, on few seeds.

The calibrated defaults must keep every pattern the calibration met inside its band on a small
version of the calibration (3 seeds, 1,000 residents); a wrong parameter must be able to break a
pattern, or the patterns would not constrain anything. The ABC itself is checked small: the same
result with 1 or 2 processes, and after a kill between generations.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import run as cli
from experiments import calibration
from experiments.calibration import (
    CALIBRATED,
    FILES,
    HELD_OUT,
    PATTERN_NAMES,
    PATTERNS,
    Settings,
    pattern_values,
    persistence,
    run_seed,
)
from model.params import PARAMS

SEEDS = (101, 102, 103)
N = 1000


def values_at(overrides: dict) -> dict[str, float]:
    return pattern_values([run_seed((overrides, s, N)) for s in SEEDS])


@pytest.fixture(scope="module")
def rows() -> list[dict[str, float]]:
    return [run_seed(({}, s, N)) for s in SEEDS]


@pytest.fixture(scope="module")
def at_defaults(rows) -> dict[str, float]:
    return pattern_values(rows)


NOT_MET = {
    "civic_core": "finding (docs/calibration.md): the held-out pattern; at the defaults taking part is less "
    "concentrated in a civic core than Mohan & Bulloch report",
    "fading": "finding (docs/calibration.md): predicted, not fitted; after support ends the cycle's gain does not "
    "fade by the sizeable part Mansuri & Rao report",
}


def test_every_pattern_has_a_source_a_band_and_a_scenario():
    for p in PATTERNS:
        assert p.source and p.measure and p.target
        assert p.low < p.high and p.tolerance > 0
        assert p.scenario in ("status_quo", "support_withdrawn")
        assert p.distance((p.low + p.high) / 2) == 0
        assert p.distance(p.high + p.tolerance) == pytest.approx(1.0)
        assert p.distance(float("nan")) > 0
        assert "CONCEPT" not in p.source and ".md" not in p.source  # cited by author and year, not by a path
    assert HELD_OUT in {p.name for p in PATTERNS}


def test_calibrated_parameters_are_in_the_schema_and_say_so():
    for name, (low, high) in CALIBRATED.items():
        p = PARAMS[name]
        assert p.low <= low < high <= p.high, name
        assert low <= p.default <= high, name
        assert "calibrated jointly" in p.source, name


def test_persistence_of_a_known_history():
    """Three adults over the 104 watched weeks (row 0: the week before): one always volunteering (its
    spell is cut by both ends of the watch: not completed), one volunteering in weeks 10-29 and
    60-64 (spells of 20 and 5 weeks), one never."""
    h = np.zeros((105, 3), dtype=np.int8)
    h[:, 0] = 4
    h[10:30, 1] = 4
    h[60:65, 1] = 4
    h[40:50, 2] = 2  # a spell on another rung: a change of rung, but no volunteering
    v = persistence(h, 4)
    assert v["rung_changes"] == pytest.approx(6 / (104 * 3))
    assert v["retention"] == 1.0  # both year-1 volunteers volunteer in year 2
    # year 1: adult 0 in 13 blocks (regular), adult 1 in blocks 2-7 (6); year 2: adult 0 regular, adult 1 in 2
    assert v["regular"] == pytest.approx(2 / 4)
    assert v["spell"] == pytest.approx(12.5)  # the median of 20 and 5
    h[100:, 1] = 4  # a spell still running at the end is not completed; nor one running from before the watch
    h[:3, 2] = 4
    assert persistence(h, 4)["spell"] == pytest.approx(12.5)
    h[:, :] = 0
    h[30, 0] = 4
    v = persistence(h, 4)
    assert v["retention"] == 0.0 and v["spell"] == 1.0  # the one year-1 volunteer does not come back; a 1-week spell
    h[30, 0] = 0
    assert np.isnan(persistence(h, 4)["retention"])  # no volunteer at all: nothing to measure


@pytest.mark.slow
@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param(p.name, marks=pytest.mark.xfail(strict=True, reason=NOT_MET[p.name]))
        if p.name in NOT_MET
        else p.name
        for p in PATTERNS
    ],
)
def test_calibrated_defaults_meet_the_pattern(at_defaults, pattern):
    p = next(p for p in PATTERNS if p.name == pattern)
    assert p.distance(at_defaults[pattern]) == 0, (pattern, at_defaults[pattern], (p.low, p.high))


@pytest.mark.slow
def test_the_patterns_not_met_still_point_the_right_way(rows):
    """Activists: retirees and Party members over-represented (at least 1.5 times their share of all
    adults); the full cycle raises volunteering above the status quo."""
    mean = {k: np.mean([r[k] for r in rows]) for k in rows[0]}
    assert mean["activists"] > 1.5 * mean["retiree_or_member_share"], mean
    assert mean["cycle_volunteered_past_year"] > mean["sq_volunteered_past_year"], mean


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="finding (docs/calibration.md): at the calibrated defaults the "
    "cycle's gain does not fade in the two years after support is withdrawn",
)
def test_the_gain_fades_after_support_is_withdrawn(rows):
    """Fading: volunteering two years after support ends is below its level when it ended."""
    mean = {k: np.mean([r[k] for r in rows]) for k in rows[0]}
    assert mean["after_volunteered_past_year"] < mean["cycle_volunteered_past_year"], mean


@pytest.mark.slow
def test_a_wrong_threshold_breaks_the_national_volunteering_level():
    v = values_at({"threshold_mean": 4.0})  # twice the calibrated default
    volunteering = next(p for p in PATTERNS if p.name == "volunteering")
    assert volunteering.distance(v["volunteering"]) > 0, v
    assert v["volunteering"] < volunteering.low


SMALL = ["--particles", "4", "--generations", "2", "--n-residents", "200", "--quiet"]


def test_calibrate_command_writes_its_folder(tmp_path):
    out = tmp_path / "cal"
    assert cli.main(["calibrate", *SMALL, "--workers", "1", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {*FILES, "gen-000.csv", "gen-001.csv"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "calibrate" and summary["settings"]["particles"] == 4
    assert set(summary["defaults"]) == set(CALIBRATED)
    assert np.isfinite(summary["prediction"]["participation_index"]["mean"])
    post = pd.read_csv(out / "posterior.csv")
    assert list(post.columns) == ["set", "weight", *CALIBRATED]  # the format the policy search reads
    # --method mcmc (the default): the whole last population, every particle weighing the same
    assert summary["settings"]["method"] == "mcmc"
    # every generation's population, in part, on fresh seeds: where the fit stops carrying over
    gens = pd.read_csv(out / "generations.csv")
    assert list(gens["checked"]) == [2, 4] and np.isfinite(gens[["checked_fit_loss", "checked_fresh_loss"]]).all().all()
    assert "loss of some of its particles" in calibration.report(summary)
    assert list(post["set"]) == [0, 1, 2, 3] and np.allclose(post["weight"], 0.25)
    for k, (low, high) in CALIBRATED.items():
        assert post[k].between(low, high).all(), k
    # an earlier calibration may be replaced; a folder of someone else's files may not
    assert (
        cli.main(["calibrate", *SMALL, "--particles", "5", "--generations", "1", "--workers", "1", "--out", str(out)])
        == 0
    )
    assert not (out / "gen-001.csv").exists()
    (out / "mine.txt").write_text("mine")
    assert cli.main(["calibrate", *SMALL, "--out", str(out)]) == 2
    assert (out / "mine.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--particles", "3"], "--particles must be >= 4, got 3"),
        (["--generations", "0"], "--generations must be >= 1, got 0"),
        (["--trials", "3", "--particles", "4"], "--trials must be >= --particles"),
        (["--workers", "0"], "--workers must be >= 1, got 0"),
        (["--search-starts", "-1"], "--search-starts must be >= 0, got -1"),
        (["--mcmc-steps", "0"], "--mcmc-steps must be >= 1, got 0"),
        (["--fresh-limit", "0.9"], "--fresh-limit must be a number >= 1 (fresh loss / own loss), got 0.9"),
        (["--fresh-limit", "nan"], "--fresh-limit must be a number >= 1"),
        (["--mcmc-steps", "2000", "--particles", "400", "--seeds", "2"], "--mcmc-steps x --particles x --seeds"),
    ],
)
def test_bad_flags_are_one_line_before_any_work(flags, message, tmp_path, capsys):
    out = tmp_path / "cal"
    assert cli.main(["calibrate", *flags, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def _files(folder):
    """The generations (without their wall time, the one column chance of the machine decides) and the posterior."""
    out = {p.name: pd.read_csv(p).drop(columns="seconds").to_csv(index=False) for p in folder.glob("gen-*.csv")}
    return (
        {**out, "posterior.csv": (folder / "posterior.csv").read_text()} if (folder / "posterior.csv").exists() else out
    )


@pytest.mark.slow
def test_the_abc_is_the_same_with_1_or_2_workers_and_after_a_kill(tmp_path, monkeypatch):
    """Every particle of a generation is drawn before any is run and each generation is read back from
    its file: 1 or 2 processes give the same generations and posterior, and so does a run killed in
    its second generation and started again (it resumes from gen-000.csv, not from scratch)."""
    settings = Settings(particles=4, generations=2, n_residents=200)
    one, two, killed = tmp_path / "one", tmp_path / "two", tmp_path / "killed"
    calibration.calibrate(settings, one, workers=1, progress=False)
    calibration.calibrate(settings, two, workers=2, progress=False)
    assert _files(one) == _files(two)

    real = calibration.run_generation

    def killed_in_generation_1(g, *args, **kwargs):
        if g == 1:
            raise KeyboardInterrupt
        return real(g, *args, **kwargs)

    monkeypatch.setattr(calibration, "run_generation", killed_in_generation_1)
    with pytest.raises(KeyboardInterrupt):
        calibration.calibrate(settings, killed, workers=1, progress=False)
    assert {p.name for p in killed.iterdir()} == {"abc.json", "gen-000.csv"}
    # other settings may not take over an unfinished calibration
    assert (
        cli.main(
            [
                "calibrate",
                "--particles",
                "5",
                "--generations",
                "2",
                "--n-residents",
                "200",
                "--quiet",
                "--out",
                str(killed),
            ]
        )
        == 2
    )
    monkeypatch.setattr(calibration, "run_generation", real)
    ran = []
    monkeypatch.setattr(calibration, "run_generation", lambda g, *a, **k: ran.append(g) or real(g, *a, **k))
    summary = calibration.calibrate(settings, killed, workers=1, progress=False)
    assert ran == [1] and summary["resumed"]
    assert _files(killed) == _files(one)


@pytest.mark.slow
def test_smc_around_a_search_starts_from_the_defaults_and_weights_by_the_prior(tmp_path):
    """--search N: a (1 + width) local search from the current defaults, on common seeds, whose best
    sets generation 0 is drawn around; the search is the same with 1 or 2 processes, its trail never
    gets worse, generation 0 carries prior / proposal weights (not all equal, unlike a prior draw),
    and the report says the SMC started around a search."""
    settings = Settings(particles=4, generations=1, n_residents=150, search=2, search_width=2)
    one, two = tmp_path / "one", tmp_path / "two"
    s = calibration.calibrate(settings, one, workers=1, progress=False)
    calibration.calibrate(settings, two, workers=2, progress=False)
    trail = pd.read_csv(one / "search.csv")
    assert (one / "search.csv").read_text() == (two / "search.csv").read_text()
    assert len(trail) == 1 + 2 * 2 and set(trail["seed"]) == {calibration.SEARCH_SEED0}
    start = trail.iloc[0]
    for k, v in calibration.search_start().items():
        assert start[k] == pytest.approx(v)
    best = trail.loc[trail["chosen"], "distance"].to_numpy()
    assert (np.diff(best) <= 0).all()
    gen0 = pd.read_csv(one / "gen-000.csv")
    assert np.isfinite(gen0["log_weight"]).all() and gen0["log_weight"].nunique() > 1
    assert s["search"]["best_distance"] == trail["distance"].min()
    assert "SMC around a search" in calibration.report(s)
    # the defaults: whichever of the posterior's point and the search's best set fits the fresh
    # choice seeds better, and the report says which
    c = s["defaults_choice"]
    other = "posterior" if c["chosen"] == "search" else "search"
    assert c["loss"][c["chosen"]] <= c["loss"][other]
    assert s["defaults"] == c["candidates"][c["chosen"]]
    best_row = trail.sort_values("distance", kind="stable").iloc[0]
    assert c["candidates"]["search"] == calibration.rounded({k: float(best_row[k]) for k in calibration.NAMES})
    assert "the new defaults are **" in calibration.report(s)
    assert Settings(particles=4, search=2).digest() != Settings(particles=4).digest()


def test_the_fit_leaves_out_the_held_out_and_the_predicted_patterns():
    """The distance is the fitted patterns' only: a value far outside the held-out or a predicted
    pattern's band changes the loss of every pattern, not the fit's distance; a fitted one changes both."""
    inside = {p.name: (p.low + p.high) / 2 for p in PATTERNS}
    assert calibration.PREDICTED and set(calibration.PREDICTED) <= set(PATTERN_NAMES)
    for name in (HELD_OUT, *calibration.PREDICTED, "spell"):
        p = next(q for q in PATTERNS if q.name == name)
        values = {**inside, name: p.high + 3 * p.tolerance}
        assert calibration.loss(values) == pytest.approx(3.0)
        fitted = calibration.loss(values, HELD_OUT)
        assert fitted == (pytest.approx(3.0) if name == "spell" else 0.0), name


@pytest.mark.slow
def test_a_multi_start_search_begins_at_the_best_of_the_defaults_and_prior_draws(tmp_path):
    """--search-starts K: the search's first row is the defaults, the next K are drawn inside the
    prior (the same with 1 or 2 processes), and the trail moves from the best of those K + 1."""
    settings = Settings(particles=4, generations=1, n_residents=150, search=1, search_width=2, search_starts=3)
    ticker = SimpleNamespace(update=lambda n: None)
    trail = calibration.local_search(settings, 1, None, ticker)
    again = calibration.local_search(settings, 2, None, ticker)
    assert trail.to_csv(index=False) == again.to_csv(index=False)
    starts = trail[trail["iteration"] == -1]
    assert len(starts) == 4 and len(trail) == 4 + 2
    for k, (low, high) in CALIBRATED.items():
        assert starts[k].iloc[0] == pytest.approx(calibration.search_start()[k])
        assert starts[k].between(low, high).all() and starts[k].nunique() > 1
    first = starts.iloc[int(np.argmin(starts["distance"].to_numpy()))]
    assert first["chosen"]
    moved = trail[trail["iteration"] == 0]
    # every candidate of the first iteration is a step from that best start: at most three parameters differ
    for _, row in moved.iterrows():
        assert 1 <= sum(row[k] != first[k] for k in CALIBRATED) <= 3
    assert Settings(particles=4, search=2, search_starts=3).digest() != Settings(particles=4, search=2).digest()


def test_every_generation_is_checked_on_the_same_fresh_seeds(monkeypatch):
    """The check by generation runs up to GENERATION_CHECK particles of each population, evenly
    spaced, on the fresh check's seeds: the same seeds for every generation, so generations differ
    by their particles; its fit loss is those particles' own distance, weighted."""
    seen = []

    def fake_check(sample, settings, workers=None, client=None, ticker=None, seed0=calibration.FRESH_SEED0):
        seen.append(list(sample["particle"]))
        return pd.DataFrame({"distance": sample["distance"] * 2})

    monkeypatch.setattr(calibration, "fresh_check", fake_check)
    monkeypatch.setattr(calibration, "GENERATION_CHECK", 3)
    gens = []
    for g in range(2):
        pool = pd.DataFrame(
            {"particle": [f"{g}:{i}" for i in range(7)], "distance": np.arange(7.0) + g, "weight": 1 / 5}
        )
        pool["kept"] = [True, True, False, True, True, True, False]
        gens.append(pool)
    table = calibration.fresh_by_generation(gens, Settings(particles=4))
    assert seen == [["0:0", "0:3", "0:5"], ["1:0", "1:3", "1:5"]]
    assert list(table["checked"]) == [3, 3]
    assert table.at[1, "fit_loss"] == pytest.approx((1 + 4 + 6) / 3) and table.at[1, "fresh_loss"] == pytest.approx(
        2 * (1 + 4 + 6) / 3
    )


def test_the_fresh_check_gives_each_particle_as_many_seeds_as_the_fit(monkeypatch):
    """The out-of-sample loss is compared with the fit's, a mean over ``seeds`` seeds: each posterior
    particle gets that many fresh seeds of its own (never shared), and its values are their means."""
    seen = []

    def fake_seed(job):
        params, seed, community = job
        seen.append(seed)
        base = {name: float(seed % 7) for name in PATTERN_NAMES if name != "fading"}
        withdrawn = {"cycle_volunteered_past_year": 0.5, "sq_volunteered_past_year": 0.2}
        return {"seed": seed, **base, **withdrawn, "after_volunteered_past_year": 0.4}

    monkeypatch.setattr(calibration, "run_seed", fake_seed)
    post = pd.DataFrame([{k: (lo + hi) / 2 for k, (lo, hi) in CALIBRATED.items()}] * 3)
    fresh = calibration.fresh_check(post, Settings(particles=4, seeds=2, n_residents=150), workers=1)
    base = calibration.FRESH_SEED0
    assert sorted(seen) == list(range(base, base + 6)) and len(set(seen)) == 6
    assert list(fresh["seed"]) == [base, base + 2, base + 4] and list(fresh["last_seed"]) == [
        base + 1,
        base + 3,
        base + 5,
    ]
    assert fresh.at[1, "spell"] == pytest.approx(((base + 2) % 7 + (base + 3) % 7) / 2)


def test_set_holds_a_parameter_that_is_not_calibrated_in_every_run(tmp_path, monkeypatch, capsys):
    """calibrate --set NAME=VALUE: every model the calibration builds has the value (the fit, the fresh
    check, the defaults' fit and the prediction), it is part of the digest (a folder calibrated
    without it is not resumed with it), and a calibrated name, n_residents or an unknown name is one line, exit 2."""
    built = []
    real = calibration.RedCycleModel

    def recording(*args, **kwargs):
        built.append(kwargs.get("org_role"))
        return real(*args, **kwargs)

    monkeypatch.setattr(calibration, "RedCycleModel", recording)
    out = tmp_path / "cal"
    assert (
        cli.main(
            [
                "calibrate",
                "--particles",
                "4",
                "--generations",
                "1",
                "--n-residents",
                "150",
                "--quiet",
                "--workers",
                "1",
                "--set",
                "org_role=0.35",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert built and set(built) == {0.35}
    s = json.loads((out / "summary.json").read_text())
    assert s["settings"]["fixed"] == [["org_role", 0.35]]
    assert Settings(particles=4, fixed=(("org_role", 0.35),)).digest() != Settings(particles=4).digest()
    for flags, message in (
        (["--set", "slip_rate=0.1"], "it is calibrated"),
        (["--set", "n_residents=300"], "use --n-residents"),
        (["--set", "org_rol=0.3"], "unknown parameter 'org_rol'"),
        (["--set", "org_role=7"], "out of range"),
    ):
        bad = tmp_path / "bad"
        assert cli.main(["calibrate", *flags, "--out", str(bad)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and not bad.exists()


def _fake_simulate(distance_of):
    """A stand-in for the model's runs: each point's distance is ``distance_of(point)``."""

    def simulate(points, seeds, settings, workers, client, ticker):
        out = []
        for point in points:
            d = float(distance_of(point))
            out.append({**{name: 0.0 for name in PATTERN_NAMES}, "distance": d, "loss_all": d})
        return out

    return simulate


def _population(settings: Settings, distance_of) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(settings.particles):
        point = calibration.to_params(rng.random(len(calibration.NAMES)))
        d = float(distance_of(point))
        rows.append({"generation": 0, "particle": f"0:{i}", "seed": i, **point, "distance": d, "loss_all": d})
    pool = pd.DataFrame(rows)
    pool["kept"] = True
    pool["weight"] = 1.0 / len(pool)
    pool["acceptance"] = 1.0
    return pool


def _off_centre(point):
    """A distance that is 0 at the prior's centre and grows with the squared distance from it."""
    return sum(((point[k] - (lo + hi) / 2) / (hi - lo)) ** 2 for k, (lo, hi) in CALIBRATED.items())


def test_mcmc_moves_keep_every_particle_under_epsilon_with_equal_weights(monkeypatch):
    """--method mcmc (Drovandi & Pettitt 2011): the best half survives and sets epsilon; each of the
    others is a resampled survivor moved by Metropolis-Hastings steps that are accepted only inside
    the prior and at distance <= epsilon. The new population weighs equally, every particle is
    under epsilon, each moved particle is the last accepted move of its chain, and every rejected
    move was over epsilon."""
    monkeypatch.setattr(calibration, "simulate", _fake_simulate(_off_centre))
    settings = Settings(particles=40, n_residents=150, method="mcmc", mcmc_steps=4)
    before = _population(settings, _off_centre)
    ticker = SimpleNamespace(update=lambda n: None)
    pool = calibration.run_mcmc_generation(1, before, settings, 1, None, ticker)
    population, trials = pool[pool["kept"]], pool[~pool["kept"]]
    epsilon = float(np.sort(before["distance"])[settings.kept - 1])
    assert (pool["epsilon"] == epsilon).all()
    assert len(population) == settings.particles and np.allclose(population["weight"], 1 / settings.particles)
    assert (population["distance"] <= epsilon).all()
    survivors = population.iloc[: settings.kept]
    assert set(survivors["particle"]) == set(before.nsmallest(settings.kept, "distance")["particle"])
    assert trials["simulated"].all() and not population["simulated"].any()
    accepted = trials["distance"] <= epsilon
    assert 0 < accepted.sum() < len(trials)  # some moves taken, some refused: the test could fail either way
    moved = population[population["moved"]]
    assert len(moved) > 0 and set(moved["particle"]) <= set(trials.loc[accepted, "particle"])
    resampled = population.iloc[settings.kept :]
    stayed = resampled[~resampled["moved"]]
    assert len(stayed) > 0 and set(stayed["particle"]) <= set(survivors["particle"])  # still a survivor's copy
    # four steps at most (the first MCMC generation makes the most), each particle's chain in order
    assert pool["moves"].iloc[0] == 4 and trials["particle"].str.split(":").str[1].astype(int).max() == 3
    assert calibration.ess(population["weight"], population) < settings.particles  # copies count once
    assert calibration.distinct(population) < settings.particles


def test_a_parameter_every_survivor_shares_still_moves(monkeypatch):
    """A population whose particles all share one parameter's value (as the search's kept sets all
    kept ``slip_rate`` at its default) has zero variance there; the spread floor lets the random walk
    and generation 0's proposal move it anyway. Without the floor (its null twin) nothing can: the
    posterior would report the parameter pinned to one value, an artefact, not identification."""
    monkeypatch.setattr(calibration, "simulate", _fake_simulate(_off_centre))
    settings = Settings(particles=40, n_residents=150, method="mcmc", mcmc_steps=4)
    before = _population(settings, _off_centre)
    before["slip_rate"] = 0.0086
    rng = np.random.default_rng(3)
    ticker = SimpleNamespace(update=lambda n: None)

    def spread(floor):
        monkeypatch.setattr(calibration, "MIN_SPREAD", floor)
        pool = calibration.run_mcmc_generation(1, before, settings, 1, None, ticker)
        walked = np.ptp(pool.loc[pool["kept"], "slip_rate"]) / (CALIBRATED["slip_rate"][1] - CALIBRATED["slip_rate"][0])
        proposed, _ = calibration.propose(before, 30, rng)
        return walked, np.std(proposed[:, calibration.NAMES.index("slip_rate")])

    walked, proposal_sd = spread(calibration.MIN_SPREAD)
    assert (
        walked > calibration.MIN_SPREAD and proposal_sd > calibration.MIN_SPREAD / 2
    )  # truncated at the prior's bound near 0.0086
    walked, proposal_sd = spread(0.0)
    assert walked < 1e-4 and proposal_sd < 1e-4  # in prior widths


def test_mcmc_moves_refuse_every_move_over_epsilon(monkeypatch):
    """The alternative outcome is reachable: when every move lands over epsilon, nothing moves, the
    population is the survivors and their copies, and the acceptance is 0."""
    settings = Settings(particles=20, n_residents=150, method="mcmc", mcmc_steps=3)
    before = _population(settings, _off_centre)
    monkeypatch.setattr(calibration, "simulate", _fake_simulate(lambda point: 99.0))
    pool = calibration.run_mcmc_generation(1, before, settings, 1, None, SimpleNamespace(update=lambda n: None))
    population = pool[pool["kept"]]
    assert not population["moved"].any() and pool["acceptance"].iloc[0] == 0.0
    assert calibration.distinct(population) <= settings.kept


def test_the_number_of_mcmc_moves_follows_the_last_acceptance():
    """R = ceil(log 0.01 / log(1 - acceptance)) moves, at least 1, at most --mcmc-steps."""
    s = Settings(method="mcmc", mcmc_steps=30)
    assert calibration.mcmc_moves(s, 0.5) == 7
    assert calibration.mcmc_moves(s, 0.1) == 30 and calibration.mcmc_moves(s, 0.0) == 30
    assert calibration.mcmc_moves(s, 0.99) == 1 and calibration.mcmc_moves(s, 1.0) == 1
    assert Settings(method="mcmc").digest() != Settings().digest()
    assert Settings(method="mcmc", mcmc_steps=6).digest() != Settings(method="mcmc").digest()


@pytest.mark.slow
def test_the_mcmc_abc_is_the_same_with_1_or_2_workers_and_after_a_kill(tmp_path, monkeypatch):
    """--method mcmc draws every move of a step before any is run and saves each generation whole:
    1 or 2 processes give the same generations, and a run killed in generation 1 resumes there."""
    settings = Settings(particles=4, generations=2, n_residents=150, method="mcmc", mcmc_steps=2)
    one, two, killed = tmp_path / "one", tmp_path / "two", tmp_path / "killed"
    s = calibration.calibrate(settings, one, workers=1, progress=False)
    calibration.calibrate(settings, two, workers=2, progress=False)
    assert _files(one) == _files(two)
    assert s["method"].startswith("ABC-SMC with MCMC moves") and s["distinct"] <= s["n_posterior"] == 4
    assert s["simulated"] == len(pd.read_csv(one / "trials.csv"))
    real = calibration.run_mcmc_generation

    def killed_in_generation_1(g, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(calibration, "run_mcmc_generation", killed_in_generation_1)
    with pytest.raises(KeyboardInterrupt):
        calibration.calibrate(settings, killed, workers=1, progress=False)
    assert {p.name for p in killed.iterdir()} == {"abc.json", "gen-000.csv"}
    monkeypatch.setattr(calibration, "run_mcmc_generation", real)
    assert calibration.calibrate(settings, killed, workers=1, progress=False)["resumed"]
    assert _files(killed) == _files(one)


@pytest.mark.parametrize(
    "losses, chosen",
    [
        ((0.2, 0.4, 0.9), "current"),
        ((0.5, 0.3, 0.9), "posterior"),
        ((0.5, 0.3, 0.1), "search"),
        ((0.3, 0.3, 0.3), "current"),
    ],
)
def test_the_defaults_stay_unless_a_candidate_fits_fresh_seeds_better(monkeypatch, losses, chosen):
    """The new defaults are whichever of the defaults before the calibration, the posterior's point and
    the search's best set has the smallest loss on the common fresh seeds (ties: in that order), so a
    calibration never replaces the defaults by a set that fits worse; the report names the choice."""
    monkeypatch.setattr(calibration, "evaluate_many", lambda sets, *a, **k: list(losses[: len(sets)]))
    monkeypatch.setattr(calibration, "pattern_values", lambda value: value)
    monkeypatch.setattr(calibration, "loss", lambda value, held_out=None: value)
    middle = {k: (lo + hi) / 2 for k, (lo, hi) in CALIBRATED.items()}
    search = pd.DataFrame([{**middle, "distance": 0.0}])
    defaults, choice = calibration.choose_defaults({**middle}, search, Settings(particles=4, search=1))
    assert choice["chosen"] == chosen and defaults == choice["candidates"][chosen]
    assert choice["candidates"]["current"] == calibration.search_start()
    said = calibration.choice_sentence({"defaults_choice": choice})
    assert "the new defaults are **" in said and said.count(" at ") == 3


def test_a_posterior_piles_at_a_bound_only_where_the_bound_cuts_it_off():
    """At a bound: the median in the prior's outer tenth and the tail reaching the bound. A narrow
    posterior near a bound of a wide prior that ends well before it (slip_rate 0.007-0.0097 in a
    prior from 0.001) does not pile there; one whose tail touches the bound does, either side."""
    assert calibration.piles_at(0.001, 0.3, 0.007, 0.0082, 0.0097) == (False, False)
    assert calibration.piles_at(0.001, 0.3, 0.001, 0.001, 0.00102) == (True, False)
    assert calibration.piles_at(0.05, 1.5, 1.27, 1.39, 1.48) == (False, True)
    assert calibration.piles_at(0.0, 1.0, 0.2, 0.5, 0.8) == (False, False)


def test_the_calibration_page_is_the_report_of_its_stored_summary():
    """docs/calibration.md is generated, never edited: it is exactly the report of the summary kept
    beside it (docs/calibration/summary.json), so every figure on it comes from that run."""
    summary = json.loads((calibration.RESULT / "summary.json").read_text(encoding="utf-8"))
    assert calibration.DOCS.read_text(encoding="utf-8") == calibration.report(summary), (
        "docs/calibration.md is stale: run `uv run python -m experiments.calibration RESULTS_DIR`"
    )
    # the defaults the page names are the model's defaults
    assert {k: PARAMS[k].default for k in summary["defaults"]} == summary["defaults"]


def test_the_defaults_candidates_are_compared_on_seeds_fresh_to_each_calibration(monkeypatch):
    """The seeds that decide between the defaults before a calibration, its posterior's point and its
    search's best are not those the defaults before it were chosen on: a calibration that starts from
    other defaults compares on other seeds, and none is a seed of the fit or the out-of-sample check."""
    settings = calibration.Settings(particles=150, seeds=4, n_residents=2000, search=20, search_width=6)
    first = calibration.choice_seeds(settings)
    assert len(first) == calibration.CHOICE_SEEDS == len(set(first))
    moved = {**calibration.search_start(), "threshold_mean": calibration.search_start()["threshold_mean"] + 0.1}
    monkeypatch.setattr(calibration, "search_start", lambda: moved)
    second = calibration.choice_seeds(settings)
    assert not set(first) & set(second)
    for seeds in (first, second):
        assert max(seeds) < calibration.FRESH_SEED0 and min(seeds) >= calibration.CHOICE_SEED0


def test_a_population_s_widths_count_what_it_pins_down():
    """width_ratios: a parameter spread over its whole prior has width about 1; one every particle
    shares, 0; width_summary counts the second as identified and not the first."""
    rng = np.random.default_rng(5)
    unit = np.full((400, len(calibration.NAMES)), 0.5)
    unit[:, 0] = rng.random(400)
    pop = pd.DataFrame([calibration.to_params(x) for x in unit])
    pop["weight"] = 1.0 / len(pop)
    widths = calibration.width_ratios(pop)
    first = calibration.NAMES[0]
    assert 0.9 < widths[first] < 1.1 and all(v == 0 for k, v in widths.items() if k != first)
    assert calibration.width_summary(pop) == {"median_width": 0.0, "identified": len(calibration.NAMES) - 1}


def _noisy(base, noise_scale):
    """A fake fit and a fake fresh check that share one distance: ``base(point)`` plus chance that
    depends only on the seed (an exponential draw of mean ``noise_scale``)."""

    def chance(seed: int) -> float:
        return float(np.random.default_rng(seed).exponential(noise_scale)) if noise_scale else 0.0

    def simulate(points, seeds, settings, workers, client, ticker):
        return [
            {**dict.fromkeys(PATTERN_NAMES, 0.0), "distance": base(p) + chance(s[0]), "loss_all": 0.0}
            for p, s in zip(points, seeds, strict=True)
        ]

    def fresh_check(post, settings, workers=None, client=None, ticker=None, seed0=calibration.FRESH_SEED0):
        return pd.DataFrame(
            [
                {"set": i, "distance": base(dict(r)) + chance(seed0 + i * settings.seeds)}
                for i, (_, r) in enumerate(post[calibration.NAMES].iterrows())
            ]
        )

    return simulate, fresh_check


@pytest.mark.parametrize("noise", [1.0, 0.0], ids=["chance-only", "null-twin-no-chance"])
def test_the_fit_stops_where_its_generations_select_on_chance(tmp_path, monkeypatch, noise):
    """--fresh-limit: where the distance is mostly chance, each generation's survivors are the lucky
    seeds: their loss on the monitor seeds passes 1.25 times their own, the fit stops there and the
    posterior is the generation before. Its null twin, the same fit with no chance in the distance,
    runs every generation and keeps the last."""
    simulate, fresh = _noisy(lambda point: 0.1 * _off_centre(point), noise)
    monkeypatch.setattr(calibration, "simulate", simulate)
    monkeypatch.setattr(calibration, "fresh_check", fresh)
    settings = Settings(particles=24, generations=4, n_residents=150, method="mcmc", mcmc_steps=2, fresh_limit=1.25)
    assert settings.digest() == Settings(**{**settings.__dict__, "fresh_limit": None}).digest()  # when, not what
    tmp_path.joinpath("abc.json").write_text("{}")
    generations, reason, chosen = calibration.abc(settings, tmp_path, workers=1, progress=False)
    watched = sorted(p.name for p in tmp_path.glob("mon-*.csv"))
    if noise:
        assert chosen == len(generations) - 2 and "may pass 1.25 times" in reason
        assert calibration.read_monitor(tmp_path, len(generations) - 1)["bound"] > 1.25
    else:
        assert chosen == len(generations) - 1 == 3 and "generations" in reason
        assert watched == ["mon-001.csv", "mon-002.csv", "mon-003.csv"]
    assert calibration.abc(settings, tmp_path, workers=1, progress=False)[1:] == (reason, chosen)  # read back


def test_the_monitor_stops_where_its_sample_cannot_show_the_fit_is_within_the_limit():
    """--fresh-limit judges a generation by the ratio's bootstrapped upper bound over the particles it
    monitored, not by the ratio itself: 50 particles whose ratio is 1.20 but who disagree widely
    cannot show that all of them would be within 1.25. Its twin, the same ratio with particles that
    agree, can. A generation that fits as well on fresh seeds as on its own is never stopped."""
    own = np.ones(50)
    spread = pd.DataFrame({"weight": 1.0, "fit_loss": own, "fresh_loss": np.tile([0.4, 2.0], 25)})
    agree = spread.assign(fresh_loss=1.2)
    assert spread["fresh_loss"].mean() == pytest.approx(1.2) and calibration.ratio_bound(spread) > 1.25
    assert calibration.ratio_bound(agree) == pytest.approx(1.2)
    assert calibration.ratio_bound(spread, seed=3) == calibration.ratio_bound(spread, seed=3)  # a fixed stream
    assert calibration.ratio_bound(spread.assign(fit_loss=0.0, fresh_loss=0.0)) == 1.0
    assert calibration.ratio_bound(spread.assign(fit_loss=0.0)) == float("inf")


def test_a_miss_at_the_defaults_is_read_against_the_chance_in_its_seeds():
    """The report says whether a pattern missed at the defaults is missed by less than twice the
    standard error of a mean over the fit's seeds (chance could have met it) or by more. The same
    miss with a tight spread over seeds is a miss beyond chance; no spread on record, no clause."""
    near = {"low": 0.22, "high": 0.38, "value": 0.2195, "distance": 0.00625, "seed_se": 0.004}
    assert "chance could have met it" in calibration.noise_clause(near)
    assert "missed by 0.0005" in calibration.noise_clause(near)  # the pattern's units, not the tolerance's
    tight = {**near, "seed_se": 0.0001}
    assert "more than twice" in calibration.noise_clause(tight)
    above = {**near, "value": 0.40, "seed_se": 0.004}
    assert "more than twice" in calibration.noise_clause(above)
    assert calibration.noise_clause({**near, "seed_se": float("nan")}) == ""


def test_the_stopping_figure_is_drawn_where_the_fit_watched_its_generations(tmp_path):
    """docs/calibration/stopping.png: drawn from the stored summary of a fit run with --fresh-limit
    (its generations carry the monitor's losses), not for a fit without one."""
    import json

    summary = json.loads((calibration.RESULT / "summary.json").read_text(encoding="utf-8"))
    assert calibration.was_watched(summary)
    calibration.stopping_plot(summary, tmp_path / "stopping.png")
    assert (tmp_path / "stopping.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    unwatched = {
        **summary,
        "generations": [{k: v for k, v in g.items() if not k.startswith("monitor")} for g in summary["generations"]],
    }
    assert not calibration.was_watched(unwatched)
