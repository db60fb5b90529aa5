"""The six mechanisms of the red micro-cycle, one module each, registered here in the cycle's order.

Each line below declares one mechanism once: its name (the key of its switch ``<name>_on``, its
parameter group, its random stream and its phase), its phase's names in Chinese and English, and its
class; its parameters are the schema's group of that name (model/params.py). Another mechanism is
added the same way, from anywhere, with :func:`register` (docs/extending.md).
"""

from __future__ import annotations

from ..mechanism_registry import MechanismSpec, names, register, spec, specs, switches_for, unregister
from .backbone import BackboneMechanism
from .convention import ConventionMechanism
from .incentive import IncentiveMechanism
from .project import ProjectMechanism
from .resource import ResourceMechanism
from .team import TeamMechanism

register("backbone", BackboneMechanism, zh="红色骨干", en="red backbones", term="red backbone")
register("project", ProjectMechanism, zh="红色项目", en="red projects", term="red project")
register("convention", ConventionMechanism, zh="红色公约", en="red conventions", term="red convention")
register("resource", ResourceMechanism, zh="红色资源", en="red resources", term="red resource")
register("team", TeamMechanism, zh="红色团队", en="red teams", term="red team")
register("incentive", IncentiveMechanism, zh="红色激励", en="red incentives", term="red incentive")

__all__ = ["MechanismSpec", "names", "register", "spec", "specs", "switches_for", "unregister"]
