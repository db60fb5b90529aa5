"""Red resource mechanism (红色资源机制).

    基层党组织要具有行动者意识，坚持互惠互利原则，依托区域化大党建机制，通过以资源换资源，以服务换服务
    的方式，促进社区社会资源与辖区在地社会资源的整合和循环利用。通过签订共建共享协议，建立开放性的互联
    互动纽带，通过整合盘活信息、文化、阵地、服务等实现资源共享。
    "… on the principle of mutual benefit, through regional Party building, exchanging resources for
    resources and services for services, integrate and recycle the community's resources with those
    of the units in the area; sign co-building and sharing agreements …"

Gloss: co-building units in the area sign agreements with the organisation; they pay into the
pool, and their contributions grow with the volunteering service the community gives back (and
fade without it). The rules and equations: docs/ODD.md 7.7.
"""

from __future__ import annotations

from agents import CoBuildingUnit

from ..counts import expected_count, unit_weights
from ..cycle import loop_open
from ..ladder import Rung
from ..weekly import capped_hours
from .base import Mechanism

VOLUNTEERING = int(Rung.VOLUNTEERING)  # a plain int: numpy compares an int8 array with it faster than with the enum


class ResourceMechanism(Mechanism):
    OUTCOMES = ("units_signed", "unit_contributions", "service_hours_to_units")

    def __init__(self, model, rng):
        super().__init__(model, rng)
        weights = unit_weights(expected_count("units", model.community.n, self.p), self.p)
        self.units = [CoBuildingUnit(model, i + 1, weight=w) for i, w in enumerate(weights)]
        self.hours_given = 0.0

    def stop(self) -> None:
        for unit in self.units:
            unit.remove()

    def launch(self) -> None:
        p = self.p
        for u in self.units:
            if not u.signed and self.rng.random() < p.agreement_rate * p.three_downs:
                u.signed = True
                u.contribution = p.unit_contribution

    def serve(self) -> None:
        m, st, p = self.model, self.model.state, self.p
        signed = [u for u in self.units if u.signed]
        hours = float(capped_hours(st.time_budget, float(p.volunteer_hours), st.rung == VOLUNTEERING).sum())
        self.hours_given = hours * p.service_exchange_share if signed else 0.0
        weight = sum(u.weight for u in signed)
        for u in signed:
            if loop_open(p, "service_to_units"):  # a unit's contribution follows the service it gets back
                u.contribution = (1.0 - p.unit_fade) * u.contribution + p.reciprocity * self.hours_given / weight
            m.pool.deposit(u.weight * u.contribution, "co_building")  # a part unit gives its part

    def record(self, out: dict) -> None:
        out["units_signed"] = float(sum(u.weight for u in self.units if u.signed))
        out["unit_contributions"] = float(sum(u.weight * u.contribution for u in self.units if u.signed))
        out["service_hours_to_units"] = self.hours_given
