"""Red backbone mechanism (红色骨干机制).

    党员公益服务需要党员骨干，应充分发挥党员的先锋模范作用……规模较大的社区应配备专职党务工作者
    协助书记抓党建。推行社区党员分类管理，定期排查流动党员，注重发挥退休党员的作用……
    红色骨干应该在社区共同行动中发现，不能直接任命，以提升红色骨干的凝聚力和亲和力。
    "Party members' public service needs backbones; give full play to members' vanguard role …
    larger communities should have a full-time Party-affairs worker … manage members by category,
    trace mobile members, make use of retired members … red backbones should be found in the
    community's shared action, not appointed directly, to raise their cohesion and affinity."

Gloss: in each backbone phase the organisation names backbones, found among the residents with
the most sustained participation (emergent) or appointed from Party members; every week a
backbone's example pulls its neighbours up in proportion to its credibility, what residents see it
do (the service it gives, and in part their trust in the organisation that named it), and is
evidence for trust; the role itself spurs the backbone on. The rules and equations: docs/ODD.md
7.4 and 7.14.
"""

from __future__ import annotations

import numpy as np

from ..counts import expected_count, whole
from ..cycle import loop_open
from ..graph import MOBILE
from ..jit import njit
from ..ladder import Rung
from ..weekly import neighbour_mean
from .base import Mechanism

PUBLIC_AFFAIRS = int(Rung.PUBLIC_AFFAIRS)  # a plain int for compiled code


class BackboneMechanism(Mechanism):
    OUTCOMES = ("backbones", "backbone_mean_rung", "backbone_contact")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        degree = model.community.degree
        self.standing = np.sqrt(degree / max(degree.mean(), 1e-12))
        self.mobile = model.state.party_category == MOBILE
        if self.p.backbone_credibility == "seen":
            st = model.state
            st.service_seen[:] = self._service_this_week()

    def stop(self) -> None:
        st = self.model.state
        st.backbone[:] = False
        st.backbone_contact[:] = 0.0

    def launch(self) -> None:
        m, p, st = self.model, self.p, self.model.state
        n = m.community.n
        k = whole(expected_count("backbones", n, p, m.org_capacity), p, rng=self.rng)
        st.backbone[:] = False
        member = st.party_category > 0
        match p.backbone_selection:
            case "emergent":
                earned = st.points_earned_round
                # the end is a new start: last round's points weigh in (not in the loop-cut twin)
                feedback = 1.0 + earned / max(1, int(earned.max())) if loop_open(p, "points_to_backbones") else 1.0
                score = st.record * self.standing * st.reach_probability * (1.0 + p.party_priority * member) * feedback
                # a resident nobody can reach, or with no record, cannot stand out
                candidates = np.flatnonzero((st.rung >= p.backbone_min_rung) & (score > 0))
                if len(candidates) > k:
                    jitter = self.rng.random(len(candidates)) * 1e-9  # break exact ties at random
                    top = np.argpartition(-(score[candidates] + jitter), k - 1)[:k] if k > 0 else np.empty(0, np.int64)
                    candidates = candidates[top]
                chosen = candidates
            case "appointed":
                members = np.flatnonzero(member)
                weight = st.reach_probability[members]
                total = weight.sum()
                chance = weight / total if total > 0 else weight
                take = min(k, int(np.count_nonzero(chance)))  # after normalising: tiny weights can vanish
                chosen = self.rng.choice(members, size=take, replace=False, p=chance) if take > 0 else members[:0]
            case other:
                raise ValueError(f"unknown backbone_selection {other!r}; allowed: emergent, appointed")
        st.backbone[chosen] = True

    def _service_this_week(self) -> np.ndarray:
        """Service residents can see: the share of volunteer_hours a resident on the public-affairs
        rung or above gives this week."""
        st, p = self.model.state, self.p
        return (st.rung >= Rung.PUBLIC_AFFAIRS) * np.minimum(1.0, st.time_budget / p.volunteer_hours)

    def _credibility(self) -> np.ndarray:
        """Each resident's worth as an example, nonzero only for backbones."""
        m, st, p = self.model, self.model.state, self.p
        match p.backbone_credibility:
            case "rung":  # the rule before issue 15: its rung, by rule
                return st.backbone * (st.rung / Rung.VOLUNTEERING)
            case "seen":
                credibility = np.zeros(len(st.rung))
                who = np.flatnonzero(st.backbone)
                if len(who):
                    # its neighbours' trust in the organisation that named it (the mandate) ...
                    a = m.adjacency
                    local_trust = neighbour_mean(a.indptr, a.indices, a.data, who, st.trust)
                    mandate = p.backbone_mandate
                    # ... and the service they have seen it give
                    credibility[who] = (1.0 - mandate) * st.service_seen[who] + mandate * local_trust
                return credibility
            case other:
                raise ValueError(f"unknown backbone_credibility {other!r}; allowed: seen, rung")

    def act(self) -> None:
        m, st, p = self.model, self.model.state, self.p
        credibility = self._credibility()
        away = self.mobile & st.backbone
        if away.any():
            credibility[away] *= self.rng.random(int(away.sum())) < self.p.mobile_reach
        # named, a backbone is expected to serve: the role spurs it on (backbone_role_pull); every
        # resident feels its backbone neighbours' example (backbone_contact) and is pulled by it
        a = m.adjacency
        example_contact(
            a.indptr,
            a.indices,
            a.data,
            credibility,
            st.backbone,
            float(p.backbone_role_pull),
            float(p.backbone_pull),
            st.backbone_contact,
            st.boost,
        )

    def serve(self) -> None:
        """Leading costs: a backbone spends public spirit each week it serves (burnout); residents
        see who served this week."""
        st = self.model.state
        if self.p.backbone_burnout:
            st.public_spirit[st.backbone] *= 1.0 - self.p.backbone_burnout
        if self.p.backbone_credibility == "seen":  # seen += (_service_this_week() - seen) / record_weeks
            see_service(
                st.service_seen, st.rung, st.time_budget, float(self.p.volunteer_hours), float(self.p.record_weeks)
            )

    def record(self, out: dict) -> None:
        st = self.model.state
        out["backbones"] = int(np.count_nonzero(st.backbone))
        out["backbone_mean_rung"] = float(st.rung[st.backbone].mean()) if out["backbones"] else 0.0
        out["backbone_contact"] = float(st.backbone_contact.mean())


@njit
def see_service(seen, rung, time_budget, volunteer_hours, record_weeks):
    """The service residents see, moved towards this week's (``_service_this_week``) by
    1 / record_weeks, in one compiled pass with the numpy form's arithmetic."""
    for i in range(seen.shape[0]):
        service = (1.0 if rung[i] >= PUBLIC_AFFAIRS else 0.0) * min(1.0, time_budget[i] / volunteer_hours)
        seen[i] += (service - seen[i]) / record_weeks


@njit
def example_contact(indptr, indices, data, credibility, backbone, role_pull, pull, contact, boost):
    """:meth:`BackboneMechanism.act` after the credibility, in one compiled pass: each resident's
    contact min(1, adjacency @ credibility) into ``contact``; a backbone's boost gains ``role_pull``
    (when nonzero), then every boost ``pull`` x contact.

    The product is scipy's ``csr_matvec`` bit for bit (each row summed from 0.0 in its stored
    order), but only over the rows next to a resident of nonzero credibility (the backbones): every
    other row sums only zeros, to 0.0. Their neighbours are found from the backbones' own rows: the
    community's adjacency is symmetric (model/graph.py, ``Community``), so i is in j's row when j is
    in i's."""
    n = contact.shape[0]
    near = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        contact[i] = 0.0  # min(1, a sum of zeros)
    for j in range(n):
        if credibility[j] == 0.0:
            continue
        for e in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):  # unsigned: no wraparound check
            i = np.uint64(indices[e])
            if near[i]:
                continue
            near[i] = True
            total = 0.0
            for f in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):
                total += data[f] * credibility[np.uint64(indices[f])]
            contact[i] = min(1.0, total)
    if role_pull != 0.0:
        for i in range(n):
            if backbone[i]:
                boost[i] += role_pull
    for i in range(n):
        boost[i] += pull * contact[i]
