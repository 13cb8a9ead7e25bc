"""Scenario against base: deltas by month and practice, with intervals from paired draws.

A scenario runs with the base run's seed, so draw i of both runs shares its random numbers for
every base component (common random numbers). The difference of draw i is then the effect of
the adjustments in that simulated world, and its p10/p90 say how sure that effect is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl

from forecasting.frames import from_arrow_table
from forecasting.scenarios import tables
from wipcast.errors import InputError

FIRM = "(all practices)"


def resolve_run(con: duckdb.DuckDBPyConnection, scenario_id: str, as_of: dt.date | None = None) -> dict[str, Any]:
    """The run to use for a scenario name: its latest successful run ('base': the latest base forecast,
    for `as_of` when given and one exists)."""
    if scenario_id == "base":
        run = tables.latest_base_run(con, as_of) or tables.latest_base_run(con)
        if run is None:
            raise InputError("there is no base forecast run", "run `wipcast forecast` first")
        return {"scenario_id": "base", "run_id": run["run_id"], "as_of": run["as_of"]}
    if not tables.has_table(con, "scenario_runs"):
        raise InputError(
            f"scenario {scenario_id!r} has no run: no scenario has run yet", "run one with `wipcast scenario run FILE`"
        )
    row = next(
        iter(
            con.execute(
                """select run_id, as_of_date from forecast.scenario_runs where scenario_id = ? and status = 'success'
                         order by created_at desc limit 1""",
                [scenario_id],
            ).fetchall()
        ),
        None,
    )
    if row is None:
        known = [
            r[0]
            for r in con.execute(
                "select distinct scenario_id from forecast.scenario_runs where status = 'success' order by 1"
            ).fetchall()
        ]
        raise InputError(
            f"scenario {scenario_id!r} has no successful run",
            f"known scenarios: {', '.join(['base', *known])}; run one with `wipcast scenario run FILE`",
        )
    return {"scenario_id": scenario_id, "run_id": row[0], "as_of": row[1]}


DELTA_SQL = """
with b as (select month, practice, draw, sum(value) as v from forecast.revenue_forecast_draws
           where run_id = $1 group by all),
     o as (select month, practice, draw, sum(value) as v from forecast.revenue_forecast_draws
           where run_id = $2 group by all),
     cells as (select distinct month, practice from b union select distinct month, practice from o),
     draws as (select distinct draw from b intersect select distinct draw from o),
     paired as (
        select c.month, c.practice, d.draw, coalesce(b.v, 0) as bv, coalesce(o.v, 0) as ov
        from cells c cross join draws d
        left join b on b.month = c.month and b.practice is not distinct from c.practice and b.draw = d.draw
        left join o on o.month = c.month and o.practice is not distinct from c.practice and o.draw = d.draw),
     levels as (
        select month, coalesce(practice, '(no practice)') as practice, draw, bv, ov from paired
        union all
        select month, $3 as practice, draw, sum(bv), sum(ov) from paired group by month, draw)
select month, practice, avg(bv) as base_mean, avg(ov) as scenario_mean, avg(ov - bv) as delta_mean,
       quantile_cont(ov - bv, 0.1) as delta_p10, quantile_cont(ov - bv, 0.9) as delta_p90, count(*) as draws
from levels group by month, practice order by practice = $3 desc, practice, month
"""


def compare(con: duckdb.DuckDBPyConnection, base: str, other: str) -> tuple[pl.DataFrame, dict[str, Any]]:
    """(month, practice, base_mean, scenario_mean, delta_mean, delta_pct, delta_p10, delta_p90, draws) and
    the runs used."""
    other_run = resolve_run(con, other)
    base_run = resolve_run(con, base, other_run["as_of"])
    frame = from_arrow_table(
        con.sql(DELTA_SQL, params=[base_run["run_id"], other_run["run_id"], FIRM]).to_arrow_table()
    )
    return with_delta_pct(frame), {
        "base": base_run,
        "other": other_run,
        "same_as_of": base_run["as_of"] == other_run["as_of"],
    }


def with_delta_pct(frame: pl.DataFrame) -> pl.DataFrame:
    """Add delta_pct (null where the base is zero) and put the columns in order."""
    frame = frame.with_columns(
        pl.when(pl.col("base_mean").abs() > 1e-9)
        .then(pl.col("delta_mean") / pl.col("base_mean"))
        .otherwise(None)
        .alias("delta_pct")
    )
    return frame.select(
        "month", "practice", "base_mean", "scenario_mean", "delta_mean", "delta_pct", "delta_p10", "delta_p90", "draws"
    )
