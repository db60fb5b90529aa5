"""The calibration's patterns (experiments/calibration.py, docs/calibration.md), on few seeds.

The calibrated defaults must keep every pattern inside its band on a small version of the
calibration (3 seeds, 1,000 residents); a wrong parameter must be able to break a pattern, or
the patterns would not constrain anything.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import run as cli
from experiments.calibration import CALIBRATED, FILES, PATTERNS, pattern_values, run_seed
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
    "activists": "finding (docs/calibration.md): no trial met every band; at the defaults retirees and Party members "
                 "are about twice as common among activists as among residents, but not a majority",
    "fading": "finding (docs/calibration.md): after support ends the cycle's gain fades by about a tenth in two "
              "years, not the sizeable part Mansuri & Rao report; no trial that also reaches the volunteering band fades that much",
}


def test_every_pattern_has_a_source_a_band_and_a_scenario():
    for p in PATTERNS:
        assert p.source and p.measure and p.target
        assert p.low < p.high and p.tolerance > 0
        assert p.scenario in ("status_quo", "support_withdrawn")
        assert p.distance((p.low + p.high) / 2) == 0
        assert p.distance(p.high + p.tolerance) == pytest.approx(1.0)
        assert p.distance(float("nan")) > 0


def test_calibrated_parameters_are_in_the_schema_and_say_so():
    for name, (low, high) in CALIBRATED.items():
        p = PARAMS[name]
        assert p.low <= low < high <= p.high, name
        assert low <= p.default <= high, name
        assert "calibrated jointly" in p.source, name


@pytest.mark.slow
@pytest.mark.parametrize("pattern", [
    pytest.param(p.name, marks=pytest.mark.xfail(strict=True, reason=NOT_MET[p.name])) if p.name in NOT_MET
    else p.name for p in PATTERNS])
def test_calibrated_defaults_meet_the_pattern(at_defaults, pattern):
    p = next(p for p in PATTERNS if p.name == pattern)
    assert p.distance(at_defaults[pattern]) == 0, (pattern, at_defaults[pattern], (p.low, p.high))


@pytest.mark.slow
def test_the_patterns_not_met_still_point_the_right_way(rows):
    """Activists: retirees and Party members over-represented (at least 1.5 times their share of all
    residents); fading: volunteering two years after support ends is below its level when it ended."""
    mean = {k: np.mean([r[k] for r in rows]) for k in rows[0]}
    assert mean["activists"] > 1.5 * mean["retiree_or_member_share"], mean
    assert mean["after_volunteered_past_year"] < mean["cycle_volunteered_past_year"], mean
    assert mean["cycle_volunteered_past_year"] > mean["sq_volunteered_past_year"], mean


@pytest.mark.slow
def test_a_wrong_threshold_breaks_the_national_volunteering_level():
    v = values_at({"threshold_mean": 2.0})
    volunteering = next(p for p in PATTERNS if p.name == "volunteering")
    assert volunteering.distance(v["volunteering"]) > 0, v
    assert v["volunteering"] < volunteering.low


def test_calibrate_command_writes_its_folder(tmp_path):
    out = tmp_path / "cal"
    assert cli.main(["calibrate", "--trials", "2", "--seeds", "1", "--n-residents", "200", "--out", str(out),
                     "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "calibrate" and summary["trials"] == 2
    assert set(summary["defaults"]) == set(CALIBRATED)
    assert np.isfinite(summary["prediction"]["participation_index"]["mean"])
    # an earlier calibration may be replaced; a folder of someone else's files may not
    assert cli.main(["calibrate", "--trials", "1", "--seeds", "1", "--n-residents", "200", "--out", str(out),
                     "--quiet"]) == 0
    (out / "mine.txt").write_text("mine")
    assert cli.main(["calibrate", "--trials", "1", "--out", str(out), "--quiet"]) == 2
    assert (out / "mine.txt").read_text() == "mine"


@pytest.mark.slow
def test_the_study_does_not_depend_on_the_number_of_workers(tmp_path):
    """The sampler is asked in fixed batches and told in trial order: 1 or 2 processes, same trials."""
    tables = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        assert cli.main(["calibrate", "--trials", "5", "--seeds", "1", "--n-residents", "200", "--workers",
                         str(workers), "--out", str(out), "--quiet"]) == 0
        tables.append((out / "trials.csv").read_text())
    assert tables[0] == tables[1]
