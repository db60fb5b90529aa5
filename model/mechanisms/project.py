"""Red project mechanism (红色项目机制).

    基层党组织引导党员公益服务团队，整合服务菜单、服务项目和服务流程，通过政府设立种子基金形式，
    创设红色项目服务超市，增强基层党组织为民服务能力。红色项目必须依托居民的实际需求，实现"点对点"服务居民。
    "The grassroots Party organisation … integrates service menus, projects and processes and,
    through a government seed fund, creates a red project service supermarket … Red projects must
    rest on residents' actual needs and serve residents point to point."

    社区需求让居民表达(问需于民)；社区问题让居民讨论(问计于民)；社区事务让居民参与(问效于民)。
    "Let residents voice the needs, discuss the problems, take part in (and evaluate) the affairs."

Gloss: in each project phase the government's seed fund enters the pool, last round's projects
are evaluated (by residents as far as they are let decide) and renewed or replaced, and new
projects are chosen from residents' voiced needs and the organisation's own guess; participatory
projects open places on the upper rungs, direct provision serves without them. Every week places
pull their holders up and hold them, and projects meet their served residents' needs. The rules
and equations: docs/ODD.md 7.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import libm
from ..counts import expected_count, whole
from ..jit import njit
from ..ladder import Rung
from ..outreach import per_round, seed_fund
from ..rule import MUTUAL_AID
from .base import Mechanism

PLACE_RUNGS = (Rung.MUTUAL_AID, Rung.PUBLIC_AFFAIRS, Rung.VOLUNTEERING)
PLACE_SPLIT = (3, 2, 1)
NO_PLACE = 0  # registry field `place` of a resident who holds no project place
PROBLEM_LEVEL = 0.5
"""A need above this counts as a problem in the "problem_count" survey (the essay's 问题数量法).
Modelling assumption."""


def split_places(total: int) -> list[int]:
    """``total`` places split 3:2:1 over PLACE_RUNGS by largest remainder (they sum to ``total``)."""
    exact = np.asarray(PLACE_SPLIT, dtype=float) * total / sum(PLACE_SPLIT)
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]:
        counts[i] += 1
    return counts.tolist()


def stable_order_head(key: np.ndarray, m: int) -> np.ndarray:
    """``np.argsort(key, kind="stable")[:m]`` without sorting all of ``key`` when m is small: the
    m-th smallest key is found by a partial sort, and only the keys up to it (those first in the
    stable order, in the order of their positions) are sorted. Keys equal to it come in position
    order as in the full stable sort, and NaNs (sorted last) fall back to the full sort."""
    if m <= 0:
        return np.zeros(0, dtype=np.intp)
    if m >= len(key) // 2:
        return np.argsort(key, kind="stable")[:m]
    candidates = np.flatnonzero(key <= np.partition(key, m - 1)[m - 1])
    if len(candidates) < m:  # a NaN among the first m
        return np.argsort(key, kind="stable")[:m]
    return candidates[np.argsort(key[candidates], kind="stable")[:m]]


@dataclass
class Project:
    category: int
    participatory: bool
    served: np.ndarray  # resident indices
    need_at_start: np.ndarray  # their need in the category when the project started
    participants: np.ndarray  # resident indices holding places
    place_rung: np.ndarray  # the rung of each participant's place
    led: bool = False  # a backbone holds one of its places


class ProjectMechanism(Mechanism):
    OUTCOMES = ("n_projects", "n_participatory_projects", "project_places_held", "project_evaluation", "who_decides")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        n_categories = model.state.needs.shape[1]
        self.guess = rng.dirichlet(np.ones(n_categories))
        self.projects: list[Project] = []
        self.who_decides = 0.0
        self.renewed_round = 0
        self.launched_week = 0
        self.evaluation = 0.0

    def stop(self) -> None:
        st = self.model.state
        st.place[:] = NO_PLACE
        st.reached[:] = False
        st.provided[:] = False

    # -------------------------------------------------------------------------- phase -------
    @staticmethod
    def government_funds(model) -> dict[str, float]:
        """The seed fund (种子基金), per round, for the community's size."""
        return {"seed_fund": seed_fund(model.community.n, model.p)}

    def launch(self) -> None:
        m, p, st = self.model, self.p, self.model.state
        n = m.community.n
        for account, amount in self.government_funds(m).items():
            m.pool.deposit(amount, account)
        st.reached[:] = self.reached(np.ones(n, dtype=bool))  # whom this round's outreach reaches
        keep, kept, dropped = [], [], []
        evaluations = []
        for proj in self.projects:
            now = st.needs[proj.served, proj.category]
            start = np.maximum(proj.need_at_start, 1e-12)
            residents_view = float(np.clip((proj.need_at_start - now) / start, 0.0, 1.0).mean())
            evaluation = p.resident_voice * residents_view + (1.0 - p.resident_voice) * 1.0
            evaluations.append(evaluation)
            if evaluation >= p.renewal_bar:
                keep.append(proj.category)
                kept.append(proj)
            else:
                dropped.append(proj)
        self.evaluation = float(np.mean(evaluations)) if evaluations else 0.0
        st.place[:] = NO_PLACE
        st.provided[:] = False
        budget = m.pool.balance * p.project_budget_share
        cost = per_round(p.project_cost, p)
        u = float(self.rng.random()) if p.counts == "stochastic" else None  # one draw makes this round whole
        expected = expected_count("projects_wanted", n, p)
        wanted = max(1, whole(expected, p, u, earlier=lambda x: int(np.ceil(x))))
        self._u = u
        if p.counts == "rounded":  # the rule before issue 18: money buys whole projects; the rest waits
            affordable, limit = (int(budget // cost) if cost > 0 else 0), budget
        else:  # the budget's worth of projects at their expected cost, made whole: the fraction left over buys
            # one more with the chance of that fraction, paid from the pool's reserve (never beyond its balance)
            mean_cost = cost * (1.0 + (p.participatory_cost - 1.0) * p.org_role)
            affordable, limit = whole(budget / mean_cost, p, rng=self.rng), m.pool.balance
        count = min(affordable, wanted)
        if p.participatory_cost != 1.0:  # empowerment costs more: fewer projects fit the budget
            while count > 0 and self._round_cost(count, cost) > limit:
                count -= 1
            m.pool.withdraw(self._round_cost(count, cost), "projects")
        else:
            count = min(count, int(limit // cost))
            m.pool.withdraw(count * cost, "projects")
        self.renewed_round = min(len(keep), count)
        if p.broken_promise_cost:  # a project not carried on is a promise broken to those it served
            for proj in dropped + kept[count:]:  # not renewed, or renewed but not affordable
                st.trust[proj.served] *= 1.0 - p.broken_promise_cost
        categories = keep[:count]
        priority = self._priority()
        per_category = np.bincount(np.asarray(categories, dtype=np.int64), minlength=len(priority)).astype(float)
        while len(categories) < count:
            c = int(np.argmax(priority / (1.0 + per_category)))
            categories.append(c)
            per_category[c] += 1
        self._start_all(categories, self._participatory(count))
        self.launched_week = m.steps
        if p.ownership_pull:  # residents whose voiced need a new project serves own it (我参与、我认同)
            respondents = np.flatnonzero(st.reached & (st.rung >= Rung.SELF_HELP))  # as in the survey
            voiced = np.argmax(st.needs[respondents], axis=1)  # each respondent's most pressing need
            new = np.zeros(st.needs.shape[1], dtype=bool)
            new[categories[self.renewed_round :]] = True  # the categories of the round's new projects
            owners = respondents[new[voiced]]
            st.ownership[owners] = np.maximum(st.ownership[owners], p.resident_voice)

    def _participatory(self, count: int) -> int:
        """How many of ``count`` projects are participatory: count x org_role made whole (the round's one
        draw, so the cost and the start agree)."""
        return whole(count * self.p.org_role, self.p, self._u)

    def _round_cost(self, count: int, cost: float) -> float:
        """Cost of ``count`` projects, ``_participatory(count)`` of them participatory."""
        participatory = self._participatory(count)
        return (count - participatory + participatory * self.p.participatory_cost) * cost

    def _priority(self) -> np.ndarray:
        """Residents' voice (needs survey) and the organisation's guess, weighted by resident_voice."""
        st, p = self.model.state, self.p
        respondents = st.reached & (st.rung >= Rung.SELF_HELP)
        k = int(np.count_nonzero(respondents))
        self.who_decides = p.resident_voice * k / len(respondents)
        if k == 0:
            return self.guess.copy()
        needs = st.needs[respondents]
        match p.survey_method:
            case "scoring":
                survey = needs.mean(axis=0)
            case "problem_count":
                survey = (needs > PROBLEM_LEVEL).mean(axis=0)
            case other:
                raise ValueError(f"unknown survey_method {other!r}; allowed: scoring, problem_count")
        total = survey.sum()
        survey = survey / total if total > 0 else np.full(len(survey), 1.0 / len(survey))
        return p.resident_voice * survey + (1.0 - p.resident_voice) * self.guess

    def _start_all(self, categories: list[int], n_participatory: int) -> None:
        """Start the round's projects: served residents and places for all of them at once.

        Projects on the same category serve disjoint sets: the first the project_served neediest,
        the next the next neediest, and so on. Places on each rung are dealt out in one weighted
        random order of the eligible reached residents (weights trust x public spirit; the order of
        successive draws without replacement, by Efraimidis-Spirakis keys log(u) / w).
        """
        st, p = self.model.state, self.p
        n = len(st.rung)
        k = min(p.project_served, n)
        ranked: dict[int, np.ndarray] = {}  # the neediest first, as many as the category's projects serve
        used = dict.fromkeys(categories, 0)
        served = []
        for c in categories:
            if c not in ranked:
                ranked[c] = stable_order_head(-st.needs[:, c], categories.count(c) * k)
            block = ranked[c][used[c] * k : (used[c] + 1) * k].copy()
            used[c] += 1
            served.append(block)
        participants: list[list[np.ndarray]] = [[] for _ in categories]
        rungs: list[list[np.ndarray]] = [[] for _ in categories]
        for rung, places in zip(PLACE_RUNGS, split_places(p.project_places), strict=True):
            if places == 0 or n_participatory == 0:
                continue
            pool = np.flatnonzero(st.reached & (st.rung >= rung - 1) & (st.rung <= rung) & (st.place == NO_PLACE))
            w = st.trust[pool] * st.public_spirit[pool] + 1e-12
            order = pool[stable_order_head(-(libm.log(self.rng.random(len(pool))) / w), n_participatory * places)]
            for j in range(n_participatory):
                chosen = order[j * places : (j + 1) * places]
                if len(chosen) == 0:
                    break
                st.place[chosen] = rung
                participants[j].append(chosen)
                rungs[j].append(np.full(len(chosen), rung, dtype=np.int8))
        cat = lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dt)  # noqa: E731
        self.projects = []
        for j, c in enumerate(categories):
            holders = cat(participants[j], np.int64)
            participatory = j < n_participatory
            if not participatory:
                st.provided[served[j]] = True
            self.projects.append(
                Project(
                    c,
                    participatory,
                    served[j],
                    st.needs[served[j], c].copy(),
                    holders,
                    cat(rungs[j], np.int8),
                    led=bool(st.backbone[holders].any()),
                )
            )
        # flat arrays for the weekly service: one entry per (served resident, project) and per place held
        self._served = cat(served, np.int64)
        self._served_category = np.repeat(np.asarray(categories, dtype=np.int64), [len(b) for b in served])
        self._served_project = np.repeat(np.arange(len(categories)), [len(b) for b in served])
        self._held = cat([pr.participants for pr in self.projects], np.int64)
        self._held_rung = cat([pr.place_rung for pr in self.projects], np.int8)
        self._held_project = np.repeat(np.arange(len(categories)), [len(pr.participants) for pr in self.projects])
        self._is_participatory = np.fromiter(
            (pr.participatory for pr in self.projects), dtype=bool, count=len(categories)
        )

    # -------------------------------------------------------------------------- weekly ------
    def act(self) -> None:
        """Ownership pulls; a place one rung up pulls its holder up, a place on its own rung holds
        it there; direct provision crowds out the self-help of those below mutual aid."""
        st, p = self.model.state, self.p
        project_week(
            st.boost,
            st.retention,
            st.ownership,
            st.place,
            st.rung,
            st.provided,
            float(p.ownership_pull),
            bool(self.projects),
            float(p.project_pull),
            float(p.project_retention),
            float(p.crowding_out),
        )

    def serve(self) -> None:
        """Ownership fades; holding a place builds capacity (empowerment); each project meets a share of
        its served residents' need: a participatory one as far as its places' holders are on their
        places' rungs (none while it is still organising them, participatory_delay), direct provision
        in full; a backbone among the holders leads (compiled: :func:`project_serve`)."""
        st, p = self.model.state, self.p
        if p.ownership_pull:
            st.ownership *= 1.0 - p.ownership_decay
        if not self.projects:
            return
        participatory = bool(self._is_participatory.any())  # (the parameters read only when they count)
        organising = participatory and self.model.steps - self.launched_week < p.participatory_delay
        project_serve(
            st.capacity,
            st.place,
            st.rung,
            float(p.capacity_gain * p.org_role),
            self._held,
            self._held_rung,
            self._held_project,
            self._is_participatory,
            np.fromiter((pr.led for pr in self.projects), dtype=bool, count=len(self.projects)),
            organising,
            int(p.project_places) if participatory and not organising else 0,
            float(p.project_efficacy),
            float(p.backbone_lead_bonus),
            st.needs,
            self._served,
            self._served_category,
            self._served_project,
        )

    def record(self, out: dict) -> None:
        out["n_projects"] = len(self.projects)
        out["n_participatory_projects"] = sum(pr.participatory for pr in self.projects)
        out["project_places_held"] = int(np.count_nonzero(self.model.state.place))
        out["project_evaluation"] = self.evaluation
        out["who_decides"] = self.who_decides


@njit
def project_week(
    boost,
    retention,
    ownership,
    place,
    rung,
    provided,
    ownership_pull,
    has_projects,
    project_pull,
    project_retention,
    crowding_out,
):
    """:meth:`ProjectMechanism.act` in one compiled pass over the residents, each term in the order
    and arithmetic of its numpy form (retention combined as ``Mechanism.add_retention`` does)."""
    kept = 1.0 - project_retention
    for i in range(boost.shape[0]):
        if ownership_pull != 0.0:
            boost[i] += ownership_pull * ownership[i]
        if not has_projects:
            continue
        if place[i] == rung[i] + 1:
            boost[i] += project_pull
        if place[i] != NO_PLACE and place[i] == rung[i]:
            retention[i] = 1.0 - (1.0 - retention[i]) * kept
        if provided[i] and rung[i] < MUTUAL_AID:
            boost[i] -= crowding_out


@njit
def project_serve(
    capacity,
    place,
    rung,
    gain,
    held,
    held_rung,
    held_project,
    participatory,
    led,
    organising,
    places,
    efficacy,
    lead_bonus,
    needs,
    served,
    served_category,
    served_project,
):
    """:meth:`ProjectMechanism.serve` after the ownership's fading, compiled, each term in the order
    and arithmetic of its numpy form: capacity += gain x (1 - capacity) for every place holder;
    each project's staffing (participatory: the share of its ``places`` whose holders are on the
    place's rung or above, 0 while ``organising``; provision: 1) and the share of need it meets,
    min(1, efficacy x min(1, staffing) x (1 + lead_bonus x led)); each served resident's need in
    the project's category times 1 - that share. One entry of ``held``/``held_rung``/``held_project``
    per place held, of ``served``/``served_category``/``served_project`` per resident served (the
    (resident, category) pairs are distinct: projects on one category serve disjoint sets)."""
    for i in range(capacity.shape[0]):
        if place[i] != NO_PLACE:  # empowerment: taking part builds capacity
            capacity[i] += gain * (1.0 - capacity[i])
    k = participatory.shape[0]
    on_place = np.zeros(k, dtype=np.int64)
    for e in range(held.shape[0]):
        if rung[held[e]] >= held_rung[e]:
            on_place[held_project[e]] += 1
    met = np.empty(k)
    for j in range(k):
        staffing = 1.0
        if participatory[j]:  # still organising its residents: empowerment pays later
            staffing = 0.0 if organising or places == 0 else on_place[j] / places
        lead = 1.0 + lead_bonus * (1.0 if led[j] else 0.0)
        met[j] = min(1.0, efficacy * min(1.0, staffing) * lead)
    for e in range(served.shape[0]):
        needs[served[e], served_category[e]] *= 1.0 - met[served_project[e]]
