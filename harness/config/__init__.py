"""Farm and scenario models, parsed once from YAML; errors name file and line."""

from harness.config.farm import DeviceSpec, Farm, load_farm
from harness.config.scenario import Scenario, load_scenario, load_scenarios

__all__ = ["DeviceSpec", "Farm", "Scenario", "load_farm", "load_scenario", "load_scenarios"]
