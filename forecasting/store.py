"""The `forecast` schema: append-only tables, one set of rows per run.

Draws layout (`revenue_forecast_draws`): one row per run, scenario, month, practice, region,
legal entity and draw, holding the sum over all components and series of that cell. That is
the lowest grain that stays small (cells x months x draws, a few hundred thousand rows per
run), and every practice / region / entity / firm quantile is an aggregate of it:

    select month, quantile_cont(v, 0.5) as p50
    from (select month, draw, sum(value) as v from forecast.revenue_forecast_draws
          where run_id = ? group by month, draw) group by month

`revenue_quantiles` holds those figures precomputed for the firm, practice, region and
practice x region levels. `revenue_forecast` holds per-series (project, opportunity,
unplanned practice x region) statistics of each series' own draws; adding its p50s across
series is wrong (use the draws), adding its means is right. The `actual` component is
deterministic and not in the draws table.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
import numpy as np
import polars as pl

from forecasting.variance_view import create_variance_views
from wipcast.errors import WipcastError

DDL = """
create schema if not exists forecast;
create table if not exists forecast.runs (
    run_id varchar not null,
    as_of_date date not null,
    horizon integer not null,
    created_at timestamp with time zone not null,
    model_versions varchar not null,     -- JSON: engine and library versions
    parameters varchar not null,         -- JSON: draws, seed, kind (forecast/backtest/...), parent run,
                                         -- reporting currency, models chosen
    input_row_counts varchar not null    -- JSON: rows per input entity (before the as-of filter)
);
create table if not exists forecast.revenue_forecast (
    run_id varchar not null,
    scenario_id varchar not null,
    month date not null,
    project_id varchar,
    opportunity_id varchar,
    customer_id varchar,
    practice varchar,
    region varchar,
    entity_id varchar,
    component varchar not null,
    mean double not null,
    p10 double not null,
    p50 double not null,
    p90 double not null
);
create table if not exists forecast.revenue_forecast_draws (
    run_id varchar not null,
    scenario_id varchar not null,
    month date not null,
    practice varchar,
    region varchar,
    entity_id varchar,
    draw integer not null,
    value double not null
);
create table if not exists forecast.revenue_quantiles (
    run_id varchar not null,
    scenario_id varchar not null,
    level varchar not null,              -- firm, practice, region, practice_region
    practice varchar,
    region varchar,
    month date not null,
    mean double not null,
    p10 double not null,
    p50 double not null,
    p90 double not null
);
create table if not exists forecast.model_diagnostics (
    run_id varchar not null,
    name varchar not null,
    value double
);
create table if not exists forecast.backtest_metrics (
    run_id varchar not null,
    method varchar not null,             -- wipcast, baseline_scheduled, baseline_seasonal_naive, baseline_ets
    level varchar not null,              -- firm, practice
    level_key varchar,                   -- practice name (null at firm level)
    horizon integer,                     -- months ahead (null for win-probability scores)
    metric varchar not null,             -- wape, bias, mase, coverage80, brier
    value double,
    n_points integer not null
);
create table if not exists forecast.win_probability_calibration (
    run_id varchar not null,             -- the backtest run whose origins scored these opportunities
    source varchar not null,             -- calibrated (wipcast's win probability) or crm (the CRM's own)
    bin integer not null,                -- 0..9: predicted probability in [bin/10, (bin+1)/10); 1.0 falls in bin 9
    predicted double not null,           -- mean predicted probability of the bin's opportunities
    observed double not null,            -- share of them later won
    n integer not null                   -- opportunity x origin pairs in the bin (empty bins have no row)
);
"""

SCENARIO_BASE = "base"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The forecast tables, and the variance views over them and the marts (forecasting/variance_view.py)."""
    con.execute(DDL)
    # Every writer of forecast rows comes through here, so each warehouse with a forecast has the views.
    create_variance_views(con)


def assert_new_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    if con.execute("select count(*) from forecast.runs where run_id = ?", [run_id]).fetchall()[0][0]:
        raise WipcastError(f"forecast run {run_id} already exists", "runs are never overwritten; use a new run id")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    if not frame.height:
        return 0
    arrow = frame.to_arrow()
    con.register("_frame", arrow)
    try:
        cols = ", ".join(frame.columns)
        con.execute(f"insert into forecast.{table} ({cols}) select {cols} from _frame")
    finally:
        con.unregister("_frame")
    return frame.height


def write_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: dt.date,
    horizon: int,
    model_versions: dict[str, str],
    parameters: dict[str, Any],
    row_counts: dict[str, int],
) -> None:
    _insert(
        con,
        "runs",
        pl.DataFrame(
            {
                "run_id": [run_id],
                "as_of_date": [as_of],
                "horizon": [horizon],
                "created_at": [dt.datetime.now(dt.UTC)],
                "model_versions": [json.dumps(model_versions, sort_keys=True)],
                "parameters": [json.dumps(parameters, sort_keys=True, default=str)],
                "input_row_counts": [json.dumps(row_counts, sort_keys=True)],
            }
        ),
    )


def write_forecast_rows(
    con: duckdb.DuckDBPyConnection, run_id: str, rows: pl.DataFrame, scenario_id: str = SCENARIO_BASE
) -> int:
    f = rows.with_columns(pl.lit(run_id).alias("run_id"), pl.lit(scenario_id).alias("scenario_id"))
    return _insert(
        con,
        "revenue_forecast",
        f.select(
            "run_id",
            "scenario_id",
            "month",
            "project_id",
            "opportunity_id",
            "customer_id",
            "practice",
            "region",
            "entity_id",
            "component",
            "mean",
            "p10",
            "p50",
            "p90",
        ),
    )


def write_draws(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    keys: pl.DataFrame,
    draws: np.ndarray,
    months: list[dt.date],
    scenario_id: str = SCENARIO_BASE,
) -> int:
    """keys: (practice, region, entity_id) per cell; draws: (cells, months, draws)."""
    n_cells, T, D = draws.shape
    if n_cells == 0:
        return 0
    cell = np.repeat(np.arange(n_cells), T * D)
    f = (
        pl.DataFrame(
            {
                "_c": cell.astype(np.uint32),
                "month": pl.Series(np.tile(np.repeat(np.array(months, dtype="datetime64[D]"), D), n_cells)).cast(
                    pl.Date
                ),
                "draw": np.tile(np.arange(D, dtype=np.int32), n_cells * T),
                "value": draws.ravel().astype(np.float64),
            }
        )
        .join(keys.with_row_index("_c"), on="_c", how="left", maintain_order="left")
        .drop("_c")
    )
    f = f.with_columns(pl.lit(run_id).alias("run_id"), pl.lit(scenario_id).alias("scenario_id"))
    return _insert(
        con,
        "revenue_forecast_draws",
        f.select("run_id", "scenario_id", "month", "practice", "region", "entity_id", "draw", "value"),
    )


def quantiles_from_draws(keys: pl.DataFrame, draws: np.ndarray, months: list[dt.date], level: str) -> pl.DataFrame:
    n, T, _ = draws.shape
    q = np.quantile(draws, [0.1, 0.5, 0.9], axis=2)
    mean = draws.mean(axis=2)
    f = (
        pl.DataFrame(
            {
                "_c": np.repeat(np.arange(n), T).astype(np.uint32),
                "month": [months[t] for t in np.tile(np.arange(T), n)],
                "mean": mean.ravel(),
                "p10": q[0].ravel(),
                "p50": q[1].ravel(),
                "p90": q[2].ravel(),
            }
        )
        .join(keys.with_row_index("_c"), on="_c", how="left", maintain_order="left")
        .drop("_c")
    )
    for c in ("practice", "region"):
        if c not in f.columns:
            f = f.with_columns(pl.lit(None, pl.String).alias(c))
    return f.with_columns(pl.lit(level).alias("level")).select(
        "level", "practice", "region", "month", "mean", "p10", "p50", "p90"
    )


def write_quantiles(
    con: duckdb.DuckDBPyConnection, run_id: str, rows: pl.DataFrame, scenario_id: str = SCENARIO_BASE
) -> int:
    f = rows.with_columns(pl.lit(run_id).alias("run_id"), pl.lit(scenario_id).alias("scenario_id"))
    return _insert(
        con,
        "revenue_quantiles",
        f.select("run_id", "scenario_id", "level", "practice", "region", "month", "mean", "p10", "p50", "p90"),
    )


def write_diagnostics(con: duckdb.DuckDBPyConnection, run_id: str, diagnostics: dict[str, float]) -> int:
    f = pl.DataFrame(
        {
            "run_id": [run_id] * len(diagnostics),
            "name": list(diagnostics.keys()),
            "value": [None if v is None or not np.isfinite(v) else float(v) for v in diagnostics.values()],
        },
        schema={"run_id": pl.String, "name": pl.String, "value": pl.Float64},
    )
    return _insert(con, "model_diagnostics", f)


def write_metrics(con: duckdb.DuckDBPyConnection, run_id: str, metrics: pl.DataFrame) -> int:
    return _insert(
        con,
        "backtest_metrics",
        metrics.with_columns(pl.lit(run_id).alias("run_id")).select(
            "run_id", "method", "level", "level_key", "horizon", "metric", "value", "n_points"
        ),
    )


def write_calibration(con: duckdb.DuckDBPyConnection, run_id: str, bins: pl.DataFrame) -> int:
    return _insert(
        con,
        "win_probability_calibration",
        bins.with_columns(pl.lit(run_id).alias("run_id")).select(
            "run_id", "source", "bin", "predicted", "observed", "n"
        ),
    )
