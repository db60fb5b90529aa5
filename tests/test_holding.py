"""Adults on the ladder and rungs held for months (issue 15, points 1 and 2; docs/ODD.md 7.14)."""

import numpy as np
import pytest

from model import RedCycleModel, load_scenario
from model.demography import CHILD
from model.ladder import Rung
from tests.helpers import EXACT


def default_model(**over) -> RedCycleModel:
    return RedCycleModel(rng=4, **{**load_scenario("red_microcycle"), "n_residents": 800, **over})


def test_children_hold_no_rung_and_shares_are_of_adults():
    m = default_model().run(52)
    st, out = m.state, m.outcomes
    child = st.age_group == CHILD
    assert child.any() and (st.rung[child] == Rung.NOT_ENGAGED).all()
    assert not st.adult[child].any() and st.adult[~child].all()
    adults = int(st.adult.sum())
    counts = [out[f"n_{r.key}"] for r in Rung]
    assert sum(counts) == adults
    assert out["share_engaged"] == pytest.approx(np.count_nonzero(st.rung[st.adult] > 0) / adults, rel=1e-12)
    assert out["participation_index"] == pytest.approx(st.rung[st.adult].mean() / 4, rel=1e-12)
    assert sum(out[f"share_{r.key}"] for r in Rung) == pytest.approx(1.0, rel=1e-12)


def test_with_children_on_the_ladder_children_climb():
    m = default_model(children_on_ladder=True).run(52)
    st = m.state
    assert st.adult.all() and (st.rung[st.age_group == CHILD] > 0).any()


def test_the_social_share_is_of_neighbours_who_can_hold_a_rung():
    m = default_model(burn_in_weeks=0)
    adj, adult = m.adjacency, m.state.adult
    expected = np.maximum(adj @ adult.astype(float), 1.0)
    assert np.array_equal(m.ladder.degree, expected)


def test_lasting_noise_keeps_its_spread_and_its_memory():
    """e_t = m e_(t-1) + sqrt(1 - m^2) sigma z_t: the spread stays sigma, the weekly correlation is m."""
    sigma, memory = 0.4, 0.9
    m = RedCycleModel(
        rng=2,
        **{
            **load_scenario("baseline"),
            "n_residents": 3000,
            "decision_noise": sigma,
            "noise_memory": memory,
            "burn_in_weeks": 0,
        },
    )
    m.step()
    before = m.state.drive_shock.copy()
    m.step()
    after = m.state.drive_shock
    assert after.std() == pytest.approx(sigma, rel=0.05)
    assert np.corrcoef(before, after)[0, 1] == pytest.approx(memory, abs=0.02)
    fresh = RedCycleModel(
        rng=2,
        **{
            **load_scenario("baseline"),
            "n_residents": 3000,
            "decision_noise": sigma,
            "noise_memory": 0.0,
            "burn_in_weeks": 0,
        },
    )
    assert not fresh.state.drive_shock.any()  # without memory no lasting state is kept


def test_commitment_grows_on_a_rung_and_a_slip_breaks_part_of_it():
    g, loss = 0.1, 0.5
    m = RedCycleModel(
        rng=3,
        **{
            **load_scenario("baseline"),
            "n_residents": 600,
            "burn_in_weeks": 0,
            "commitment_rate": g,
            "commitment_hold": 0.5,
            "commitment_loss": loss,
        },
    )
    st = m.state
    st.commitment[:] = 0.4
    before = st.rung.copy()
    m.step()
    stayed_up = (before > 0) & (st.rung == before)
    slipped = st.rung < before
    at_zero = (before == 0) & (st.rung == 0)
    assert stayed_up.any() and slipped.any() and at_zero.any()
    assert np.allclose(st.commitment[stayed_up], 0.4 + g * 0.6, **EXACT)
    # the week's growth or fading follows the rung it ends on, then the slip breaks part of it
    assert np.allclose(st.commitment[slipped & (st.rung > 0)], (0.4 + g * 0.6) * (1 - loss), **EXACT)
    assert np.allclose(st.commitment[slipped & (st.rung == 0)], (0.4 - g * 0.4) * (1 - loss), **EXACT)
    assert np.allclose(st.commitment[at_zero], 0.4 - g * 0.4, **EXACT)


def test_commitment_lowers_the_slip_risk():
    """Everything else equal, full commitment with hold h removes a share h of the slips."""
    base = {
        **load_scenario("baseline"),
        "n_residents": 4000,
        "burn_in_weeks": 0,
        "decision_noise": 0.0,
        "threshold_mean": 5.0,
        "threshold_sd": 0.0,
        "slip_rate": 0.2,
        "slip_drive_weight": 0.0,
        "initial_engagement": 0.9,
    }
    slips = {}
    for hold in (0.0, 0.75):
        m = RedCycleModel(rng=1, **{**base, "commitment_hold": hold, "commitment_rate": 1e-9})
        m.state.commitment[:] = 1.0
        m.step()
        slips[hold] = m.outcomes["slips"]
    assert slips[0.75] / slips[0.0] == pytest.approx(0.25, abs=0.05)
