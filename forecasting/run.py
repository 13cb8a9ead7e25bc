"""`run_forecast`: read the warehouse, forecast, write the `forecast` tables."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import numpy as np
import polars as pl

from forecasting import engine, finite, history, selfassess, store
from forecasting.components import Component
from forecasting.inputs import Inputs, RawData, as_of_view, read_warehouse
from wipcast.errors import InputError
from wipcast.settings import Settings
from wipcast.warehouse import work_connection

Progress = Callable[[str, float, float], None] | None


@dataclass(frozen=True)
class ForecastSummary:
    """What `run_forecast` stored: the run, its as-of date and horizon, the draws simulated (fewer
    than requested when a large firm would not fit in memory), rows written per `forecast` table,
    the firm's mean forecast per month, the wall time and the models chosen."""

    run_id: str
    as_of_date: dt.date
    horizon: int
    draws: int
    draws_requested: int
    months: list[dt.date]
    rows: dict[str, int]
    firm_mean_by_month: dict[dt.date, float]
    seconds: float
    models: dict[str, str]


def _tick(progress: Progress, text: str, done: float, total: float) -> None:
    if progress is not None:
        progress(text, done, total)


def model_versions() -> dict[str, str]:
    import sklearn
    import statsmodels

    return {
        "engine": engine.MODEL_VERSION,
        "polars": pl.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "statsmodels": statsmodels.__version__,
    }


def read_raw(settings: Settings) -> RawData:
    with work_connection(settings) as con:
        return read_warehouse(con, settings.reporting_currency)


def attach_history(settings: Settings, raw: RawData, as_of_dates: Collection[dt.date]) -> RawData:
    """`raw` with the marts' revenue history of `as_of_dates` (and the restated mart) read in, so
    the engine learns at those dates from what the marts reported rather than recomputing it."""
    with work_connection(settings) as con:
        return replace(raw, revenue_history=history.read(con, as_of_dates))


@dataclass(frozen=True)
class RunFrames:
    """What `persist` writes for one run besides its runs and diagnostics rows, computed and checked
    (every money figure finite) before any connection is opened."""

    rows: pl.DataFrame  # revenue_forecast
    keys: pl.DataFrame  # (practice, region, entity_id) per cell of `cells`
    cells: np.ndarray  # revenue_forecast_draws: cells x months x draws
    quantiles: pl.DataFrame  # revenue_quantiles


def run_frames(result: engine.ForecastResult, draws_to_store: int | None = None) -> RunFrames:
    """The run's forecast rows, draws and quantiles; raises WipcastError (naming the table, column and
    first offending key) when a money figure is NaN or infinite, so no such figure is ever stored."""
    rows = engine.quantile_rows(result)
    keys, cells = result.summed_draws(["practice", "region", "entity_id"])
    if draws_to_store is not None and cells.shape[2] > draws_to_store:
        cells = cells[:, :, :draws_to_store]
    q = [store.quantiles_from_draws(*result.summed_draws([]), result.months, "firm")]
    for level, by in (("practice", ["practice"]), ("region", ["region"]), ("practice_region", ["practice", "region"])):
        k, d = result.summed_draws(by)
        q.append(store.quantiles_from_draws(k, d, result.months, level))
    quantiles = pl.concat(q, how="vertical_relaxed")
    finite.check_finite("revenue_forecast", rows)
    finite.check_finite_draws(keys, cells, result.months)
    finite.check_finite("revenue_quantiles", quantiles)
    return RunFrames(rows=rows, keys=keys, cells=cells, quantiles=quantiles)


def persist(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    result: engine.ForecastResult,
    horizon: int,
    parameters: dict[str, Any],
    row_counts: dict[str, int],
    scenario_id: str = store.SCENARIO_BASE,
    draws_to_store: int | None = None,
    frames: RunFrames | None = None,
) -> dict[str, int]:
    """Write one run (runs, revenue_forecast, draws, quantiles, diagnostics) in one transaction.
    `frames`: the run's `run_frames`, when already computed (and checked) before the connection opened."""
    f = frames if frames is not None else run_frames(result, draws_to_store)
    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        store.assert_new_run(con, run_id)
        store.write_run(con, run_id, result.as_of, horizon, model_versions(), parameters, row_counts)
        counts["revenue_forecast"] = store.write_forecast_rows(con, run_id, f.rows, scenario_id)
        counts["revenue_forecast_draws"] = store.write_draws(con, run_id, f.keys, f.cells, result.months, scenario_id)
        counts["revenue_quantiles"] = store.write_quantiles(con, run_id, f.quantiles, scenario_id)
        counts["model_diagnostics"] = store.write_diagnostics(con, run_id, result.diagnostics)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


ALLOW_OUTSIDE_FLAG = "--allow-as-of-outside-data"
SEED_MAX = 2**63 - 1  # forecast.scenario_runs.seed is a bigint


def choose_as_of(
    settings: Settings, raw: RawData, as_of: dt.date | None, given: str = "--as-of"
) -> tuple[dt.date, str]:
    """The as-of date and where it came from (`given` names the caller's flag or field): the flag, then
    the setting, then the as-of date the marts were built for (intermediate.int_as_of, the one as-of
    rule, also published as marts.dim_as_of), then that rule applied to the raw data."""
    setting = getattr(settings, "as_of", None)
    chosen: dt.date | str
    if as_of:
        chosen, source = as_of, given
    elif setting:
        chosen, source = setting, "the as_of setting (WIPCAST_AS_OF or wipcast.toml)"
    elif raw.warehouse_as_of:
        chosen, source = raw.warehouse_as_of, "the marts' as-of date (set by `wipcast transform --as-of`)"
    else:
        # No transform yet: the same rule dbt's int_as_of applies (latest work, invoice or payment date).
        chosen, source = raw.activity_range()[1], "the latest work, invoice or payment date"
    if isinstance(chosen, str):
        try:
            chosen = dt.date.fromisoformat(chosen)
        except ValueError:
            raise InputError(f"as-of date {chosen!r} ({source}) is not a date", "use YYYY-MM-DD") from None
    return chosen, source


def resolve_as_of(settings: Settings, raw: RawData, as_of: dt.date | None) -> dt.date:
    return choose_as_of(settings, raw, as_of)[0]


def check_as_of(
    as_of: dt.date, source: str, first: dt.date, last: dt.date, allow: bool = False, flag: str = ALLOW_OUTSIDE_FLAG
) -> None:
    """The as-of rule: an as-of date lies within the data (first to latest activity date: work, invoice
    and payment dates) unless `allow` (the flag `flag`) says otherwise. Before the data there is
    nothing to learn from (no forecast rows); after it the engine extrapolates into months with no
    data at all (NaN figures). Raised before anything is written."""
    if allow or first <= as_of <= last:
        return
    raise InputError(
        f"as-of date {as_of} ({source}) is outside the data, which runs from {first} to {last} "
        "(first and latest work, invoice or payment date)",
        f"choose a date from {first} to {last}, or pass {flag} to forecast from it anyway",
    )


def check_seed(seed: int | None, flag: str = "--seed") -> None:
    if seed is not None and not 0 <= seed <= SEED_MAX:
        raise InputError(f"{flag} {seed} is out of range", f"use a whole number from 0 to {SEED_MAX}")


Adjust = Callable[[engine.Prepared, Inputs], tuple[engine.Prepared, list[Component]]]
Recording = Callable[[duckdb.DuckDBPyConnection], AbstractContextManager[None]]


def run_forecast(
    settings: Settings,
    run_id: str,
    as_of: dt.date | None = None,
    horizon: int = 12,
    draws: int = 2000,
    seed: int | None = None,
    progress: Progress = None,
    *,
    scenario_id: str = store.SCENARIO_BASE,
    adjust: Adjust | None = None,
    raw: RawData | None = None,
    parameters: dict[str, Any] | None = None,
    recording: Recording | None = None,
    allow_as_of_outside_data: bool = False,
    as_of_source: str = "--as-of",
) -> ForecastSummary:
    """Forecast revenue from the working warehouse as known at `as_of` and append the run to the
    `forecast` schema. Hooks for scenarios (forecasting/scenarios/runner.py): `adjust(prep, inputs)`
    returns edited prepared inputs and extra components appended after simulation (so the base
    components draw the same random numbers); `raw` reuses an earlier warehouse read; `parameters`
    are merged into forecast.runs.parameters; `recording(con)` is a context manager wrapped around
    the write (in the same connection). The as-of date must lie within the data unless
    `allow_as_of_outside_data` (`as_of_source` names the flag or field an explicit `as_of` came from,
    for the error). Nothing is written when an input is refused or a money figure is not finite."""
    if not 1 <= horizon <= 36:
        raise InputError(f"horizon {horizon} is out of range", "use 1 to 36 months")
    if not 100 <= draws <= 20000:
        raise InputError(f"draws {draws} is out of range", "use 100 to 20000")
    check_seed(seed)
    seed_given = seed is not None
    if seed is None:
        # A run without a seed still records the one it drew, so a scenario can reuse its random
        # numbers (common random numbers) and differ from it only by its edits.
        seed = int(np.random.default_rng().integers(0, SEED_MAX, endpoint=True))
    started = time.perf_counter()
    _tick(progress, "reading the warehouse", 0, 4)
    raw = raw if raw is not None else read_raw(settings)
    as_of, source = choose_as_of(settings, raw, as_of, as_of_source)
    check_as_of(as_of, source, *raw.activity_range(), allow=allow_as_of_outside_data)
    _tick(progress, "learning from history", 1, 4)
    raw = attach_history(settings, raw, [as_of, *selfassess.lookback_origins(as_of)])
    inputs = as_of_view(raw, as_of)
    prep = engine.prepare(inputs, horizon)
    # Rolling-origin backtests on the firm's own history: fall-back weights, level correction and
    # calibrated bands, frozen before a scenario edits `prep` (so a no-change scenario equals the base).
    engine.self_assess(prep, raw)
    extra: list[Component] = []
    if adjust is not None:
        prep, extra = adjust(prep, inputs)  # may raise on bad scenario names: nothing written yet
    _tick(progress, "simulating", 2, 4)
    requested = draws
    draws = engine.affordable_draws(prep, draws)
    result = engine.simulate(prep, draws, seed)
    result.components.extend(extra)
    result.diagnostics["simulation.draws"] = float(draws)
    # 1: the history (and so the `actual` rows) are the marts' own figures at this as-of date
    result.diagnostics["history.from_marts"] = 1.0 if inputs.revenue_history is not None else 0.0
    _tick(progress, "writing forecast tables", 3, 4)
    params = {
        "kind": "forecast",
        "draws": draws,
        "draws_requested": requested,
        "seed": seed,
        "seed_given": seed_given,
        "reporting_currency": settings.reporting_currency,
        "scenario_id": scenario_id,
        "models": result.notes,
        "allow_as_of_outside_data": allow_as_of_outside_data,
        **(parameters or {}),
    }
    frames = run_frames(result)  # checked before the connection opens: a refused run records nothing
    with work_connection(settings) as con:
        store.ensure_schema(con)
        with recording(con) if recording is not None else nullcontext():
            counts = persist(con, run_id, result, horizon, params, raw.row_counts(), scenario_id, frames=frames)
    _tick(progress, "done", 4, 4)
    _, firm = result.summed_draws([])
    firm_mean = firm[0].mean(axis=1) if firm.shape[0] else np.zeros(len(result.months))
    return ForecastSummary(
        run_id=run_id,
        as_of_date=as_of,
        horizon=horizon,
        draws=draws,
        draws_requested=requested,
        months=result.months,
        rows=counts,
        firm_mean_by_month=dict(zip(result.months, map(float, firm_mean), strict=True)),
        seconds=round(time.perf_counter() - started, 2),
        models=result.notes,
    )
