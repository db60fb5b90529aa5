"""Red project mechanism (红色项目机制).

    基层党组织引导党员公益服务团队，整合服务菜单、服务项目和服务流程，通过政府设立种子基金形式，
    创设红色项目服务超市，增强基层党组织为民服务能力。红色项目必须依托居民的实际需求，实现"点对点"服务居民。
    "The grassroots Party organisation … integrates service menus, projects and processes and,
    through a government seed fund, creates a red project service supermarket … Red projects must
    rest on residents' actual needs and serve residents point to point."

    社区需求让居民表达(问需于民)；社区问题让居民讨论(问计于民)；社区事务让居民参与(问效于民)。
    "Let residents voice the needs, discuss the problems, take part in (and evaluate) the affairs."

Rules (docs/ODD.md 7.5), in each project phase:

1. The government pays seed_fund x n/1000 x three_downs into the pool.
2. Last round's projects are evaluated: residents' evaluation is the mean share of their need (in
   the project's category) met since it started, over the residents it served; the organisation's
   own view is always 1 ("decide for residents"). The evaluation is resident_voice x residents' +
   (1 - resident_voice) x organisation's; a project is renewed if it reaches renewal_bar and the
   pool can pay for it.
3. New projects fill the budget (project_budget_share of the balance, project_cost each). Each
   takes the need category with the highest priority resident_voice x survey_c + (1 -
   resident_voice) x guess_c, divided by (1 + projects already on c); survey_c aggregates the
   needs of the residents reached (rung >= 1) by the scoring method (mean need) or the problem-count
   method (share with need > 0.5); guess_c is the organisation's own fixed guess (a Dirichlet(1)
   draw).
4. round(projects x org_role) of them are participatory: they open project_places places on rungs
   2, 3, 4 (3:2:1), filled by reached residents on the rung below or on it, weighted by trust x
   public spirit; the rest are direct provision by the organisation (the provider role).
5. Each project serves the project_served residents with the greatest need in its category.

Every week a place one rung above its holder adds project_pull to the drive, a place at the
holder's rung removes project_retention of the slip risk, participants gain capacity
(capacity_gain x org_role); residents served by direct provision lose crowding_out of drive
(provision crowds out self-help); each project meets min(1, project_efficacy x staffing x (1 +
backbone_lead_bonus [a backbone holds a place])) of its served residents' need (staffing = share of
places held by residents on the place's rung or above; 1 for provision): backbones lead projects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mechanism import Mechanism

PLACE_RUNGS = (2, 3, 4)
PLACE_SPLIT = (3, 2, 1)


def split_places(total: int) -> list[int]:
    """``total`` places split 3:2:1 over rungs 2, 3, 4 by largest remainder (they sum to ``total``)."""
    exact = np.asarray(PLACE_SPLIT, dtype=float) * total / sum(PLACE_SPLIT)
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]:
        counts[i] += 1
    return counts.tolist()


@dataclass
class Project:
    category: int
    participatory: bool
    served: np.ndarray  # resident indices
    need_at_start: np.ndarray  # their need in the category when the project started
    participants: np.ndarray  # resident indices holding places
    place_rung: np.ndarray  # the rung of each participant's place
    led: bool = False  # a backbone holds one of its places


class RedProject(Mechanism):
    name, zh, en = "project", "红色项目", "red project"
    OUTCOMES = ("n_projects", "n_participatory_projects", "project_places_held", "project_evaluation", "who_decides")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        n_categories = model.state.needs.shape[1]
        self.guess = rng.dirichlet(np.ones(n_categories))
        self.projects: list[Project] = []
        self.provided = np.zeros(model.community.n, dtype=bool)
        self.who_decides = 0.0
        self.spent_round = 0.0
        self.renewed_round = 0
        self.evaluation = 0.0

    # -------------------------------------------------------------------------- phase -------
    def launch(self, round_index: int) -> None:
        m, p, st = self.model, self.p, self.model.state
        n = m.community.n
        m.pool.deposit(p["seed_fund"] * n / 1000.0 * p["three_downs"], "seed_fund")
        keep = []
        evaluations = []
        for proj in self.projects:
            now = st.needs[proj.served, proj.category]
            start = np.maximum(proj.need_at_start, 1e-12)
            residents_view = float(np.clip((proj.need_at_start - now) / start, 0.0, 1.0).mean())
            evaluation = p["resident_voice"] * residents_view + (1.0 - p["resident_voice"]) * 1.0
            evaluations.append(evaluation)
            if evaluation >= p["renewal_bar"]:
                keep.append(proj.category)
        self.evaluation = float(np.mean(evaluations)) if evaluations else 0.0
        st.place[:] = 0
        self.provided[:] = False
        budget = m.pool.balance * p["project_budget_share"]
        affordable = int(budget // p["project_cost"]) if p["project_cost"] > 0 else 0
        count = min(affordable, max(1, int(np.ceil(n / p["project_served"]))))
        self.spent_round = m.pool.withdraw(count * p["project_cost"], "projects")
        self.renewed_round = min(len(keep), count)
        categories = keep[:count]
        priority = self._priority()
        per_category = np.bincount(np.asarray(categories, dtype=np.int64), minlength=len(priority)).astype(float)
        while len(categories) < count:
            c = int(np.argmax(priority / (1.0 + per_category)))
            categories.append(c)
            per_category[c] += 1
        n_participatory = int(round(count * p["org_role"]))
        taken = np.zeros(n, dtype=bool)
        self.projects = [self._start(c, i < n_participatory, taken) for i, c in enumerate(categories)]

    def _priority(self) -> np.ndarray:
        """Residents' voice (needs survey) and the organisation's guess, weighted by resident_voice."""
        st, p = self.model.state, self.p
        respondents = self.reached(st.rung >= 1)
        k = int(np.count_nonzero(respondents))
        self.who_decides = p["resident_voice"] * k / len(respondents)
        if k == 0:
            return self.guess.copy()
        needs = st.needs[respondents]
        match p["survey_method"]:
            case "scoring":
                survey = needs.mean(axis=0)
            case "problem_count":
                survey = (needs > 0.5).mean(axis=0)
            case other:
                raise ValueError(f"unknown survey_method {other!r}; allowed: scoring, problem_count")
        total = survey.sum()
        survey = survey / total if total > 0 else np.full(len(survey), 1.0 / len(survey))
        return p["resident_voice"] * survey + (1.0 - p["resident_voice"]) * self.guess

    def _start(self, category: int, participatory: bool, taken: np.ndarray) -> Project:
        st, p = self.model.state, self.p
        need = st.needs[:, category]
        k = min(p["project_served"], len(need))
        served = np.argpartition(-need, k - 1)[:k]
        participants, place_rung = [], []
        if participatory:
            for rung, places in zip(PLACE_RUNGS, split_places(p["project_places"]), strict=True):
                pool = np.flatnonzero(self.reached((st.rung >= rung - 1) & (st.rung <= rung) & ~taken))
                take = min(places, len(pool))
                if take == 0:
                    continue
                w = st.trust[pool] * st.public_spirit[pool] + 1e-12
                chosen = self.rng.choice(pool, size=take, replace=False, p=w / w.sum())
                taken[chosen] = True
                st.place[chosen] = rung
                participants.append(chosen)
                place_rung.append(np.full(take, rung, dtype=np.int8))
        else:
            self.provided[served] = True
        cat = lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dt)  # noqa: E731
        holders = cat(participants, np.int64)
        return Project(category, participatory, served, need[served].copy(), holders, cat(place_rung, np.int8),
                       led=bool(st.backbone[holders].any()))

    # -------------------------------------------------------------------------- weekly ------
    def act(self) -> None:
        st, p = self.model.state, self.p
        if not self.projects:
            return
        pulled = st.place == st.rung + 1
        st.boost[pulled] += p["project_pull"]
        self.add_retention(p["project_retention"], where=(st.place > 0) & (st.place == st.rung))
        st.boost[self.provided & (st.rung < 2)] -= p["crowding_out"]
        holders = st.place > 0
        st.capacity[holders] += p["capacity_gain"] * p["org_role"] * (1.0 - st.capacity[holders])

    def serve(self) -> None:
        st, p = self.model.state, self.p
        for proj in self.projects:
            if proj.participatory:
                staffing = (np.count_nonzero(st.rung[proj.participants] >= proj.place_rung) / p["project_places"]
                            if p["project_places"] else 0.0)
            else:
                staffing = 1.0
            lead = 1.0 + p["backbone_lead_bonus"] * proj.led
            st.needs[proj.served, proj.category] *= 1.0 - min(1.0, p["project_efficacy"] * min(1.0, staffing) * lead)

    def record(self, out: dict) -> None:
        out["n_projects"] = len(self.projects)
        out["n_participatory_projects"] = sum(pr.participatory for pr in self.projects)
        out["project_places_held"] = int(np.count_nonzero(self.model.state.place))
        out["project_evaluation"] = self.evaluation
        out["who_decides"] = self.who_decides
