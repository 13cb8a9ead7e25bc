"""Scenarios: what-if edits of the forecast inputs, run through the same engine.

definition (YAML + pydantic) -> apply / capacity (edit the engine's Prepared inputs) -> runner
(simulate and store with its scenario_id) -> tables (forecast.scenarios, scenario_runs) ->
compare (deltas against the base forecast).
"""

from forecasting.scenarios.definition import Scenario, from_yaml_text, load
from forecasting.scenarios.runner import ScenarioSummary, run_scenario, simulate_scenario

__all__ = ["Scenario", "ScenarioSummary", "from_yaml_text", "load", "run_scenario", "simulate_scenario"]
