"""RedCycleModel: the community, its residents and the weekly schedule, as a Mesa model.

Schedule of one step (one week), written down once here and in docs/ODD.md section 3:

1. the micro-cycle launches the phase that starts this week (if its mechanism is on);
2. each mechanism that is on, in the cycle's order, ``act``s: it writes this week's ``boost`` and
   ``retention`` from the start-of-week state; the boost is then scaled by each resident's
   response to the organisation, 1 - w + w x trust (w = mechanism_trust_weight);
3. the ladder moves every resident at once from the start-of-week state; needs grow and are met
   by self-help and mutual aid;
4. each mechanism ``serve``s: projects and teams meet needs, units contribute, points are earned;
5. residents update their participation record, sense of gain and trust;
6. the recorder measures the outcomes (``model.outcomes``, ``model.datacollector``; at the end of
   a round, ``model.rounds``).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import mesa
import networkx as nx
import numpy as np
import scipy.sparse as sp

from agents import Organisation, PartyMember, Resident

from . import params as schema
from .cycle import ORDER, MicroCycle
from .graph import MOBILE, NOT_MEMBER, RETIRED, Community, community_from_networkx, generate_community
from .ladder import Ladder, Rung
from .mechanisms.backbone import BackboneMechanism
from .mechanisms.base import Mechanism
from .mechanisms.convention import ConventionMechanism
from .mechanisms.incentive import IncentiveMechanism
from .mechanisms.project import ProjectMechanism
from .mechanisms.resource import ResourceMechanism
from .mechanisms.team import TeamMechanism
from .outreach import organisation_capacity, reach_probability
from .params import ParameterError
from .pool import Pool
from .recorder import Recorder
from .state import ResidentState
from .streams import resolve_seed, stream
from .timeline import check_events

MECHANISMS: dict[str, type[Mechanism]] = {
    "backbone": BackboneMechanism, "project": ProjectMechanism, "convention": ConventionMechanism,
    "resource": ResourceMechanism, "team": TeamMechanism, "incentive": IncentiveMechanism,
}
"""The six mechanisms, keyed by their phase names (model/cycle.py)."""

EAGER_AGENT_LIMIT = 50_000
"""With ``agent_objects="auto"``, Mesa objects are built up front up to this many residents."""

NEED_LEAN = (0.5, 0.5, 0.25, -1.25)
"""Relative lean of the initial need means (elder care, medical care, hardship relief, daily life);
it averages 0, so need_mean stays the mean over categories."""

GRAPH_PARAMS = ("household_size_mean", "households_per_building", "buildings_per_compound", "building_ties",
                "compound_ties", "long_ties", "party_member_share", "retired_share", "mobile_share",
                "branch_size_max", "branch_ties")


class RedCycleModel(mesa.Model):
    """The red micro-cycle (党建+红色微循环) model of an urban community.

    Every parameter of :mod:`model.params` is a keyword argument with its default, so
    ``RedCycleModel()`` runs the default community. Also:

    graph: a networkx graph to use instead of the generated community (every node a resident).
    threshold: one threshold for all residents, or one per resident (overrides the drawn ones).
    initially_active: node ids placed on rung 1 (or kept higher) at the start.
    rng: the seed (an int), None for fresh entropy, or a numpy Generator to draw a seed from.
    events: a policy timeline, ``[{"week": 53, "org_role": 0.2}, ...]`` (model/timeline.py).
    """

    def __init__(self, graph: nx.Graph | None = None, threshold: Any = None,
                 initially_active: Sequence[int] | None = None, rng: Any = None,
                 events: Sequence[dict] | None = None, **params: Any):
        per_resident_threshold = None
        if threshold is not None and np.ndim(threshold) > 0:
            per_resident_threshold = np.asarray(threshold, dtype=np.float64)
        else:
            params["threshold"] = threshold
        self.p: dict[str, Any] = schema.validate(params)
        self._events = check_events(self.p, None if events is None else list(events))
        self.changes: list[dict[str, Any]] = []  # every mid-run change: week, parameter, before, after
        self.seed = resolve_seed(rng)
        super().__init__(rng=self.seed)
        self._build_community(graph)
        self._build_state(per_resident_threshold, initially_active)
        self._build_organisations()
        self._build_mechanisms()
        self._build_agents_if_eager(graph)
        self._build_recorder()
        self._apply_due_events()
        self.running = True

    # ---------------------------------------------------------------- build steps ----------
    def _build_community(self, graph: nx.Graph | None) -> None:
        """The community graph (stream "graph"): generated, or taken from ``graph``."""
        graph_rng = stream(self.seed, "graph")
        if graph is None:
            self.community: Community = generate_community(
                self.p["n_residents"], graph_rng, **{k: self.p[k] for k in GRAPH_PARAMS})
        else:
            self.community = community_from_networkx(
                graph, graph_rng, **{k: self.p[k] for k in ("party_member_share", "retired_share",
                                                             "mobile_share", "branch_size_max")})
            self.p["n_residents"] = self.community.n
        c = self.community
        self.adjacency = sp.csr_matrix((np.ones(len(c.indices)), c.indices, c.indptr), shape=(c.n, c.n))
        self.top = self.p["n_rungs"] - 1

    def _build_state(self, per_resident_threshold, initially_active) -> None:
        """The state registry and each resident's initial state (stream "initial")."""
        self.state = ResidentState(self.community.n)
        self._initialise(stream(self.seed, "initial"), per_resident_threshold, initially_active)

    def _build_organisations(self) -> None:
        """The Party organisation, the government, the pool and the organisation's outreach."""
        self.party_organisation = Organisation(self, "party_organisation")
        self.government = Organisation(self, "government")
        self.pool = Pool()
        self.org_capacity = organisation_capacity(self.community.n, self.p)
        self.state.reach_probability[:] = reach_probability(self.state.party_category, self.org_capacity, self.p)

    def _build_mechanisms(self) -> None:
        """The six mechanisms that are on (each with its own stream), the cycle and the ladder."""
        self.mechanisms: dict[str, Mechanism] = {
            name: MECHANISMS[name](self, stream(self.seed, name)) for name in ORDER if self.p[f"{name}_on"]}
        self.cycle = MicroCycle(self, self.mechanisms)
        self.ladder = Ladder(self.adjacency, self.p, stream(self.seed, "ladder"), mechanisms=bool(self.mechanisms))
        self._ema = 1.0 / self.p["record_weeks"]
        self._quiet_weeks = 0

    def _build_agents_if_eager(self, graph: nx.Graph | None) -> None:
        """Mesa's Network space and one agent object per resident: now, or on first use."""
        self._graph: nx.Graph | None = graph if graph is not None and self.community.labels is None else None
        self._space = None
        self._residents: list[Resident] | None = None
        match self.p["agent_objects"]:
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
        self.recorder = Recorder(self, {name: MECHANISMS[name].OUTCOMES for name in ORDER})
        self.datacollector = mesa.DataCollector(
            model_reporters={k: _reporter(k) for k in self.recorder.outcomes})
        self.datacollector.collect(self)

    # ---------------------------------------------------------------- initial state --------
    def _initialise(self, rng: np.random.Generator, per_resident_threshold, initially_active) -> None:
        p, st, c = self.p, self.state, self.community
        n = c.n
        top = p["n_rungs"] - 1
        for name in ("household", "building", "compound", "branch", "party_category"):
            getattr(st, name)[:] = getattr(c, name)
        # initial rung: P(rung >= k) = initial_engagement ** k, cut at the top rung
        u = rng.random(n)
        e = p["initial_engagement"]
        st.rung[:] = sum((u < e**k) for k in range(1, top + 1)) if e > 0 else 0
        kappa = p["trait_concentration"]
        st.capacity[:] = _beta(rng, p["capacity_mean"], kappa, n)
        member = c.party_category != NOT_MEMBER
        st.public_spirit[:] = np.minimum(1.0, _beta(rng, p["public_spirit_mean"], kappa, n)
                                         + p["party_spirit_bonus"] * member)
        # a more diverse community starts with less trust and more heterogeneous needs
        st.trust[:] = _beta(rng, p["trust_mean"] * (1.0 - 0.5 * p["diversity"]), kappa, n)
        lean = 1.0 + p["need_skew"] * np.asarray(NEED_LEAN)
        for k, mean in enumerate(np.minimum(1.0, p["need_mean"] * lean)):
            st.needs[:, k] = _beta(rng, mean, kappa * (1.0 - 0.75 * p["diversity"]), n)
        factor = np.ones(n)
        factor[c.party_category == RETIRED] = p["retired_time_factor"]
        factor[c.party_category == MOBILE] = p["mobile_time_factor"]
        st.time_budget[:] = rng.gamma(2.0, p["time_budget_mean"] / 2.0, n) * factor
        thresholds = np.maximum(0.0, rng.normal(p["threshold_mean"], p["threshold_sd"], n))
        if per_resident_threshold is not None:
            if per_resident_threshold.shape != (n,):
                raise ParameterError(f"threshold has {per_resident_threshold.size} values; allowed: one number "
                                     f"or exactly one per resident ({n})")
            if not np.isfinite(per_resident_threshold).all() or (per_resident_threshold < 0).any():
                raise ParameterError("threshold values must be finite and >= 0")
            thresholds = per_resident_threshold
        elif p["threshold"] is not None:
            thresholds = np.full(n, p["threshold"])
        st.threshold[:] = thresholds
        if initially_active is not None:
            ids = self._node_ids(initially_active)
            st.rung[ids] = np.maximum(st.rung[ids], Rung.SELF_HELP)
        st.base_trust[:] = st.trust
        st.record[:] = st.rung / top
        st.team[:] = -1
        st.last_volunteered[:] = np.where(st.rung == top, 0, -1)

    def _node_ids(self, nodes: Sequence) -> np.ndarray:
        labels = self.community.labels
        n = self.community.n
        if labels is not None:
            index = {label: i for i, label in enumerate(labels)}
            missing = [x for x in nodes if x not in index]
            if missing:
                raise ParameterError(f"initially_active names unknown node {missing[0]!r}")
            return np.asarray([index[x] for x in nodes], dtype=np.int64)
        ids = np.asarray(list(nodes), dtype=np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= n):
            raise ParameterError(f"initially_active has node id out of range; allowed: 0..{n - 1}")
        return ids

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
        return self._space

    @property
    def residents(self) -> list[Resident]:
        """One agent object per resident, in node order (``residents[i].index == i``)."""
        self._build_agents()
        return self._residents

    def resident(self, i: int) -> Resident:
        return self.residents[i]

    def _build_agents(self) -> None:
        if self._residents is not None:
            return
        self._space = mesa.discrete_space.Network(self.graph, layout=None, random=self.random)
        cells = [self._space[i] for i in range(self.community.n)]
        member = self.community.party_category != NOT_MEMBER
        self._residents = [(PartyMember if member[i] else Resident)(self, i, cells[i])
                           for i in range(self.community.n)]

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
        self.p.update(values)  # the mechanisms and the ladder read this same dict
        if values.keys() & {"three_downs", "fulltime_worker_size", "fulltime_worker_bonus", "mobile_reach"}:
            self.org_capacity = organisation_capacity(self.community.n, self.p)
            self.state.reach_probability[:] = reach_probability(self.state.party_category, self.org_capacity, self.p)
        if "need_pull_decay" in values:
            self.ladder.need_factor = self.p["need_pull_decay"] ** np.arange(self.top + 1)
        if "record_weeks" in values:
            self._ema = 1.0 / self.p["record_weeks"]
        if any(name.endswith("_on") for name in values):
            self._switch_mechanisms()
        self.recorder.refresh()
        return self

    def _switch_mechanisms(self) -> None:
        """Start the mechanisms switched on (each with a stream of its own, keyed by its name and
        the week it starts) and stop those switched off, keeping the cycle's order."""
        running = dict(self.mechanisms)
        self.mechanisms.clear()  # the cycle holds this same dict
        for name in ORDER:
            if not self.p[f"{name}_on"]:
                if name in running:
                    running[name].stop()
                continue
            if name not in running:
                running[name] = MECHANISMS[name](self, stream(self.seed, f"{name}@{self.steps}"))
            self.mechanisms[name] = running[name]
        self.ladder.mechanisms = bool(self.mechanisms)

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
            st.boost[:] = 0.0
            st.retention[:] = 0.0
            for mech in self.mechanisms.values():
                mech.act()
            w = p["mechanism_trust_weight"]
            if w:
                st.boost *= 1.0 - w + w * st.trust
            unmet_start = st.needs.mean(axis=1)
        result = self.ladder.step(st)
        if self.mechanisms:
            for mech in self.mechanisms.values():
                mech.serve()
            self._update_residents(unmet_start)
        np.putmask(st.last_volunteered, st.rung == self.top, self.steps)
        self._quiet_weeks = self._quiet_weeks + 1 if result.climbs + result.slips == 0 else 0
        self.recorder.measure(result.climbs, result.slips)
        self.datacollector.collect(self)
        if self._events:
            self._apply_due_events()
        if self.steps >= p["steps"]:
            self.running = False  # Mesa's batch_run and SolaraViz stop here

    def _update_residents(self, unmet_start: np.ndarray) -> None:
        """Participation record, sense of gain (share of need met this week) and trust."""
        st, p, a = self.state, self.p, self._ema
        st.record += a * (st.rung / self.top - st.record)
        g = p["need_growth"]
        after_growth = (1.0 - g) * unmet_start + g  # the mean need before any service met part of it
        met = 1.0 - np.divide(st.needs.mean(axis=1), after_growth, out=np.ones_like(after_growth),
                              where=after_growth > 0)
        st.gain += a * (np.clip(met, 0.0, 1.0) - st.gain)
        if p["trust_rate"]:
            evidence = np.minimum(1.0, st.base_trust + p["backbone_trust"] * st.backbone_contact
                                  + p["gain_trust"] * st.gain)
            st.trust += p["trust_rate"] * (evidence - st.trust)


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
        steps = self.p["steps"] if steps is None else int(steps)
        for _ in range(steps):
            self.step()
            if until_stable and self._quiet_weeks >= self.p["stable_window"]:
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


def _reporter(key: str):
    def report(model: RedCycleModel):
        return model.outcomes[key]

    report.__name__ = key
    return report


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
        for name in ("graph", "threshold", "initially_active", "rng", "events")]
    rest = [P(p.name, P.KEYWORD_ONLY, default=p.default) for p in schema.PARAMS.values() if p.name != "threshold"]
    return inspect.Signature(head + rest)


# Every schema parameter shows as a keyword with its default (Mesa's SolaraViz and batch_run
# introspect the signature); the defaults still live only in the schema.
RedCycleModel.__init__.__signature__ = _signature()
