"""Run a scenario through the same engine as the base forecast and store it with its scenario_id.

Calls `forecasting.run.run_forecast` with its scenario hooks: the scenario's edits between prepare
and simulate, its extra capacity component appended after simulate (so the base components draw
exactly the random numbers the base forecast drew), and the scenario tables written with the run.

Defaults come from the latest base forecast so that a scenario compares like with like: its
as-of date, horizon, draws and seed (a base run without --seed records the seed it drew; seed 0
for older runs that recorded none). A neutral scenario with
the base run's seed reproduces it number for number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

import duckdb

from forecasting import engine
from forecasting.components import Component
from forecasting.inputs import Inputs, RawData, as_of_view
from forecasting.run import ForecastSummary, Progress, choose_as_of, read_raw, run_forecast
from forecasting.scenarios import tables
from forecasting.scenarios.apply import apply_direct, check_names
from forecasting.scenarios.capacity import apply_capacity, basis_from_inputs
from forecasting.scenarios.definition import Scenario
from wipcast.settings import Settings
from wipcast.warehouse import work_connection

DEFAULT_SEED = 0


@dataclass(frozen=True)
class ScenarioSummary(ForecastSummary):
    """What `run_scenario` stored: the forecast run (every field of ForecastSummary), the scenario
    it ran under, the seed it used and the base run it defaults from (None when there is none)."""

    scenario_id: str
    seed: int
    base_run_id: str | None

    @classmethod
    def of(cls, forecast: ForecastSummary, scenario_id: str, seed: int, base_run_id: str | None) -> ScenarioSummary:
        shared = {f.name: getattr(forecast, f.name) for f in fields(ForecastSummary)}
        return cls(**shared, scenario_id=scenario_id, seed=seed, base_run_id=base_run_id)


def adjust(prep: engine.Prepared, scenario: Scenario, inputs: Inputs) -> tuple[engine.Prepared, list[Component]]:
    """The scenario's edits to prepared inputs, and the extra components (capacity) to add."""
    basis = basis_from_inputs(inputs, prep)
    check_names(scenario, prep, set(basis.roles))
    if scenario.is_neutral:
        return prep, []
    edited = apply_direct(prep, scenario)
    edited, extra = apply_capacity(edited, scenario, basis, rates_from=prep)
    return edited, [extra] if extra is not None else []


def simulate_scenario(
    raw: RawData,
    scenario: Scenario,
    as_of: dt.date,
    horizon: int,
    draws: int,
    seed: int | None,
    prepared: engine.Prepared | None = None,
) -> engine.ForecastResult:
    """Scenario forecast without touching the warehouse (tests and previews); `prepared` reuses a prepare()."""
    inputs = as_of_view(raw, as_of)
    prep = prepared if prepared is not None else engine.prepare(inputs, horizon)
    edited, extra = adjust(prep, scenario, inputs)
    result = engine.simulate(edited, draws, seed)
    result.components.extend(extra)
    return result


def resolve_defaults(settings: Settings, scenario: Scenario, raw: RawData) -> dict[str, Any]:
    # The newest base run at the scenario's as-of date (or at any date when it names none). When that
    # finds nothing, no base run exists at the date the scenario will use either: no second look.
    with work_connection(settings) as con:
        base = tables.latest_base_run(con, scenario.as_of)
    if scenario.as_of:
        as_of, source = scenario.as_of, "the scenario's as_of"
    elif base:
        as_of, source = base["as_of"], f"the as-of date of base forecast {base['run_id']}"
    else:
        as_of, source = choose_as_of(settings, raw, None)
    seed = scenario.seed if scenario.seed is not None else (base or {}).get("seed")
    return {
        "as_of": as_of,
        "as_of_source": source,
        "horizon": scenario.horizon or (base or {}).get("horizon") or 12,
        "draws": scenario.draws or (base or {}).get("draws") or 2000,
        "seed": DEFAULT_SEED if seed is None else int(seed),
        "base_run_id": (base or {}).get("run_id"),
    }


def run_scenario(
    settings: Settings,
    scenario: Scenario,
    run_id: str,
    progress: Progress = None,
    *,
    allow_as_of_outside_data: bool = False,
) -> ScenarioSummary:
    """Forecast the scenario from the working warehouse and append it to the forecast tables. Its
    as-of date must lie within the data unless `allow_as_of_outside_data` (see run.check_as_of)."""
    raw = read_raw(settings)
    chosen = resolve_defaults(settings, scenario, raw)
    as_of, horizon, draws, seed = chosen["as_of"], chosen["horizon"], chosen["draws"], chosen["seed"]

    @contextmanager
    def recording(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """Record the definition and the run's status next to the forecast rows."""
        tables.ensure_tables(con)
        tables.record_scenario(con, scenario)
        tables.start_run(con, scenario, run_id, as_of, horizon, draws, seed)
        try:
            yield
        except BaseException as exc:
            tables.finish_run(con, run_id, "failed", str(exc)[:2000] or type(exc).__name__)
            raise
        tables.finish_run(con, run_id, "success")

    summary = run_forecast(
        settings,
        run_id,
        as_of,
        horizon,
        draws,
        seed,
        progress,
        scenario_id=scenario.name,
        raw=raw,
        adjust=lambda prep, inputs: adjust(prep, scenario, inputs),
        recording=recording,
        allow_as_of_outside_data=allow_as_of_outside_data,
        as_of_source=chosen["as_of_source"],
        parameters={
            "kind": "scenario",
            "definition_hash": scenario.definition_hash(),
            "base_run_id": chosen["base_run_id"],
        },
    )
    return ScenarioSummary.of(summary, scenario.name, seed, chosen["base_run_id"])
