"""The revenue history the engine learns from and is judged against, as the marts computed it.

dbt computes revenue once (the finance models): marts.mart_revenue_monthly is every month restated with
everything known at the marts' own as-of date; marts.mart_revenue_monthly_history holds the same
figures as they were known at each earlier as-of date ("as reported at close", see docs/marts.md).
A forecast or a backtest origin at one of those dates reads its history here instead of recomputing
it (forecasting/recognition.py stays only for frames that never went through dbt).

Only the dates asked for are read: a forecast needs its as-of date and the origins its
self-assessment looks back to, a backtest its origins and theirs, not every close of every project.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import duckdb
import polars as pl

from forecasting.frames import from_arrow_table

# The marts' columns the engine's history is made of (project currency for *_pc).
_COLUMNS = (
    "cast(as_of_date as date) as as_of_date, project_id, cast(month_start as date) as month, "
    "cast(earned_revenue as double) as revenue_pc, cast(earned_revenue_reporting as double) as revenue, "
    "cast(cost_reporting as double) as cost, cast(cumulative_cost as double) as cum_cost_pc"
)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
    return {row[0] for row in rows}


def read(con: duckdb.DuckDBPyConnection, as_of_dates: Collection[dt.date] = ()) -> pl.DataFrame | None:
    """The restated rows (mart_revenue_monthly, at the marts' as-of date) and the "as reported" rows of
    `as_of_dates` before it (mart_revenue_monthly_history), per as-of date, project and month. None
    when the revenue mart is not built."""
    present = _tables(con)
    if "mart_revenue_monthly" not in present:
        return None
    sql = f"select {_COLUMNS} from marts.mart_revenue_monthly"
    params: list[object] = []
    earlier = sorted(set(as_of_dates))
    if earlier and "mart_revenue_monthly_history" in present:
        marks = ", ".join("?" for _ in earlier)
        sql += (
            f" union all select {_COLUMNS} from marts.mart_revenue_monthly_history"
            f" where as_of_date in ({marks}) and as_of_date < (select max(as_of_date) from marts.mart_revenue_monthly)"
        )
        params = list(earlier)
    return from_arrow_table(con.sql(sql, params=params).to_arrow_table())


def at(history: pl.DataFrame | None, as_of: dt.date) -> pl.DataFrame | None:
    """The rows of one as-of date, or None when that date was not read (or dbt did not build it)."""
    if history is None:
        return None
    rows = history.filter(pl.col("as_of_date") == as_of)
    return rows.drop("as_of_date") if rows.height else None


def engine_frames(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's (history, fixed-fee state) from the rows of one as-of date: the months with revenue
    or cost (the marts also keep the empty months of each project's span), and the cumulative cost
    per project and month."""
    history = (
        rows.filter((pl.col("revenue_pc") != 0) | (pl.col("cost") != 0))
        .select("project_id", "month", "revenue_pc", "revenue", "cost")
        .sort("project_id", "month")
    )
    return history, rows.select("project_id", "month", "cum_cost_pc").sort("project_id", "month")
