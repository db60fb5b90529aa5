"""The red micro-cycle (党建+红色微循环) simulator: public Python API.

from model import RedCycleModel, load_scenario
model = RedCycleModel(**load_scenario("red_microcycle"), rng=1).run()
"""

from . import mechanisms  # the mechanisms' registry: mechanisms.register(...) adds one (docs/extending.md)
from .graph import Community, GraphFileError, generate_community, read_graph_file
from .model import RedCycleModel
from .params import DEFAULTS, PARAMS, ParameterError
from .scenarios import ScenarioError, available_scenarios, load_scenario
from .simulate import simulate
from .survey import ResidentsFileError, read_residents

__all__ = [
    "DEFAULTS",
    "PARAMS",
    "Community",
    "GraphFileError",
    "ParameterError",
    "RedCycleModel",
    "ResidentsFileError",
    "ScenarioError",
    "available_scenarios",
    "generate_community",
    "load_scenario",
    "mechanisms",
    "read_graph_file",
    "read_residents",
    "simulate",
]
