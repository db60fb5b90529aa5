"""No integer cliffs (issue 15, point 4): counts that scale with the community are made whole
without jumps in any capacity per resident (model/counts.py, docs/ODD.md 7.14)."""

import numpy as np
import pytest

from model import RedCycleModel, load_scenario
from model.counts import COUNTS, expected_count, unit_weights, whole
from model.outreach import organisation_capacity
from model.parameters import Parameters
from model.params import DEFAULTS

SCANS = (range(1450, 1551), range(2950, 3051))


@pytest.mark.parametrize("sizes", SCANS, ids=["1450-1550", "2950-3050"])
def test_no_capacity_per_resident_jumps_more_than_5_percent(sizes):
    """Every capacity the mechanisms derive from the size, per resident, at each size of the scan
    (the function the mechanisms call, with the organisation's capacity as the model computes it)."""
    p = Parameters(DEFAULTS)
    per_resident = {n: {k: expected_count(k, n, p, organisation_capacity(n, p)) / n for k in COUNTS} for n in sizes}
    for a, b in zip(list(sizes)[:-1], list(sizes)[1:], strict=True):
        for key, x in per_resident[a].items():
            y = per_resident[b][key]
            assert abs(y - x) <= 0.05 * abs(x), f"{key} per resident jumps {x:.5g} -> {y:.5g} from {a} to {b}"


def test_the_rounded_rule_had_the_cliffs_the_scan_catches():
    """The scan can fail: the rule before issue 15 (ceil of n / project_served, and the step in the
    organisation's capacity) jumps by more than 5% at these sizes."""
    p = Parameters({**DEFAULTS, "counts": "rounded", "capacity_growth": "step"})

    def places(n):
        return whole(expected_count("projects_wanted", n, p), p, earlier=lambda x: int(np.ceil(x))) / n

    assert any(abs(places(n + 1) - places(n)) > 0.05 * places(n) for n in range(60, 200))
    assert organisation_capacity(3000, p) / organisation_capacity(2999, p) > 1.05


def test_stochastic_rounding_is_unbiased_and_uses_the_given_stream():
    p = Parameters({**DEFAULTS, "counts": "stochastic"})
    rng = np.random.default_rng(5)
    draws = [whole(2.3, p, rng=rng) for _ in range(20_000)]
    assert set(draws) == {2, 3}
    assert abs(np.mean(draws) - 2.3) < 0.02
    assert whole(2.3, p, u=0.69) == 2 and whole(2.3, p, u=0.71) == 3
    assert whole(2.3, Parameters({**p, "counts": "rounded"}), u=0.99) == 2  # the earlier rule ignores the draw


def test_a_small_community_has_its_share_of_co_building_units():
    """500 residents at one unit per 1,000: half a unit's worth (it had none when rounded)."""
    assert unit_weights(0.5, Parameters({"counts": "stochastic"})) == [0.5]
    assert unit_weights(0.5, Parameters({"counts": "rounded"})) == []
    m = RedCycleModel(**{**load_scenario("red_microcycle"), "n_residents": 500, "burn_in_weeks": 0}, rng=3)
    units = m.mechanisms["resource"].units
    assert sum(u.weight for u in units) == pytest.approx(0.5)
    m.run(104)
    assert m.outcomes["pool_in_total"] > 0
    assert m.pool.inflows().get("co_building", 0) > 0  # the half unit pays its half
