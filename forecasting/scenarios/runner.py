"""Run a scenario through the same engine as the base forecast and store it with its scenario_id.

Same steps as `forecasting.run.run_forecast` (read, as-of view, prepare, simulate, persist), with
the scenario's edits between prepare and simulate and its extra capacity component appended after
simulate (so the base components draw exactly the random numbers the base forecast drew).

Defaults come from the latest base forecast so that a scenario compares like with like: its
as-of date, horizon, draws and seed (seed 0 when the base run had none). A neutral scenario with
the base run's seed reproduces it number for number.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import numpy as np

from forecasting import engine, store
from forecasting.inputs import RawData, as_of_view
from forecasting.run import mart_check, persist, read_raw, resolve_as_of
from forecasting.scenarios import tables
from forecasting.scenarios.apply import apply_direct, check_names
from forecasting.scenarios.capacity import apply_capacity, basis_from_inputs
from forecasting.scenarios.definition import Scenario
from wipcast.warehouse import work_connection

Progress = Callable[[str, float, float], None] | None
DEFAULT_SEED = 0
STEPS = 5


def _tick(progress: Progress, text: str, done: float) -> None:
    if progress is not None:
        progress(text, done, STEPS)


def adjust(prep: engine.Prepared, scenario: Scenario, inputs) -> tuple[engine.Prepared, list]:
    """The scenario's edits to prepared inputs, and the extra components (capacity) to add."""
    basis = basis_from_inputs(inputs, prep)
    check_names(scenario, prep, set(basis.roles))
    if scenario.is_neutral:
        return prep, []
    edited = apply_direct(prep, scenario)
    edited, extra = apply_capacity(edited, scenario, basis, rates_from=prep)
    return edited, [extra] if extra is not None else []


def simulate_scenario(raw: RawData, scenario: Scenario, as_of: dt.date, horizon: int, draws: int, seed: int | None,
                      prepared: engine.Prepared | None = None) -> engine.ForecastResult:
    """Scenario forecast without touching the warehouse (tests and previews); `prepared` reuses a prepare()."""
    inputs = as_of_view(raw, as_of)
    prep = prepared if prepared is not None else engine.prepare(inputs, horizon)
    edited, extra = adjust(prep, scenario, inputs)
    result = engine.simulate(edited, draws, seed)
    result.components.extend(extra)
    return result


def resolve_defaults(settings, scenario: Scenario, raw: RawData) -> dict:
    with work_connection(settings) as con:
        base = tables.latest_base_run(con, scenario.as_of)
    as_of = scenario.as_of or (base["as_of"] if base else None) or resolve_as_of(settings, raw, None)
    if base is None or base["as_of"] != as_of:
        with work_connection(settings) as con:
            base = tables.latest_base_run(con, as_of)
    seed = scenario.seed if scenario.seed is not None else (base or {}).get("seed")
    return {
        "as_of": as_of,
        "horizon": scenario.horizon or (base or {}).get("horizon") or 12,
        "draws": scenario.draws or (base or {}).get("draws") or 2000,
        "seed": DEFAULT_SEED if seed is None else int(seed),
        "base_run_id": (base or {}).get("run_id"),
    }


def run_scenario(settings, scenario: Scenario, run_id: str, progress: Progress = None) -> dict:
    """Forecast the scenario from the working warehouse and append it to the forecast tables."""
    started = time.perf_counter()
    _tick(progress, "reading the warehouse", 0)
    raw = read_raw(settings)
    chosen = resolve_defaults(settings, scenario, raw)
    as_of, horizon, draws, seed = chosen["as_of"], chosen["horizon"], chosen["draws"], chosen["seed"]
    _tick(progress, "learning from history", 1)
    inputs = as_of_view(raw, as_of)
    prep = engine.prepare(inputs, horizon)
    _tick(progress, "applying the scenario", 2)
    edited, extra = adjust(prep, scenario, inputs)  # raises on unknown names: nothing written yet
    _tick(progress, "simulating", 3)
    result = engine.simulate(edited, draws, seed)
    result.components.extend(extra)
    result.diagnostics.update(mart_check(settings, result))
    _tick(progress, "writing forecast tables", 4)
    params = {"kind": "scenario", "draws": draws, "seed": seed, "reporting_currency": settings.reporting_currency,
              "scenario_id": scenario.name, "definition_hash": scenario.definition_hash(), "base_run_id": chosen["base_run_id"],
              "models": result.notes}
    with work_connection(settings) as con:
        store.ensure_schema(con)
        tables.ensure_tables(con)
        tables.record_scenario(con, scenario)
        tables.start_run(con, scenario, run_id, as_of, horizon, draws, seed)
        try:
            counts = persist(con, run_id, result, horizon, params, raw.row_counts(), scenario.name)
        except BaseException as exc:
            tables.finish_run(con, run_id, "failed", str(exc)[:2000] or type(exc).__name__)
            raise
        tables.finish_run(con, run_id, "success")
    _tick(progress, "done", 5)
    _, firm = result.summed_draws([])
    firm_mean = firm[0].mean(axis=1) if firm.shape[0] else np.zeros(len(result.months))
    return {"run_id": run_id, "scenario_id": scenario.name, "as_of": as_of, "horizon": horizon, "draws": draws, "seed": seed,
            "base_run_id": chosen["base_run_id"], "rows": counts, "firm_mean_by_month": dict(zip(result.months, map(float, firm_mean))),
            "seconds": round(time.perf_counter() - started, 2)}
