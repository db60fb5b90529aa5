"""Organisations of the essay as Mesa agents (not nodes of the residents' graph).

The engine creates the community Party organisation and the government; the mechanisms create a
social-work organisation, co-building units and red teams. Each kind declares its state here;
the rules that change it are the mechanisms' (model/mechanisms/).
"""

from __future__ import annotations

import mesa

ORGANISATION_KINDS: dict[str, tuple[str, str]] = {
    "party_organisation": ("社区党组织", "community Party organisation"),
    "government": ("政府", "government"),
    "social_work": ("社工机构", "social-work organisation"),
    "co_building_unit": ("共建单位", "co-building unit"),
    "red_team": ("红色团队", "red team"),
}


class Organisation(mesa.Agent):
    """An organisation: its ``kind`` is one of ORGANISATION_KINDS."""

    def __init__(self, model, kind: str, name: str | None = None):
        match kind:
            case "party_organisation" | "government" | "social_work" | "co_building_unit" | "red_team":
                pass
            case _:
                raise ValueError(f"unknown organisation kind {kind!r}; allowed: {', '.join(ORGANISATION_KINDS)}")
        super().__init__(model)
        self.kind = kind
        self.name_zh, self.name_en = ORGANISATION_KINDS[kind]
        self.name = name or self.name_en

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.kind!r}, name={self.name!r})"


class SocialWorkOrganisation(Organisation):
    """The social workers whose training the government buys (赋权增能, first level)."""

    def __init__(self, model):
        super().__init__(model, "social_work")
        self.skill: float = 0.0  # 0-1, moved up by training, decays weekly


class CoBuildingUnit(Organisation):
    """A unit in the area (enterprise, school, hospital, agency) that may sign a co-building agreement."""

    def __init__(self, model, number: int, weight: float = 1.0):
        super().__init__(model, "co_building_unit", name=f"co-building unit {number}")
        self.signed: bool = False
        self.contribution: float = 0.0  # paid into the pool each week once signed (times weight)
        self.weight: float = weight  # 1, or the fraction of a unit a small community's share comes to


class RedTeam(Organisation):
    """A red team (红色团队): members (resident indices) serving one need category in one compound."""

    def __init__(self, model, number: int, category: int, compound: int, provided: bool = False):
        super().__init__(model, "red_team", name=f"red team {number}")
        self.category: int = category
        self.compound: int = compound
        # provider-run (包办): staffed by the organisation, serving at once, recruiting and lifting no resident
        self.provided: bool = provided
        self.maturity: float = 0.0  # internal governance, 0-1
        self.members: list[int] = []
        self.led: bool = False  # a backbone is among its members
