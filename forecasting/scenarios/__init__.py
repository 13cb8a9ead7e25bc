"""Scenarios (issue 6): what-if edits of the forecast inputs, run through the same engine.

definition (YAML + pydantic) -> apply / capacity (edit the engine's Prepared inputs) -> runner
(simulate and store with its scenario_id) -> tables (forecast.scenarios, scenario_runs) ->
compare (deltas against the base forecast).
"""

from forecasting.scenarios.definition import Scenario, from_yaml_text, load
from forecasting.scenarios.runner import run_scenario, simulate_scenario

__all__ = ["Scenario", "from_yaml_text", "load", "run_scenario", "simulate_scenario"]
