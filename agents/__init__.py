"""Mesa agents of the red micro-cycle model: residents, Party members and organisations."""

from .organisation import ORGANISATION_KINDS, Organisation
from .resident import PartyMember, Resident

__all__ = ["ORGANISATION_KINDS", "Organisation", "PartyMember", "Resident"]
