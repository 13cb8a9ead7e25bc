"""What every page needs: filter choices, forecast runs, the as-of date, the reporting currency, month arithmetic."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from app.queries.tables import (
    DataUnavailable,
    Table,
    has_table,
)
from app.warehouse_access import query
from wipcast.settings import load_settings


def filter_options() -> dict[str, pd.DataFrame]:
    """Choices for the sidebar: id and label per dimension."""
    options: dict[str, pd.DataFrame] = {}
    empty = pd.DataFrame({"id": pd.Series(dtype=str), "label": pd.Series(dtype=str)})
    try:
        e = Table("dim_entity")
        options["entity_id"] = query(
            f"select {e.c('entity_id')} as id, {e.c('entity_name')} as label from {e.ref} order by 2"
        )
    except DataUnavailable:
        options["entity_id"] = empty
    try:
        c = Table("dim_customer")
        options["customer_id"] = query(
            f"select {c.c('customer_id')} as id, {c.c('customer_name')} as label from {c.ref} order by 2"
        )
    except DataUnavailable:
        options["customer_id"] = empty
    for dim in ("practice", "region"):
        parts = []
        for key in ("dim_project", "dim_employee", "dim_customer"):
            if has_table(key) and Table(key).has(dim):
                t = Table(key)
                parts.append(f"select {t.c(dim)} as v from {t.ref}")
        if parts:
            options[dim] = query(
                f"select distinct v as id, v as label from ({' union all '.join(parts)}) where v is not null order by 1"
            )
        else:
            options[dim] = empty
    return options


def forecast_runs() -> pd.DataFrame:
    """Forecast runs with forecast rows, newest as-of first (a forecast before a backtest of the same date)."""
    r = Table("runs")
    kind = r.c("kind")
    return query(
        f"select {r.c('run_id')} as run_id, cast({r.c('as_of_date')} as date) as as_of_date, "
        f"{r.c('created_at')} as created_at, {kind} as kind from {r.ref} "
        f"where coalesce({kind}, '') not like '%summary%' "
        f"order by as_of_date desc, coalesce({kind}, '') = 'forecast' desc, created_at desc nulls last, run_id desc"
    )


def run_as_of(run_id: str | None) -> dt.date | None:
    if not run_id or not has_table("runs"):
        return None
    runs = forecast_runs()
    match = runs[runs["run_id"] == run_id]
    return None if match.empty else pd.Timestamp(match["as_of_date"].iloc[0]).date()


def actuals_as_of() -> dt.date:
    """The as-of date of the point-in-time marts: marts.dim_as_of, the one row where dbt decides it
    (the as_of var at build time, else the latest work, invoice or payment date)."""
    if has_table("as_of"):
        t = Table("as_of")
        value = query(f"select max({t.c('as_of_date')}) as d from {t.ref}")["d"].iloc[0]
        if pd.notna(value):
            return pd.Timestamp(value).date()
    raise DataUnavailable("the published warehouse has no marts.dim_as_of; rebuild it with `wipcast run`")


def reporting_currency() -> str:
    """The currency the marts were built in (their reporting_currency column), else the app's setting."""
    if has_table("revenue_monthly") and Table("revenue_monthly").has("reporting_currency"):
        r = Table("revenue_monthly")
        frame = query(f"select max({r.c('reporting_currency')}) as c from {r.ref}")
        code = frame["c"].iloc[0] if not frame.empty else None
        # Shown in every amount and chart axis: only an ISO 4217-shaped code, never arbitrary text.
        if isinstance(code, str) and re.fullmatch(r"[A-Za-z]{3}", code.strip()):
            return code.strip().upper()
    return load_settings().reporting_currency


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def last_closed_month(as_of: dt.date) -> dt.date:
    """Start of the latest month fully covered by the data at `as_of`."""
    next_day = as_of + dt.timedelta(days=1)
    if next_day.month != as_of.month:
        return month_start(as_of)
    return month_start(month_start(as_of) - dt.timedelta(days=1))
