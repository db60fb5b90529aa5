"""Organisations of the essay as Mesa agents (not nodes of the residents' graph).

The engine creates the community Party organisation and the government; the mechanisms add
social-work organisations, co-building units and red teams and give them their rules.
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
        self.members: list[int] = []  # resident indices (red teams)

    def __repr__(self) -> str:
        return f"Organisation({self.kind!r}, name={self.name!r})"
