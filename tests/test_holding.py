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


def test_life_events_come_at_their_rate_one_resident_at_most_once_a_week():
    """Each resident has a life event in a week with chance 1 - exp(-rate / 52), independently."""
    from model.ladder import life_events

    rng = np.random.default_rng(5)
    n, rate, weeks = 5000, 1.3, 400
    q = -np.expm1(-rate / 52)
    hits = np.zeros(n)
    for _ in range(weeks):
        who = life_events(rng, n, rate)
        assert (np.diff(who) > 0).all() and (len(who) == 0 or (who[0] >= 0 and who[-1] < n))
        hits[who] += 1
    # the count of events per resident is Binomial(weeks, q): its mean and its variance
    assert hits.mean() == pytest.approx(weeks * q, rel=0.02)
    assert hits.var() == pytest.approx(weeks * q * (1 - q), rel=0.08)


def life_model(rate: float, **over) -> RedCycleModel:
    return RedCycleModel(
        rng=6,
        **{**load_scenario("status_quo"), "n_residents": 3000, "burn_in_weeks": 0, "life_event_rate": rate, **over},
    )


def test_life_events_redraw_thresholds_and_keep_their_spread():
    """A year at one event a year: about 1 - exp(-1) of the residents stand somewhere new in the same
    distribution, max(0, Normal(threshold_mean, threshold_sd)); without events no threshold moves."""
    m = life_model(1.0, threshold_mean=2.0, threshold_sd=0.5)
    before = m.state.threshold.copy()
    m.run(52)
    after = m.state.threshold
    moved = after != before
    assert moved.mean() == pytest.approx(-np.expm1(-1.0), abs=0.03)
    assert after.mean() == pytest.approx(2.0, abs=0.03) and after.std() == pytest.approx(0.5, rel=0.05)
    assert abs(np.corrcoef(before[moved], after[moved])[0, 1]) < 0.06  # drawn anew, not nudged
    still = life_model(0.0, threshold_mean=2.0, threshold_sd=0.5)
    kept = still.state.threshold.copy()
    assert np.array_equal(still.run(52).state.threshold, kept)


def test_life_events_leave_thresholds_that_were_given():
    """A threshold the user gave (one for all, or one per resident) is data: life events leave it."""
    one = life_model(2.0, threshold=0.7).run(30)
    assert (one.state.threshold == 0.7).all()
    given = np.linspace(0.1, 3.0, 600)
    per = RedCycleModel(rng=1, n_residents=600, burn_in_weeks=0, life_event_rate=2.0, threshold=given).run(30)
    assert np.array_equal(per.state.threshold, given)


def test_life_events_end_volunteering_across_years_not_within_weeks():
    """The claim behind the rule, against its null twin (no life events), on the same seeds: life
    events lower the share of a year's volunteers who volunteer again the next year, while the weekly
    turnover on the ladder stays what it was (a rung is still held for months)."""
    from experiments.calibration import run_status_quo

    def mean(rate):
        rows = [run_status_quo(seed, 1000, {"life_event_rate": rate}) for seed in (11, 12, 13)]
        return {k: float(np.mean([r[k] for r in rows])) for k in ("retention", "rung_changes")}

    none, some = mean(0.0), mean(1.0)
    assert some["retention"] < none["retention"] - 0.03
    assert some["rung_changes"] == pytest.approx(none["rung_changes"], abs=0.01)


@pytest.mark.parametrize("rate", [5e-324, 1e-18, 1e-9])
def test_life_events_at_vanishing_rates_end(rate):
    """Regression (the property test): at a rate whose weekly chance is 0 or whose gaps pass 2^63,
    the scan for the week's events ended never (the gaps' sum overflowed) or raised."""
    from model.ladder import life_events

    rng = np.random.default_rng(1)
    assert sum(len(life_events(rng, 1000, rate)) for _ in range(50)) == 0
