"""User-written file formats (constitution, scenarios, configs) and the one prompt renderer.

Every other stage of teachwhy stands on this package; it imports nothing else of teachwhy.
"""

from teachwhy.spec.constitution import Constitution, Factor, Heuristic, Principle
from teachwhy.spec.errors import Problem, SpecError, TeachwhyError
from teachwhy.spec.loading import load_model, load_yaml
from teachwhy.spec.render import render_constitution
from teachwhy.spec.scenarios import Option, Scenario, ScenarioSuite, load_scenarios
from teachwhy.spec.split import SplitSpec

__all__ = [
    "Constitution",
    "Factor",
    "Heuristic",
    "Option",
    "Principle",
    "Problem",
    "Scenario",
    "ScenarioSuite",
    "SpecError",
    "SplitSpec",
    "TeachwhyError",
    "load_model",
    "load_scenarios",
    "load_yaml",
    "render_constitution",
]
