"""Red backbone mechanism (红色骨干机制).

    党员公益服务需要党员骨干，应充分发挥党员的先锋模范作用……规模较大的社区应配备专职党务工作者
    协助书记抓党建。推行社区党员分类管理，定期排查流动党员，注重发挥退休党员的作用……
    红色骨干应该在社区共同行动中发现，不能直接任命，以提升红色骨干的凝聚力和亲和力。
    "Party members' public service needs backbones; give full play to members' vanguard role …
    larger communities should have a full-time Party-affairs worker … manage members by category,
    trace mobile members, make use of retired members … red backbones should be found in the
    community's shared action, not appointed directly, to raise their cohesion and affinity."

Rules (docs/ODD.md 7.4): in each backbone phase the organisation names k = round(backbone_share x
n x capacity) backbones, capacity = 1 + fulltime_worker_bonus in communities of at least
fulltime_worker_size residents (model.org_capacity, which also extends the organisation's reach).

* emergent: among residents on rung >= backbone_min_rung, the k highest scores
  record_i x sqrt(degree_i / mean degree) x reach_i x (1 + party_priority [member]) x
  (1 + points earned last round / the most anyone earned): sustained participation, standing among
  neighbours, reachability, Party members first, and the incentive feedback of the last round;
* appointed: k Party members drawn at random, weighted by how reachable they are, whatever their
  participation.

Every week a backbone is a visible example in proportion to its own rung (credibility = rung /
top); a mobile backbone is present only with probability mobile_reach. A resident's contact is
min(1, sum of its backbone neighbours' credibility); it adds backbone_pull x contact to the drive
and is evidence for trust (model.py, trust).
"""

from __future__ import annotations

import numpy as np

from .graph import MOBILE
from .mechanism import Mechanism


class Backbone(Mechanism):
    name, zh, en = "backbone", "红色骨干", "red backbone"
    OUTCOMES = ("backbones", "backbone_mean_rung", "backbone_contact")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        n = model.community.n
        self.contact = np.zeros(n)
        degree = model.community.degree
        self.standing = np.sqrt(degree / max(degree.mean(), 1e-12))
        self.mobile = model.state.party_category == MOBILE

    def launch(self, round_index: int) -> None:
        m, p, st = self.model, self.p, self.model.state
        n = m.community.n
        k = int(round(p["backbone_share"] * n * m.org_capacity))
        st.backbone[:] = False
        member = st.party_category > 0
        match p["backbone_selection"]:
            case "emergent":
                earned = m.points_earned_round
                feedback = 1.0 + earned / max(1, int(earned.max()))
                score = (st.record * self.standing * m.reach_probability * (1.0 + p["party_priority"] * member)
                         * feedback)
                # a resident nobody can reach, or with no record, cannot stand out
                candidates = np.flatnonzero((st.rung >= p["backbone_min_rung"]) & (score > 0))
                if len(candidates) > k:
                    jitter = self.rng.random(len(candidates)) * 1e-9  # break exact ties at random
                    top = np.argpartition(-(score[candidates] + jitter), k - 1)[:k] if k > 0 else []
                    candidates = candidates[top]
                chosen = candidates
            case "appointed":
                members = np.flatnonzero(member)
                weight = m.reach_probability[members]
                total = weight.sum()
                chance = weight / total if total > 0 else weight
                take = min(k, int(np.count_nonzero(chance)))  # after normalising: tiny weights can vanish
                chosen = (self.rng.choice(members, size=take, replace=False, p=chance)
                          if take > 0 else members[:0])
            case other:
                raise ValueError(f"unknown backbone_selection {other!r}; allowed: emergent, appointed")
        st.backbone[chosen] = True

    def act(self) -> None:
        m, st = self.model, self.model.state
        credibility = st.backbone * (st.rung / m.top)
        away = self.mobile & st.backbone
        if away.any():
            credibility[away] *= self.rng.random(int(away.sum())) < self.p["mobile_reach"]
        self.contact = np.minimum(1.0, m.adjacency @ credibility)
        st.boost += self.p["backbone_pull"] * self.contact

    def record(self, out: dict) -> None:
        st = self.model.state
        out["backbones"] = int(np.count_nonzero(st.backbone))
        out["backbone_mean_rung"] = float(st.rung[st.backbone].mean()) if out["backbones"] else 0.0
        out["backbone_contact"] = float(self.contact.mean())
