"""Backtest metrics and win-probability calibration."""

from __future__ import annotations

import pandas as pd

from app.queries.tables import (
    Table,
    has_table,
)
from app.warehouse_access import query


def backtest_metrics() -> pd.DataFrame:
    """Backtest metrics in long form: method, level, horizon, metric, value (of the latest backtest)."""
    b = Table("backtest")
    latest = ""
    if has_table("runs"):
        r = Table("runs")
        # Only the latest backtest: older ones scored other windows or older code.
        latest = (
            f" where {b.c('run_id')} = (select b2.{b.c('run_id')} from {b.ref} b2 left join {r.ref} r2 "
            f"on r2.{r.c('run_id')} = b2.{b.c('run_id')} order by r2.{r.c('created_at')} desc nulls last, "
            f"b2.{b.c('run_id')} desc limit 1)"
        )
    # Practice-level rows are averaged over the practices.
    return query(
        f"select {b.c('method')} as method, {b.c('level')} as level, {b.c('horizon')} as horizon, "
        f"lower({b.c('metric')}) as metric, avg({b.c('value')})::double as value from {b.ref}{latest} "
        f"group by all order by 1, 2, 3, 4"
    )


def calibration_bins(run_id: str | None = None) -> pd.DataFrame:
    """Calibration of win probabilities from the latest backtest (run ids start with their UTC
    timestamp, so the greatest is the latest); older backtests scored other windows or older code.
    `run_id` is accepted for symmetry with the other queries: backtests have their own run ids."""
    c = Table("calibration")
    return query(
        f"select {c.c('source')} as source, avg({c.c('predicted')})::double as predicted, "
        f"avg({c.c('observed')})::double as observed, sum({c.c('count')}) as opportunities from {c.ref} "
        f"where {c.c('run_id')} = (select max({c.c('run_id')}) from {c.ref}) "
        f"group by {c.c('source')}, {c.c('bin')} order by 1, 2"
    )
