"""Red team mechanism (红色团队机制), with the venture-philanthropy cascade of empowerment.

    专家团队对基层党组织相关人员进行系统培训，引导他们以居民动态需求为导向，以党员服务意愿为基础，建立
    需求和服务意愿对接清单，孵化党员公益服务团队，增强基层党组织动员党员和组织党员能力。
    "Expert teams train the organisation's staff … guided by residents' changing needs and based on
    members' willingness to serve, they build a list matching needs with willingness to serve and
    incubate public-service teams."

    采用公益创投的运作模式，实现红色团队"创"和政府"投"的良性循环。首先，政府给社区工作者赋权增能……
    其次，社区工作者给红色团队赋权增能……再次，社区工作者和红色团队给居民赋权增能。
    "Venture philanthropy: teams create, government invests. First the government empowers the
    community workers (by purchasing social workers' training), then the workers empower the red
    teams, then workers and teams empower residents."

Rules (docs/ODD.md 7.7). The cascade of empowerment is explicit, one level each:

1. government -> social workers: in each team phase the government buys services worth
   venture_fund x n/1000 x three_downs, paid into the pool; training_share of it is paid out at
   once to train the social workers, the rest stays to support the teams. The social workers'
   skill S moves towards 1 by a share 1 - exp(-training_rate x training per 1,000 residents); S
   decays by skill_decay a week.
2. social workers -> teams: they incubate floor(S x teams_per_1000 x n/1000 x org_role) new
   teams a round from the matching list: willing residents (rung >= 2, not in a team, public spirit
   x min(1, time / volunteer_hours) >= willingness_min), each team on the need category with the
   greatest unmet need that has the fewest teams, its members the most willing, from the seed
   member's compound first; a backbone among them leads it. A team has round(team_size x (1 +
   maturity)) places (a mature team grows) and fills its vacancies the same way each team phase.
   Every week a team's maturity (internal governance) grows by maturity_rate x S x funded x
   (1 + [led by a backbone] / 2) x (1 - maturity), where funded is the share of its
   team_support_cost the pool could pay.
3. teams -> residents: members gain team_pull x maturity of drive, team_retention x maturity less
   slip risk and capacity_gain x org_role x maturity of capacity; each team meets team_service x
   maturity x (share of members on rung >= 3) of the need of its 2 x team_size neediest residents
   in its compound and category. A team with fewer than 2 members on rung >= 2 dissolves.
"""

from __future__ import annotations

import numpy as np

from agents import Organisation

from .mechanism import Mechanism


class RedTeam(Mechanism):
    name, zh, en = "team", "红色团队", "red team"
    OUTCOMES = ("venture_invested", "social_worker_skill", "n_teams", "team_maturity", "team_members")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        self.social_work = Organisation(model, "social_work")
        self.social_work.skill = 0.0
        self.teams: list[Organisation] = []
        self.invested = 0.0
        self.next_id = 0

    # -------------------------------------------------------------------------- phase -------
    def launch(self, round_index: int) -> None:
        m, p, st = self.model, self.p, self.model.state
        per_1000 = p["venture_fund"] * p["three_downs"]
        amount = m.pool.deposit(per_1000 * m.community.n / 1000.0, "venture_fund")
        m.pool.withdraw(amount * p["training_share"], "training")  # the rest supports the teams
        self.invested += amount
        sw = self.social_work
        sw.skill += (1.0 - sw.skill) * (1.0 - np.exp(-p["training_rate"] * per_1000 * p["training_share"]))
        willing = self._willing()
        for team in self.teams:  # a team grows with its maturity: fill its places first
            need = round(p["team_size"] * (1.0 + team.maturity)) - len(team.members)
            if need > 0:
                self._recruit(team, willing, need)
        new = int(sw.skill * p["teams_per_1000"] * m.community.n / 1000.0 * p["org_role"])
        unmet = st.needs.mean(axis=0)
        for _ in range(new):
            if np.count_nonzero(willing) < 2:
                break
            per_category = np.bincount([t.category for t in self.teams], minlength=len(unmet))
            category = int(np.lexsort((-unmet, per_category))[0])
            team = Organisation(m, "red_team", name=f"red team {self.next_id + 1}")
            self.next_id += 1
            team.category, team.maturity, team.members = category, 0.0, []
            seed_pool = np.flatnonzero(willing)
            seed = seed_pool[np.argmax(self._willingness()[seed_pool])]
            team.compound = int(st.compound[seed])
            self._recruit(team, willing, p["team_size"])
            self.teams.append(team)

    def _willingness(self) -> np.ndarray:
        st, p = self.model.state, self.p
        return st.public_spirit * np.minimum(1.0, st.time_budget / p["volunteer_hours"])

    def _willing(self) -> np.ndarray:
        st = self.model.state
        return (st.rung >= 2) & (st.team < 0) & (self._willingness() >= self.p["willingness_min"])

    def _recruit(self, team: Organisation, willing: np.ndarray, count: int) -> None:
        st = self.model.state
        local = np.flatnonzero(willing & (st.compound == team.compound))
        others = np.flatnonzero(willing & (st.compound != team.compound))
        w = self._willingness()
        ranked = np.concatenate([local[np.argsort(-w[local], kind="stable")],
                                 others[np.argsort(-w[others], kind="stable")]])[:count]
        team.members.extend(int(i) for i in ranked)
        willing[ranked] = False
        st.team[ranked] = team.unique_id
        team.led = bool(st.backbone[team.members].any()) if team.members else False

    # -------------------------------------------------------------------------- weekly ------
    def act(self) -> None:
        st, p = self.model.state, self.p
        for team in self.teams:
            idx = np.asarray(team.members, dtype=np.int64)
            st.boost[idx] += p["team_pull"] * team.maturity
            self.add_retention(p["team_retention"] * team.maturity, where=idx)
            st.capacity[idx] += p["capacity_gain"] * p["org_role"] * team.maturity * (1.0 - st.capacity[idx])

    def serve(self) -> None:
        m, st, p = self.model, self.model.state, self.p
        sw = self.social_work
        if self.teams:
            cost = p["team_support_cost"] * len(self.teams)
            funded = m.pool.withdraw(cost, "team_support") / cost if cost > 0 else 1.0
        kept = []
        for team in self.teams:
            idx = np.asarray(team.members, dtype=np.int64)
            if np.count_nonzero(st.rung[idx] >= 2) < 2:  # the team falls apart
                st.team[idx] = -1
                team.remove()
                continue
            lead = 1.0 + 0.5 * (team.led and bool(st.backbone[idx].any()))
            team.maturity += p["maturity_rate"] * sw.skill * funded * lead * (1.0 - team.maturity)
            active = np.count_nonzero(st.rung[idx] >= 3) / len(idx)
            local = np.flatnonzero(st.compound == team.compound)
            k = min(2 * p["team_size"], len(local))
            if k:
                need = st.needs[local, team.category]
                neediest = local[np.argpartition(-need, k - 1)[:k]]
                st.needs[neediest, team.category] *= 1.0 - p["team_service"] * team.maturity * active
            kept.append(team)
        self.teams = kept
        sw.skill *= 1.0 - p["skill_decay"]

    def record(self, out: dict) -> None:
        out["venture_invested"] = self.invested
        out["social_worker_skill"] = self.social_work.skill
        out["n_teams"] = len(self.teams)
        out["team_maturity"] = float(np.mean([t.maturity for t in self.teams])) if self.teams else 0.0
        out["team_members"] = int(sum(len(t.members) for t in self.teams))
