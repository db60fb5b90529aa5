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

Gloss: the cascade of empowerment, one level each: the government buys social workers'
training (and supports the teams) through the pool; trained social workers incubate teams from a
list matching residents' needs with willing residents; teams mature, grow, hold and lift their
members and meet their neighbours' needs, and fall apart when too few members stay active. A
providing organisation (org_role < 1) runs a share 1 - org_role of the teams its own way (包办):
appointed teams, staffed by it, working in full from the start, holding and lifting the members it
assigns but building no one's capacity, never falling apart, and costing provider_team_cost times
as much; so which strategy does more is decided by what the teams do over time, not by a rule.
The rules and equations: docs/ODD.md 7.8 and 7.14.
"""

from __future__ import annotations

import math

import numpy as np

from agents import RedTeam, SocialWorkOrganisation

from ..counts import expected_count, whole
from ..jit import njit
from ..ladder import Rung
from ..outreach import venture_fund_per_1000
from .base import Mechanism

MIN_ACTIVE_MEMBERS = 2
MUTUAL_AID, PUBLIC_AFFAIRS = (
    int(Rung.MUTUAL_AID),
    int(Rung.PUBLIC_AFFAIRS),
)  # plain ints (compiled code; numpy compares faster)
SERVED_PER_MEMBER = 2
"""A team serves the neediest residents of its compound, SERVED_PER_MEMBER per member. Modelling assumption."""
"""A team needs at least this many members on the mutual-aid rung or above to hold together."""


@njit
def serve_neediest(needs, compound_start, compound_residents, compounds, categories, factors, served):
    """For each (compound, category) the teams serve this week: the ``served`` residents of the
    compound with the highest unmet need in the category (all of them if fewer) keep ``factor`` of
    it. Ties at the cut go to the residents first in the compound's list (a need equal to another's
    to the last bit is rare but for 0, where the choice changes nothing). One compiled pass per
    compound and category: the ``served`` highest so far are kept in a short sorted buffer with their
    residents, a later resident entering only with a strictly higher need and sitting below the
    equal ones already there, so the buffer ends with the highest needs, ties to the first."""
    for key in range(compounds.shape[0]):
        c, category, factor = compounds[key], categories[key], factors[key]
        local = compound_residents[compound_start[c] : compound_start[c + 1]]
        n = local.shape[0]
        k = min(served, n)
        if k == 0:
            continue
        top = np.full(k, -np.inf)  # the k highest so far, lowest first
        who = np.full(k, -1, dtype=np.int64)  # their residents
        for j in range(n):
            v = needs[local[j], category]
            if v > top[0]:
                pos = 0
                while pos + 1 < k and top[pos + 1] < v:
                    top[pos] = top[pos + 1]
                    who[pos] = who[pos + 1]
                    pos += 1
                top[pos] = v
                who[pos] = local[j]
        for pos in range(k):
            if who[pos] >= 0:
                needs[who[pos], category] = top[pos] * factor


@njit
def team_serve(
    member,
    member_team,
    rung,
    backbone,
    provided,
    any_provided,
    mat,
    led,
    capacity,
    funded,
    gain,
    growth,
    lead_bonus,
    service,
    team_key,
    key_compound,
    key_category,
    needs,
    compound_start,
    compound_residents,
    served,
):
    """:meth:`TeamMechanism.serve` once the teams are paid for, compiled, each term in the order and
    arithmetic of its numpy form. ``member``/``member_team``: every member once with its team's
    position; ``mat``: the teams' maturity, updated in place; ``led``: filled, whether a backbone is
    among a team's members this week; ``funded``: the share of its support the pool paid; ``gain``:
    capacity_gain x org_role; ``growth``: maturity_rate x skill x funded.

    Members gain capacity at last week's maturity (none from an appointed team); each team matures
    by min(1, growth x (1 + lead_bonus x led)) x (1 - maturity) (an appointed one is 1); the teams
    of each (compound, category) key relieve its ``served`` neediest residents by the product over
    them of 1 - service x maturity x active (the share of members on the public-affairs rung or
    above; an appointed team's staff: ``funded``)."""
    k = mat.shape[0]
    size = np.zeros(k, dtype=np.int64)
    active = np.zeros(k, dtype=np.int64)
    backbones = np.zeros(k, dtype=np.int64)
    for e in range(member.shape[0]):
        t, i = member_team[e], member[e]
        size[t] += 1
        if rung[i] >= PUBLIC_AFFAIRS:
            active[t] += 1
        if backbone[i]:
            backbones[t] += 1
        grow = gain * mat[t]
        if any_provided:  # an appointed team builds no one's capacity
            grow = grow * (0.0 if provided[t] else 1.0)
        capacity[i] += grow * (1.0 - capacity[i])
    relief = np.ones(key_compound.shape[0])
    for t in range(k):
        led[t] = backbones[t] > 0
        lead = 1.0 + lead_bonus * (1.0 if led[t] else 0.0)
        mat[t] += min(1.0, growth * lead) * (1.0 - mat[t])
        if any_provided and provided[t]:
            mat[t] = 1.0  # run by professionals: in full from the start
        share = funded if provided[t] else active[t] / max(size[t], 1)
        relief[team_key[t]] *= 1.0 - service * mat[t] * share
    serve_neediest(needs, compound_start, compound_residents, key_compound, key_category, relief, served)


@njit
def team_act(member, member_team, mat, boost, retention, pull, hold):
    """:meth:`TeamMechanism.act` in one compiled pass over the members: each gains ``pull`` x its team's
    maturity in boost and combines ``hold`` x that maturity into its retention (as add_retention does)."""
    for e in range(member.shape[0]):
        i, maturity = member[e], mat[member_team[e]]
        boost[i] += pull * maturity
        retention[i] = 1.0 - (1.0 - retention[i]) * (1.0 - hold * maturity)


class TeamMechanism(Mechanism):
    OUTCOMES = (
        "venture_invested",
        "social_worker_skill",
        "n_teams",
        "team_maturity",
        "team_members",
        "provider_run_teams",
    )

    def __init__(self, model, rng):
        super().__init__(model, rng)
        self.social_work = SocialWorkOrganisation(model)
        self.teams: list[RedTeam] = []
        self.invested = 0.0
        self.next_id = 0
        # residents of each compound, found once (teams recruit and serve within their compound), as one
        # table: compound c's are compound_residents[compound_start[c] : compound_start[c + 1]] (ids 0 ... max)
        compound = model.state.compound
        order = np.argsort(compound, kind="stable")
        self.compound_residents = order.astype(np.int64)
        self.compound_start = np.searchsorted(compound[order], np.arange(int(compound.max(initial=-1)) + 2))
        self._index_members()

    def stop(self) -> None:
        self.model.state.team[:] = -1
        for team in self.teams:
            team.remove()
        self.social_work.remove()

    def _index_members(self) -> None:
        """Every member once, with the position of its team in self.teams (vectorised weekly work)."""
        self.member = np.asarray([i for t in self.teams for i in t.members], dtype=np.int64)
        self.member_team = np.repeat(np.arange(len(self.teams)), [len(t.members) for t in self.teams])
        self.provided = np.fromiter((t.provided for t in self.teams), dtype=bool, count=len(self.teams))
        # teams on the same compound and category serve the same neediest residents: each team's
        # (compound, category) key, numbered in the order the teams first name them
        keys: dict[tuple[int, int], int] = {}
        self.team_key = np.array([keys.setdefault((t.compound, t.category), len(keys)) for t in self.teams], np.int64)
        self.key_compound = np.array([c for c, _ in keys], dtype=np.int64)
        self.key_category = np.array([k for _, k in keys], dtype=np.int64)

    # -------------------------------------------------------------------------- phase -------
    @staticmethod
    def government_funds(model) -> dict[str, float]:
        """The venture fund (公益创投), per round, for the community's size."""
        return {"venture_fund": venture_fund_per_1000(model.p) * model.community.n / 1000.0}

    def launch(self) -> None:
        m, p, st = self.model, self.p, self.model.state
        per_1000 = venture_fund_per_1000(p)
        amount = m.pool.deposit(self.government_funds(m)["venture_fund"], "venture_fund")
        m.pool.withdraw(amount * p.training_share, "training")  # the rest supports the teams
        self.invested += amount
        sw = self.social_work
        sw.skill += (1.0 - sw.skill) * (1.0 - math.exp(-p.training_rate * per_1000 * p.training_share))
        w = self._willingness()
        willing = self._willing(w)
        ranked = np.flatnonzero(willing)
        ranked = ranked[np.argsort(-w[ranked], kind="stable")]  # the matching list, most willing first
        for team in self.teams:  # a team grows with its maturity: fill its places first
            need = whole(p.team_size * (1.0 + team.maturity), p, rng=self.rng) - len(team.members)
            if need > 0:
                self._recruit(team, willing, ranked, w, need)
        possible = expected_count("teams_possible", m.community.n, p, skill=sw.skill)
        if p.provider_teams:  # every strategy starts teams; the strategy decides who runs them
            new = whole(possible, p, rng=self.rng)
        else:  # the rule before issue 15: a provider starts none
            new = whole(possible * p.org_role, p, rng=self.rng, earlier=int)
        if p.teams_max_per_1000 is not None:  # growth has limits: the social workers' capacity
            cap = whole(expected_count("teams_cap", m.community.n, p), p, rng=self.rng, earlier=int)
            new = min(new, max(0, cap - len(self.teams)))
        unmet = st.needs.mean(axis=0)
        per_category = np.bincount([t.category for t in self.teams], minlength=len(unmet))
        free, head = int(np.count_nonzero(willing)), 0
        provided = (self.rng.random(new) >= p.org_role) if p.provider_teams else np.zeros(new, dtype=bool)
        for run_by_org in provided.tolist():
            while head < len(ranked) and not willing[ranked[head]]:
                head += 1  # the matching list only loses entries: walk it once
            if free < 2:
                break
            category = int(np.lexsort((-unmet, per_category))[0])
            per_category[category] += 1
            # seeded by the most willing free resident, in its compound
            team = RedTeam(m, self.next_id + 1, category, compound=int(st.compound[ranked[head]]), provided=run_by_org)
            self.next_id += 1
            free -= self._recruit(team, willing, ranked, w, p.team_size)
            self.teams.append(team)
        self._index_members()

    def _willingness(self) -> np.ndarray:
        st, p = self.model.state, self.p
        return st.public_spirit * np.minimum(1.0, st.time_budget / p.volunteer_hours)

    def _willing(self, w: np.ndarray | None = None) -> np.ndarray:
        """The matching list: residents on the mutual-aid rung or above, in no team, willing enough."""
        st = self.model.state
        w = self._willingness() if w is None else w
        return (st.rung >= Rung.MUTUAL_AID) & (st.team < 0) & (w >= self.p.willingness_min)

    def _recruit(self, team: RedTeam, willing: np.ndarray, ranked: np.ndarray, w: np.ndarray, count: int) -> int:
        """The ``count`` most willing free residents, from the team's compound first."""
        st = self.model.state
        local = self.compound_residents[self.compound_start[team.compound] : self.compound_start[team.compound + 1]]
        local = local[willing[local]]
        chosen = local[np.argsort(-w[local], kind="stable")][:count]
        if len(chosen) < count:
            others = ranked[willing[ranked] & (st.compound[ranked] != team.compound)]
            chosen = np.concatenate([chosen, others[: count - len(chosen)]])
        team.members.extend(int(i) for i in chosen)
        willing[chosen] = False
        st.team[chosen] = team.unique_id
        team.led = bool(st.backbone[team.members].any()) if team.members else False
        return len(chosen)

    # -------------------------------------------------------------------------- weekly ------
    def _maturity(self) -> np.ndarray:
        return np.fromiter((t.maturity for t in self.teams), dtype=np.float64, count=len(self.teams))

    def act(self) -> None:
        if not self.teams:
            return
        st, p = self.model.state, self.p
        team_act(
            self.member,
            self.member_team,
            self._maturity(),
            st.boost,
            st.retention,
            float(p.team_pull),
            float(p.team_retention),
        )

    def serve(self) -> None:
        m, st, p = self.model, self.model.state, self.p
        sw = self.social_work
        if self.teams:
            self._dissolve_failing()  # a team that falls apart this week is not paid for
        if self.teams:
            k_teams = len(self.teams)
            n_provided = int(np.count_nonzero(self.provided))
            cost = p.team_support_cost * (k_teams - n_provided + p.provider_team_cost * n_provided)
            funded = m.pool.withdraw(cost, "team_support") / cost if cost > 0 else 1.0
            mat = self._maturity()
            led = np.empty(k_teams, dtype=bool)
            team_serve(
                self.member,
                self.member_team,
                st.rung,
                st.backbone,
                self.provided,
                n_provided > 0,
                mat,
                led,
                st.capacity,
                float(funded),
                float(p.capacity_gain * p.org_role),
                float(p.maturity_rate * sw.skill * funded),
                float(p.backbone_lead_bonus),
                float(p.team_service),
                self.team_key,
                self.key_compound,
                self.key_category,
                st.needs,
                self.compound_start,
                self.compound_residents,
                SERVED_PER_MEMBER * p.team_size,
            )
            for team, value, is_led in zip(self.teams, mat.tolist(), led.tolist(), strict=True):
                team.maturity, team.led = value, is_led
        sw.skill *= 1.0 - p.skill_decay

    def _dissolve_failing(self) -> None:
        """A team with fewer than MIN_ACTIVE_MEMBERS on the mutual-aid rung or above falls apart and
        frees its members."""
        st = self.model.state
        on2 = np.bincount(self.member_team[st.rung[self.member] >= MUTUAL_AID], minlength=len(self.teams))
        holds = (on2 >= MIN_ACTIVE_MEMBERS) | self.provided  # an appointed team is held by its staff
        if holds.all():
            return
        kept = []
        for team, alive in zip(self.teams, holds, strict=True):
            if alive:
                kept.append(team)
            else:
                st.team[np.asarray(team.members, dtype=np.int64)] = -1
                team.remove()
        self.teams = kept
        self._index_members()

    def record(self, out: dict) -> None:
        out["venture_invested"] = self.invested
        out["social_worker_skill"] = self.social_work.skill
        out["n_teams"] = len(self.teams)
        own = ~self.provided  # the maturity of residents' own teams (provider-run teams are 1 by rule)
        out["team_maturity"] = float(self._maturity()[own].mean()) if own.any() else 0.0
        out["provider_run_teams"] = int(np.count_nonzero(self.provided))
        out["team_members"] = len(self.member)
