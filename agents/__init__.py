"""Mesa agents of the red micro-cycle model: residents, Party members and organisations.

They are views over the model's state registry and import nothing from ``model/``."""

from .organisation import ORGANISATION_KINDS, CoBuildingUnit, Organisation, RedTeam, SocialWorkOrganisation
from .resident import PartyMember, Resident

__all__ = [
    "ORGANISATION_KINDS",
    "CoBuildingUnit",
    "Organisation",
    "PartyMember",
    "RedTeam",
    "Resident",
    "SocialWorkOrganisation",
]
