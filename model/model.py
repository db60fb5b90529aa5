"""RedCycleModel: the community, its residents and the weekly schedule, as a Mesa model.

Schedule of one step (one week), written down once here and in docs/ODD.md section 3:

1. the micro-cycle launches the phase that starts this week (if its mechanism is on);
2. each mechanism that is on, in the cycle's order, ``act``s: it writes this week's ``boost`` and
   ``retention`` from the start-of-week state; the boost is then scaled by each resident's
   response to the organisation, 1 - w + w x trust (w = mechanism_trust_weight);
3. the ladder moves every resident at once from the start-of-week state (the compiled kernel of
   model/rule.py; ``last_volunteered`` is stamped on those on the top rung); needs grow and are
   met by self-help and mutual aid;
4. each mechanism ``serve``s: projects and teams meet needs, units contribute, points are earned;
5. residents update their participation record, sense of gain and trust;
6. the recorder measures the outcomes (``model.outcomes``, ``model.datacollector``; at the end of
   a round, ``model.rounds``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import mesa
import networkx as nx
import numpy as np
import scipy.sparse as sp

from agents import Organisation, PartyMember, Resident

from . import burnin, libm
from . import params as schema
from .cycle import MicroCycle, loop_open
from .demography import (
    CHILD,
    attachment,
    draw_demography,
    need_factors,
    thin_ties,
    time_factor,
    trust_factor,
    with_members,
)
from .graph import NOT_MEMBER, Community, community_from_groups, community_from_networkx, generate_community
from .ladder import Ladder, LadderResult, Rung
from .mechanisms import specs as registered_mechanisms  # importing it registers the essay's six
from .mechanisms.base import Mechanism
from .outreach import REACH_READS, organisation_capacity, reach_probability
from .parameters import Parameters
from .params import ParameterError
from .pool import Pool
from .recorder import OutcomeCollector, Recorder
from .rule import EMPTY
from .state import NEVER, ResidentState
from .streams import resolve_seed, stream
from .survey import read_residents
from .timeline import check_events
from .weekly import clear_week, mean_need, respond, update_residents

EAGER_AGENT_LIMIT = 50_000
"""With ``agent_objects="auto"``, Mesa objects are built up front up to this many residents."""

NEED_LEAN = (0.5, 0.5, 0.25, -1.25)
"""Relative lean of the initial need means (elder care, medical care, hardship relief, daily life);
it averages 0, so need_mean stays the mean over categories."""

DIVERSITY_SPREAD = 0.75
"""How far ``diversity`` loosens the draws of residents' needs: the traits' concentration times
(1 - DIVERSITY_SPREAD x diversity), so a fully diverse community has needs four times as spread out.
Modelling assumption (docs/ODD.md 5.2)."""
TIME_BUDGET_SHAPE = 2.0
"""Shape of the gamma distribution of residents' weekly free time (mean ``time_budget_mean``): skewed,
a few residents with much time. Modelling assumption."""
GRAPH_PARAMS = (
    "household_size_mean",
    "households_per_building",
    "buildings_per_compound",  # group sizes, then
    "building_ties",  # ties and members (community_from_groups)
    "compound_ties",
    "long_ties",
    "party_member_share",
    "retired_share",
    "mobile_share",
    "branch_size_max",
    "branch_ties",
)


class RedCycleModel(mesa.Model):
    """The red micro-cycle (党建+红色微循环) model of an urban community.

    Every parameter of :mod:`model.params` is a keyword argument with its default, so
    ``RedCycleModel()`` runs the default community. Also:

    graph: a networkx graph to use instead of the generated community (every node a resident).
    threshold: one threshold for all residents, or one per resident (overrides the drawn ones).
    initially_active: node ids placed on rung 1 (or kept higher) at the start.
    rng: the seed (an int), None for fresh entropy, or a numpy Generator to draw a seed from.
    residents: a survey of the residents (a CSV path or a pandas DataFrame, one row per resident;
        docs/residents.md): their traits replace the drawn ones, missing ones are drawn
        (``model.residents_notes`` says which).
    events: a policy timeline, ``[{"week": 53, "org_role": 0.2}, ...]`` (model/timeline.py).
    """

    STREAM_PREFIX = ""
    """Prefix of the dynamic parts' stream names (the burn-in runs on its own streams)."""
    RECORDS = True
    """Whether each week's outcomes are measured and collected (not in the burn-in: nobody reads them)."""
    AGENT_LADDER = False
    """Whether the ladder moves residents one Mesa agent at a time (:class:`AgentLadderModel`)
    instead of by the compiled kernel: the same rule (model/rule.py), much slower."""

    def __init__(
        self,
        graph: nx.Graph | None = None,
        threshold: Any = None,
        initially_active: Sequence[int] | None = None,
        rng: Any = None,
        residents: Any = None,
        events: Sequence[dict] | None = None,
        **params: Any,
    ):
        per_resident_threshold = None
        if threshold is not None and np.ndim(threshold) > 0:
            try:
                per_resident_threshold = np.asarray(threshold, dtype=np.float64)
            except (TypeError, ValueError):
                raise ParameterError("threshold must be one number or one number per resident") from None
        else:
            params["threshold"] = threshold
        self.p: Parameters = Parameters(schema.validate(params))
        self._events = check_events(self.p, None if events is None else list(events))
        self.changes: list[dict[str, Any]] = []  # every mid-run change: week, parameter, before, after
        self.seed = resolve_seed(rng)
        self._n_given = params.get("n_residents")  # a size asked for explicitly must agree with a file's
        _check_graph_and_size(graph, self._n_given, self.p)
        super().__init__(rng=self.seed)
        self._build_community(graph, residents)
        self._build_state(per_resident_threshold, initially_active)
        self._settle()
        self._build_organisations()
        self._build_mechanisms()
        self._build_agents_if_eager(graph)
        self._build_recorder()
        # what a rerun needs: the parameters at week 0 (before any event) and the timeline, as checked
        # a copy for the manifest (week 0's values), not a use of every value: the pairs, read none of
        # them one by one through the mapping (tests/test_burnin.py spies on what a burn-in reads)
        self.initial_parameters: dict[str, Any] = self.p.as_dict()
        self.timeline: list[dict[str, Any]] = [{"week": week, **changes} for week, changes in self._events]
        self._apply_due_events()
        self.running = True

    # ---------------------------------------------------------------- build steps ----------
    def _build_community(self, graph: nx.Graph | None, residents: Any) -> None:
        """The community graph (stream "graph"): generated, or taken from ``graph``; then its
        residents' demography (stream "demography"), from a survey where one is given."""
        graph_rng = stream(self.seed, "graph")
        survey = read_residents(residents) if residents is not None else None
        if survey is not None and graph is None and self._n_given is not None and survey.n != self.p.n_residents:
            raise ParameterError(
                f"the residents file {survey.source} has {survey.n:,} residents but n_residents = "
                f"{self.p.n_residents:,}; allowed: leave n_residents out or set it to {survey.n}"
            )
        self.residents_notes: list[str] = survey.notes if survey is not None else []
        self._survey = survey
        if graph is None:
            graph_params = {k: self.p[k] for k in GRAPH_PARAMS}
            if survey is not None and "party_member" in survey.given:
                graph_params["party_member_share"] = 0.0  # the survey names the members
            groups = survey.groups(self.p, graph_rng) if survey is not None else None
            if groups is not None:  # the survey's households and buildings
                community: Community = community_from_groups(
                    *groups, graph_rng, **{k: graph_params[k] for k in GRAPH_PARAMS[3:]}
                )
            else:
                n = survey.n if survey is not None else self.p.n_residents
                community = generate_community(n, graph_rng, **graph_params)
        else:
            community = community_from_networkx(
                graph,
                graph_rng,
                **{k: self.p[k] for k in ("party_member_share", "retired_share", "mobile_share", "branch_size_max")},
            )
            if survey is not None and survey.n != community.n:
                raise survey.error(
                    f"has {survey.n} residents but the graph has {community.n} nodes; "
                    "allowed: one row per node, in the graph's node order"
                )
            if survey is not None and (survey.household is not None or survey.building is not None):
                self.residents_notes.append(
                    f"residents file {survey.source}: household and building ids are "
                    "not used with a graph (the graph's own node attributes are)"
                )
        self.p._replace({"n_residents": community.n})
        demography_rng = stream(self.seed, "demography")
        self.demography, category = draw_demography(
            community, self.p, demography_rng, survey.given if survey is not None else None
        )
        community = with_members(community, category, self.p, demography_rng if graph is None else None)
        if graph is None:  # a loaded graph is the data: its ties stay as they are
            community = thin_ties(community, self.demography, self.p, demography_rng)
        self.community = c = community
        self.adjacency = sp.csr_matrix((np.ones(len(c.indices)), c.indices, c.indptr), shape=(c.n, c.n))
        self.top = self.p.n_rungs - 1

    def _build_state(self, per_resident_threshold, initially_active) -> None:
        """The state registry and each resident's initial state (stream "initial")."""
        self.state = ResidentState(self.community.n)
        self._initialise(stream(self.seed, "initial"), per_resident_threshold, initially_active)

    def _settle(self) -> None:
        """Burn-in: the community lives the status quo for ``burn_in_weeks`` before week 0 (cached)."""
        burnin.settle(self, SettlingModel)
        self._apply_survey_state()
        st = self.state  # unused gains fade back to the settled week-0 levels (docs/ODD.md 7.13)
        st.base_public_spirit[:] = st.public_spirit
        st.base_capacity[:] = st.capacity

    def _apply_survey_state(self) -> None:
        """Rungs and needs a survey recorded hold at week 0 (the burn-in settles the rest)."""
        survey, st = self._survey, self.state
        if survey is None:
            return
        if survey.rung is not None:
            given = (survey.rung >= 0) & st.adult  # a child's recorded rung is not held (children_on_ladder)
            st.rung[given] = np.minimum(survey.rung[given], self.top)
            st.record[given] = st.rung[given] / self.top
            st.last_volunteered[given] = np.where(st.rung[given] == self.top, 0, NEVER)
        if survey.needs is not None:
            np.copyto(st.needs, survey.needs, where=~np.isnan(survey.needs))

    def _stream(self, part: str) -> np.random.Generator:
        return stream(self.seed, self.STREAM_PREFIX + part)

    def _build_organisations(self) -> None:
        """The Party organisation, the government, the pool and the organisation's outreach."""
        self.party_organisation = Organisation(self, "party_organisation")
        self.government = Organisation(self, "government")
        self.pool = Pool()
        self._set_reach()

    def _set_reach(self) -> None:
        """The organisation's capacity and each resident's chance of being reached (model/outreach.py)."""
        self.org_capacity = organisation_capacity(self.community.n, self.p)
        self.state.reach_probability[:] = reach_probability(
            self.state.party_category, self.org_capacity, self.p
        ) * attachment(self.demography, self.p)

    def _build_mechanisms(self) -> None:
        """The registered mechanisms that are on (each with its own stream), the cycle and the ladder."""
        self._specs = registered_mechanisms()  # those registered when the model is built, in the cycle's order
        self.mechanisms: dict[str, Mechanism] = {
            s.name: s.cls(self, self._stream(s.name)) for s in self._specs if self.p[s.switch]
        }
        self.cycle = MicroCycle(self, self.mechanisms)
        self.ladder = Ladder(
            self.adjacency,
            self.p,
            self._stream("ladder"),
            mechanisms=bool(self.mechanisms),
            adult=self.state.adult,
            life=self._stream("life") if self.thresholds_drawn else None,
        )
        self._ema = 1.0 / self.p.record_weeks
        self._quiet_weeks = 0

    def _build_agents_if_eager(self, graph: nx.Graph | None) -> None:
        """Mesa's Network space and one agent object per resident: now, or on first use."""
        # the user's graph serves Mesa's Network only when it is already what the simulation uses:
        # undirected, no repeated ties, no self-loops, nodes 0..n-1 (else the community's own graph)
        simple = (
            graph is not None
            and not graph.is_directed()
            and not graph.is_multigraph()
            and nx.number_of_selfloops(graph) == 0
        )
        self._graph: nx.Graph | None = graph if simple and self.community.labels is None else None
        self._space = None
        self._residents: list[Resident] | None = None
        match self.p.agent_objects:
            case "eager":
                self._build_agents()
            case "auto":
                if self.community.n <= EAGER_AGENT_LIMIT:
                    self._build_agents()
            case "lazy":
                pass
            case other:
                raise ParameterError(f"parameter 'agent_objects' = {other!r}; allowed: auto, eager, lazy")

    def _build_recorder(self) -> None:
        """The recorder (week 0's outcomes) and Mesa's DataCollector over them."""
        self.recorder = Recorder(self, {s.name: s.cls.OUTCOMES for s in self._specs})
        self.datacollector = OutcomeCollector(self.recorder)
        self.datacollector.collect(self)

    # ---------------------------------------------------------------- initial state --------
    def _initialise(self, rng: np.random.Generator, per_resident_threshold, initially_active) -> None:
        p, st, c = self.p, self.state, self.community
        n = c.n
        top = p.n_rungs - 1
        for name in ("household", "building", "compound", "branch", "party_category"):
            getattr(st, name)[:] = getattr(c, name)
        d = self.demography
        for name, values in d.arrays().items():
            getattr(st, name)[:] = values
        # initial rung: P(rung >= k) = initial_engagement ** k, cut at the top rung
        u = rng.random(n)
        e = p.initial_engagement
        st.rung[:] = sum((u < e**k) for k in range(1, top + 1)) if e > 0 else 0
        kappa = p.trait_concentration
        st.capacity[:] = _beta(rng, p.capacity_mean, kappa, n)
        member = c.party_category != NOT_MEMBER
        # public spirit towards this community grows with attachment to it (renters, migrants: less)
        st.public_spirit[:] = np.minimum(
            1.0, _beta(rng, p.public_spirit_mean, kappa, n) * attachment(d, p) + p.party_spirit_bonus * member
        )
        # trust from tenure, needs from age and household type, time from work (ODD 5.2); a more
        # diverse community has more renters and migrants and more heterogeneous needs
        # (the draws never depend on demography, so no resident's traits reshuffle another's draws)
        st.trust[:] = _beta(rng, p.trust_mean, kappa, n) * trust_factor(d, p)
        lean = 1.0 + p.need_skew * np.asarray(NEED_LEAN)
        phi = need_factors(d, p, len(lean))
        for k, mean in enumerate(np.minimum(1.0, p.need_mean * lean)):
            drawn = _beta(rng, mean, kappa * (1.0 - DIVERSITY_SPREAD * p.diversity), n)
            st.needs[:, k] = 1.0 - libm.power(1.0 - drawn, phi[:, k])  # phi-fold exposure to the need
        st.need_growth[:] = 1.0 - libm.power(1.0 - p.need_growth, phi)  # about phi x need_growth
        st.time_budget[:] = rng.gamma(TIME_BUDGET_SHAPE, p.time_budget_mean / TIME_BUDGET_SHAPE, n) * time_factor(
            d, c.party_category, p
        )
        thresholds = np.maximum(0.0, rng.normal(p.threshold_mean, p.threshold_sd, n))
        if per_resident_threshold is not None:
            if per_resident_threshold.shape != (n,):
                raise ParameterError(
                    f"threshold has {per_resident_threshold.size} values; allowed: one number "
                    f"or exactly one per resident ({n})"
                )
            if not np.isfinite(per_resident_threshold).all() or (per_resident_threshold < 0).any():
                raise ParameterError("threshold values must be finite and >= 0")
            thresholds = per_resident_threshold
        elif p.threshold is not None:
            thresholds = np.full(n, p.threshold)
        st.threshold[:] = thresholds
        # life events redraw only drawn thresholds (docs/ODD.md 7.14): thresholds given stay as given
        self.thresholds_drawn = per_resident_threshold is None and p.threshold is None
        if initially_active is not None:
            ids = self._node_ids(initially_active)
            st.rung[ids] = np.maximum(st.rung[ids], Rung.SELF_HELP)
        # who can hold a rung: residents aged 15 and over (docs/ODD.md 7.14); children start, and stay, on 0
        st.adult[:] = True if p.children_on_ladder else d.age_group != CHILD
        st.rung[~st.adult] = Rung.NOT_ENGAGED
        st.base_trust[:] = st.trust
        st.base_public_spirit[:] = st.public_spirit
        st.base_capacity[:] = st.capacity
        st.record[:] = st.rung / top
        st.team[:] = -1
        st.last_volunteered[:] = np.where(st.rung == top, 0, NEVER)
        if p.noise_memory and p.decision_noise:  # the lasting noise starts from its steady spread
            st.drive_shock[:] = rng.normal(0.0, p.decision_noise, n)  # (after every other draw of the stream)
        self._apply_survey_state()

    def _node_ids(self, nodes: Sequence) -> np.ndarray:
        """Row indices of ``initially_active``: labels of a labelled graph, else integer ids 0..n-1."""
        labels = self.community.labels
        n = self.community.n
        if isinstance(nodes, str | bytes) or not hasattr(nodes, "__iter__"):
            raise ParameterError(f"initially_active must be a list of node ids, got {nodes!r}")
        nodes = list(nodes)
        if labels is not None:
            index = {label: i for i, label in enumerate(labels)}
            missing = [x for x in nodes if x not in index]
            if missing:
                raise ParameterError(f"initially_active names unknown node {missing[0]!r}")
            return np.asarray([index[x] for x in nodes], dtype=np.int64)
        for x in nodes:
            if isinstance(x, bool | np.bool_) or not isinstance(x, int | np.integer) or not 0 <= x < n:
                raise ParameterError(
                    f"initially_active names node {x!r}, not a node id or out of range; "
                    f"allowed: integer node ids 0..{n - 1}"
                )
        return np.asarray(nodes, dtype=np.int64)

    # ---------------------------------------------------------------- Mesa layer -----------
    @property
    def graph(self) -> nx.Graph:
        """The community as a networkx graph (nodes 0..n-1 with their attributes); built on first use."""
        if self._graph is None:
            self._graph = self.community.to_networkx()
        return self._graph

    @property
    def space(self) -> mesa.discrete_space.Network:
        """Mesa's Network space with every resident on its node's cell; built on first use if lazy."""
        self._build_agents()
        assert self._space is not None
        return self._space

    @property
    def residents(self) -> list[Resident]:
        """One agent object per resident, in node order (``residents[i].index == i``)."""
        self._build_agents()
        assert self._residents is not None
        return self._residents

    def resident(self, i: int) -> Resident:
        return self.residents[i]

    def _build_agents(self) -> None:
        if self._residents is not None:
            return
        space = self._space = mesa.discrete_space.Network(self.graph, layout=None, random=self.random)
        cells = [space[i] for i in range(self.community.n)]
        member = self.community.party_category != NOT_MEMBER
        self._residents = [(PartyMember if member[i] else Resident)(self, i, cells[i]) for i in range(self.community.n)]

    # ---------------------------------------------------------------- policy changes -------
    def update(self, **changes: Any) -> RedCycleModel:
        """Set parameters from the next step on (a policy change mid-run, docs/ODD.md 3.1).

        Checked like any parameter; those fixed once the model is built (the community, the
        initial state, the ladder's rungs, the cycle's calendar) are refused with the reason.
        Every change is kept in ``model.changes``.
        """
        values = schema.check_update(self.p, changes)
        for name, value in values.items():
            self.changes.append({"week": self.steps + 1, "parameter": name, "before": self.p[name], "after": value})
        self.p._replace(values)  # the mechanisms and the ladder read this same object
        if values.keys() & REACH_READS:  # declared beside the reach's rules
            self._set_reach()
        if values.keys() & Ladder.DERIVED_READS:
            self.ladder.derive()
        if "record_weeks" in values:
            self._ema = 1.0 / self.p.record_weeks
        if any(name.endswith("_on") for name in values):
            self._switch_mechanisms()
        self.recorder.refresh()
        return self

    def _switch_mechanisms(self) -> None:
        """Start the mechanisms switched on (each with a stream of its own, keyed by its name and
        the week it starts) and stop those switched off, keeping the cycle's order."""
        running = dict(self.mechanisms)
        self.mechanisms.clear()  # the cycle holds this same dict
        for s in self._specs:
            name = s.name
            if not self.p[s.switch]:
                if name in running:
                    running[name].stop()
                continue
            if name not in running:
                running[name] = s.cls(self, stream(self.seed, f"{name}@{self.steps}"))
            self.mechanisms[name] = running[name]
        self.ladder.mechanisms = bool(self.mechanisms)

    @property
    def events_pending(self) -> list[dict[str, Any]]:
        """The timeline's events not yet in force (after a run: those beyond its last week)."""
        return [{"week": week, **changes} for week, changes in self._events]

    # ---------------------------------------------------------------- dynamics -------------
    def _apply_due_events(self) -> None:
        """The timeline's changes that take effect from the next week."""
        while self._events and self._events[0][0] <= self.steps + 1:
            self.update(**self._events.pop(0)[1])

    def step(self) -> None:
        st, p = self.state, self.p
        if self.mechanisms:
            self.pool.new_week()
            self.cycle.begin_week()
            clear_week(st.boost, st.retention, st.time_taken, bool(p.dialogue_hours))
            for mech in self.mechanisms.values():
                mech.act()
            w = p.mechanism_trust_weight
            if w:  # in the loop-cut twin residents respond with the trust they started with
                respond(st.boost, float(w), st.trust if loop_open(p, "trust_response") else st.base_trust)
            # the mean need once this week's needs have arisen, before any service met part of them
            after_growth = mean_need(st.needs, st.need_growth, True)
        result = self._move_by_agents() if self.AGENT_LADDER else self.ladder.step(st, self.steps)
        if self.mechanisms:
            # needs left after self-help and mutual aid: what the organisation's channels then meet
            unmet_own = mean_need(st.needs, st.need_growth, False) if p.trust_from_self_help != 1.0 else None
            for mech in self.mechanisms.values():
                mech.serve()
            self._update_residents(after_growth, unmet_own)
        self._quiet_weeks = self._quiet_weeks + 1 if result.climbs + result.slips == 0 else 0
        if self.RECORDS:
            self.recorder.measure(result.climbs, result.slips)
            self.datacollector.collect(self)
        if self._events:
            self._apply_due_events()
        if self.steps >= p.steps:
            self.running = False  # Mesa's batch_run and SolaraViz stop here

    def _move_by_agents(self) -> LadderResult:
        """The ladder's week the Mesa-idiomatic way: each resident agent ``step``s (decides from the
        start-of-week state and this week's draws), then each ``advance``s (applies its move)."""
        self.ladder.draw(self.state)  # the same draws, from the same stream, as the kernel's
        residents = self.residents
        for resident in residents:
            resident.step()
        moves = [resident.advance() for resident in residents]
        return LadderResult(moves.count(1), moves.count(-1))

    def _update_residents(self, after_growth: np.ndarray, unmet_own: np.ndarray | None) -> None:
        """Participation record, sense of gain (share of need met this week), trust, and the fading
        of unused public spirit and capacity (docs/ODD.md 7.10): one compiled pass, model/weekly.py."""
        st, p = self.state, self.p
        update_residents(
            st.rung,
            self.top,
            self._ema,
            st.record,
            st.needs,
            after_growth,
            st.gain,
            EMPTY if unmet_own is None else unmet_own,
            st.org_gain,
            float(p.trust_from_self_help),
            float(p.trust_rate),
            st.base_trust,
            float(p.backbone_trust),
            st.backbone_contact,
            float(p.gain_trust),
            st.trust,
            float(p.spirit_decay),
            st.public_spirit,
            st.base_public_spirit,
            float(p.capacity_decay),
            st.capacity,
            st.base_capacity,
        )

    @property
    def outcomes(self) -> dict[str, float]:
        """This week's outcomes (the recorder's; read-only by convention)."""
        return self.recorder.outcomes

    @property
    def rounds(self):
        """One row per completed round: its outcomes, their gain over the round before, spiral_up."""
        import pandas as pd

        return pd.DataFrame(self.recorder.rounds, columns=self.recorder.round_columns())

    def run(self, steps: int | None = None, until_stable: bool = False) -> RedCycleModel:
        """Run ``steps`` weeks (default: the ``steps`` parameter).

        With ``until_stable``, stop early once no resident has changed rung for
        ``stable_window`` weeks in a row (then ``running`` is False).
        """
        # the same check as the 'steps' parameter: an integer in range (2.9 and -5 are errors)
        steps = (
            self.p.steps
            if steps is None
            else schema.PARAMS["steps"].check(int(steps) if isinstance(steps, np.integer) else steps)
        )
        if not isinstance(until_stable, bool | np.bool_):
            raise ParameterError(f"run(until_stable=...) must be true or false, got {until_stable!r}")
        for _ in range(steps):
            self.step()
            if until_stable and self._quiet_weeks >= self.p.stable_window:
                self.running = False
                break
        return self

    # ---------------------------------------------------------------- outcomes -------------
    @property
    def rung_names(self) -> tuple[str, ...]:
        """The rungs' keys in outcome columns, bottom first (model.ladder.rung_terms)."""
        return self.recorder.rung_keys

    def rung_counts(self) -> np.ndarray:
        """Residents on each rung, 0..top."""
        return self.recorder.rung_counts()

    def final_outcomes(self) -> dict[str, float]:
        return {k: (float(v) if isinstance(v, float | np.floating) else int(v)) for k, v in self.outcomes.items()}


def _check_graph_and_size(graph, n_residents, p: Parameters) -> None:
    """Before any work: ``graph`` is a networkx graph agreeing with an explicit ``n_residents``, and
    the community fits in the memory available."""
    from .graph import GraphFileError
    from .memory import check_memory, mean_degree

    if graph is None:
        n, degree = p.n_residents, mean_degree(p)
    else:
        if not isinstance(graph, nx.Graph):
            raise GraphFileError(
                f"graph must be a networkx graph, got {type(graph).__name__}; "
                "allowed: a networkx Graph, DiGraph, MultiGraph or MultiDiGraph"
            )
        n = graph.number_of_nodes()
        if n_residents is not None and n_residents != n:
            raise ParameterError(
                f"the graph has {n:,} nodes but n_residents = {n_residents!r}; "
                f"allowed: leave n_residents out or set it to {n}"
            )
        degree = 2 * graph.number_of_edges() / max(n, 1)
    eager = p.agent_objects == "eager" or (p.agent_objects == "auto" and n <= EAGER_AGENT_LIMIT)
    check_memory(n, degree, eager)


def _beta(rng: np.random.Generator, mean: float, kappa: float, size) -> np.ndarray:
    """Beta draws with the given mean and concentration (alpha + beta); exact at mean 0 or 1."""
    a, b = mean * kappa, (1.0 - mean) * kappa
    if a <= 0.0:  # also a mean so small that a underflows to 0
        return np.zeros(size)
    if b <= 0.0:
        return np.ones(size)
    return rng.beta(a, b, size)


def _signature() -> inspect.Signature:
    P = inspect.Parameter
    head = [P("self", P.POSITIONAL_OR_KEYWORD)] + [
        P(name, P.POSITIONAL_OR_KEYWORD, default=None)
        for name in ("graph", "threshold", "initially_active", "rng", "residents", "events")
    ]
    rest = [P(p.name, P.KEYWORD_ONLY, default=p.default) for p in schema.PARAMS.values() if p.name != "threshold"]
    return inspect.Signature(head + rest)


# Every schema parameter shows as a keyword with its default (Mesa's SolaraViz and batch_run
# introspect the signature); the defaults still live only in the schema.
RedCycleModel.__init__.__signature__ = _signature()  # type: ignore[attr-defined]


class SettlingModel(RedCycleModel):
    """The burn-in (model/burnin.py): a model of the same community and initial state, living the
    status quo on its own streams ("burn_in/ladder", ...), so the run's own draws stay untouched."""

    STREAM_PREFIX = "burn_in/"
    RECORDS = False  # the recorder only reads state, so the burn-in's end is the same without it (test_baseline)

    def __init__(self, parent: RedCycleModel, params: Mapping[str, Any]):
        self._parent = parent
        super().__init__(rng=parent.seed, **params)

    def _build_community(self, graph, residents) -> None:
        parent = self._parent
        self.community, self.demography, self.adjacency = parent.community, parent.demography, parent.adjacency
        self.residents_notes, self._survey = parent.residents_notes, parent._survey
        self.top = self.p.n_rungs - 1

    def _build_state(self, per_resident_threshold, initially_active) -> None:
        self.state = ResidentState(self.community.n)
        self.thresholds_drawn = self._parent.thresholds_drawn
        for name, values in self._parent.state.arrays().items():
            getattr(self.state, name)[:] = values

    def _settle(self) -> None:
        pass

    def _build_agents_if_eager(self, graph) -> None:
        self._graph, self._space, self._residents = None, None, None


class AgentLadderModel(RedCycleModel):
    """The same model with the ladder stepped one Mesa agent at a time (``Resident.step`` and
    ``advance``): the rule written once (model/rule.py) applied the Mesa-idiomatic way, for
    teaching, the benchmark of the two forms and the test that docks them (tests/test_ladder.py).
    The burn-in is the kernel's (its result is the same either way)."""

    AGENT_LADDER = True
