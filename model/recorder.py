"""The outcomes: what is measured every week and at the end of every round.

The recorder reads the model's state and never writes it (tests/test_layout.py checks that no
registry field changes while recording). The weekly outcomes are docs/ODD.md section 4,
"Observation"; the round table (the spiral) is docs/ODD.md 7.3.
"""

from __future__ import annotations

import mesa
import numpy as np

from .demography import GROUPINGS
from .jit import njit
from .ladder import rung_terms
from .params import WEEKS_PER_YEAR
from .weekly import capped_hours

ROUND_OUTCOMES = (
    "participation_index",
    "share_volunteering",
    "share_engaged",
    "needs_met",
    "sense_of_gain",
    "mean_trust",
    "norm",
    "n_teams",
    "team_maturity",
    "backbones",
    "pool_balance",
)
"""The outcomes kept at the end of each round, with their gain over the round before."""


class Recorder:
    """This week's outcomes (``outcomes``) and one row per completed round (``rounds``)."""

    def __init__(self, model, mechanism_outcomes: dict[str, tuple[str, ...]]):
        self.model = model
        self.top = model.p.n_rungs - 1
        self.rung_keys = tuple(key for key, _, _ in rung_terms(model.p.n_rungs))
        self.mechanism_outcomes = mechanism_outcomes  # every mechanism's outcome names, on or off
        self.outcomes: dict[str, float] = {}
        self.rounds: list[dict] = []
        self.organiser_hours = 0.0  # hours backbones have given since week 0 (organiser_hours_total)
        st = model.state
        # shares are of the residents who can hold a rung (adults; docs/ODD.md 4); fixed during a run
        self.n_holders = max(1, int(np.count_nonzero(st.adult)))
        self.refresh()
        self._gain_trust = (float(st.gain.mean()), float(st.trust.mean()))
        # outcomes by group: the groups never change, so each resident's cell of (age group x tenure x
        # membership) is fixed, and so is each cell's row in every grouping's (group x rung) table;
        # one compiled pass a week counts the cells, then adds them into the groupings' tables
        rungs = self.top + 1
        codes = [
            (st.party_category != 0 if field == "party_member" else getattr(st, field)).astype(np.intp)
            for field, _ in GROUPINGS.values()
        ]
        sizes = tuple(len(keys) for _, keys in GROUPINGS.values())
        self._cell = np.ravel_multi_index(codes, sizes)
        firsts = np.cumsum((0, *sizes[:-1]))
        self._cell_rows = np.stack(
            [first + code for first, code in zip(firsts, np.unravel_index(np.arange(np.prod(sizes)), sizes))]
        ).astype(np.intp)
        first = sum(sizes)
        self._group_counts = np.zeros((first, rungs), dtype=np.int64)
        self._group_shares = np.empty((first, rungs))
        self._no_groups = self._group_counts[:0]
        # every group's share of each rung, grouping by grouping, group by group, rung by rung
        self._group_keys = [
            f"{group}_share_{rung}" for _, keys in GROUPINGS.values() for group in keys for rung in self.rung_keys
        ]
        self._count_keys = [f"n_{key}" for key in self.rung_keys]
        self._share_keys = [f"share_{key}" for key in self.rung_keys]
        self.measure(0, 0)
        self.initial = dict(self.outcomes)

    def refresh(self) -> None:
        """Re-read what the parameters decide (after ``model.update``)."""
        m = self.model
        # without any mechanism or need dynamics, needs, sense of gain and trust never change
        self._static_unmet = None
        if not (m.p.need_growth or m.p.self_help_efficacy or m.p.mutual_aid_efficacy or m.mechanisms):
            self._static_unmet = float(m.state.needs.mean())

    def rung_counts(self) -> np.ndarray:
        """Residents who can hold a rung (adults) on each rung, 0..top."""
        return self._tally(0, False)[0]

    def _tally(self, week: int, groups: bool) -> tuple[np.ndarray, int]:
        """One compiled pass over the residents: the counts on each rung (:meth:`rung_counts`), those on
        the top rung in one of the last WEEKS_PER_YEAR weeks (never-volunteered residents hold NEVER),
        and with ``groups`` each grouping's (group x rung) counts and shares (``_group_shares``)."""
        st = self.model.state
        counts, recent = tally(
            st.rung,
            self.top,
            self.n_holders,
            st.last_volunteered,
            week - WEEKS_PER_YEAR,
            self._cell,
            self._cell_rows,
            self._group_counts if groups else self._no_groups,
            self._group_shares,
        )
        return counts, int(recent)

    def measure(self, climbs: int, slips: int) -> None:
        """This week's outcomes, into ``outcomes`` (the same dict object every week)."""
        m, st, out = self.model, self.model.state, self.outcomes
        week = m.steps
        groups = m.p.record_groups
        counts, recent = self._tally(week, groups)
        n = self.n_holders
        out["week"] = week
        out.update(zip(self._count_keys, counts.tolist()))
        out.update(zip(self._share_keys, (counts / n).tolist()))
        out["share_engaged"] = 1.0 - counts[0] / n
        out["volunteered_past_year"] = recent / n
        out["participation_index"] = float(counts @ np.arange(self.top + 1)) / (n * self.top)
        if groups:
            self._measure_groups(out)
        unmet = self._static_unmet if self._static_unmet is not None else float(st.needs.mean())
        out["mean_unmet_need"] = unmet
        out["climbs"] = climbs
        out["slips"] = slips
        out["needs_met"] = 1.0 - unmet
        if m.mechanisms:
            self._gain_trust = (float(st.gain.mean()), float(st.trust.mean()))
        out["sense_of_gain"], out["mean_trust"] = self._gain_trust
        out["round"] = (week - 1) // m.p.round_weeks + 1 if week else 0
        pool = m.pool
        out["pool_balance"] = pool.balance
        out["pool_in_week"] = pool.week_in / 1e6
        out["pool_out_week"] = pool.week_out / 1e6
        out["pool_in_total"] = pool.total_in()
        out["pool_out_total"] = pool.total_out()
        if week:
            self._count_organiser_hours()
        out["organiser_hours_total"] = self.organiser_hours
        for name in self.mechanism_outcomes:  # the cycle's order
            mech = m.mechanisms.get(name)
            if mech is not None:
                mech.record(out)
            else:
                for key in self.mechanism_outcomes[name]:
                    out[key] = 0
        if week and week % m.p.round_weeks == 0:
            self._end_round()

    def _count_organiser_hours(self) -> None:
        """The organisers' time: each week a red backbone leads, it gives the hours the top rung asks
        (``volunteer_hours``), or its whole time budget if that is less. Summed over the weeks since
        week 0 (the cost in people's time that an analyst weighs against money; read-only)."""
        st = self.model.state
        if st.backbone.any():
            hours = capped_hours(st.time_budget, float(self.model.p.volunteer_hours), st.backbone)
            self.organiser_hours += float(hours.sum())

    def _measure_groups(self, out: dict) -> None:
        """Share of each group on each rung (NaN for a group with no residents), from this week's
        (group x rung) counts and shares (:meth:`_tally`)."""
        out.update(zip(self._group_keys, self._group_shares.ravel().tolist()))

    def _end_round(self) -> None:
        """Record the round's outcomes and their gain over the round before (the spiral)."""
        out = self.outcomes
        row = {"round": len(self.rounds) + 1, "week": self.model.steps}
        row.update({k: float(out[k]) for k in ROUND_OUTCOMES if k in out})
        previous = self.rounds[-1] if self.rounds else self.initial
        for k in ROUND_OUTCOMES:
            if k in row and k in previous:
                row[f"gain_{k}"] = row[k] - previous[k]
        row["spiral_up"] = bool(row.get("gain_participation_index", 0.0) > 0.0)
        self.rounds.append(row)

    @staticmethod
    def round_columns() -> list[str]:
        """The columns of the rounds table (present even before a round has ended)."""
        return ["round", "week", *ROUND_OUTCOMES, *(f"gain_{k}" for k in ROUND_OUTCOMES), "spiral_up"]


@njit
def tally(rung, top, n_holders, last_volunteered, since, cell, cell_rows, group_counts, group_shares):
    """Residents who can hold a rung on each rung 0..top (a child's rung is always 0, so rung 0's
    count is the holders less those above it), the number with ``last_volunteered > since``, and,
    when ``group_counts`` is not empty, every grouping's (group x rung) counts: each resident counted
    into its ``cell`` (one scattered addition a resident), each cell added into its row
    ``cell_rows[k, cell]`` of grouping k's table, and each group's share of each rung into
    ``group_shares`` (NaN for a group with no residents; int / int in doubles, correctly rounded
    as numpy's and Python's division).

    One pass a rung and one for the recent volunteers, each a sum of comparisons (which the compiler
    vectorises): faster than one pass adding into ``counts[rung]``, whose additions wait on each
    other (0.02 against 0.09 ms at 100,000 residents on two rungs)."""
    n = rung.shape[0]
    counts = np.zeros(top + 1, dtype=np.int64)
    for level in range(1, top + 1):
        on_level = 0
        for i in range(n):
            on_level += rung[i] == level
        counts[level] = on_level
    recent = 0
    for i in range(n):
        recent += last_volunteered[i] > since
    if group_counts.shape[0] > 0:
        rungs = group_counts.shape[1]
        cells = np.zeros((cell_rows.shape[1], rungs), dtype=np.int64)
        for i in range(n):
            cells[cell[i], rung[i]] += 1
        group_counts[:] = 0
        for k in range(cell_rows.shape[0]):
            for c in range(cell_rows.shape[1]):
                for r in range(rungs):
                    group_counts[cell_rows[k, c], r] += cells[c, r]
        for g in range(group_counts.shape[0]):
            total = 0
            for r in range(rungs):
                total += group_counts[g, r]
            for r in range(rungs):
                group_shares[g, r] = group_counts[g, r] / total if total > 0 else np.nan
    counts[0] = n_holders - counts[1:].sum()
    return counts, recent


class OutcomeCollector(mesa.DataCollector):
    """Mesa's DataCollector over the recorder's outcomes, one model reporter per outcome.

    ``get_model_vars_dataframe()`` and the reporters work as in Mesa; ``collect`` appends the
    week's values directly. They are immutable scalars, so Mesa's per-value deepcopy (about half
    the per-week cost of a small community) changes nothing and is skipped.
    """

    def __init__(self, recorder: Recorder):
        super().__init__(model_reporters={k: _Reporter(k) for k in recorder.outcomes})
        self._outcomes = recorder.outcomes  # the same dict object every week
        self._bind()

    def _bind(self) -> None:
        self._columns = [(key, self.model_vars[key].append) for key in self.model_reporters]

    # a copy (copy.deepcopy, pickle) must append to its own lists: the bound appends are made again
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_columns"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind()

    def collect(self, model) -> None:
        self._collection_steps.append(model.time)
        out = self._outcomes
        for key, append in self._columns:
            append(out[key])


class _Reporter:
    """Mesa's model reporter of one outcome (a class, not a closure, so that a model pickles)."""

    def __init__(self, key: str):
        self.key = self.__name__ = key

    def __call__(self, model):
        return model.outcomes[self.key]
