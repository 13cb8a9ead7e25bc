"""The forecast's figures are finite before any is written: a NaN or an infinity in a money column, or in
one draw, stops the run with one line naming the table, the column and the first offending row, and
nothing is written (wipcast/publish.py refuses a warehouse whose forecast tables hold one all the same).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import numpy as np
import polars as pl

from wipcast.errors import WipcastError

# Money columns of the forecast tables (never NaN or infinite; wipcast/publish.py refuses a warehouse
# whose forecast tables hold one) and the columns that name a row in an error.
MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "revenue_forecast": ("mean", "p10", "p50", "p90"),
    "revenue_forecast_draws": ("value",),
    "revenue_quantiles": ("mean", "p10", "p50", "p90"),
}
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "revenue_forecast": ("month", "component", "project_id", "opportunity_id", "practice", "region", "entity_id"),
    "revenue_forecast_draws": ("month", "practice", "region", "entity_id", "draw"),
    "revenue_quantiles": ("level", "month", "practice", "region"),
    "backtest_metrics": ("method", "level", "level_key", "horizon", "metric"),
    "win_probability_calibration": ("source", "bin"),
}
NOT_FINITE_HINT = (
    "the forecast's inputs give no finite figure there; check the as-of date and the data "
    "(rerun with --verbose for the traceback)"
)


def _describe_key(row: dict[str, Any], keys: tuple[str, ...]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in keys if row.get(k) is not None) or "(no key)"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return "NaN" if np.isnan(cast("float", value)) else "infinite"


def check_finite(
    table: str,
    frame: pl.DataFrame,
    columns: tuple[str, ...] | None = None,
    nullable: bool = False,
) -> None:
    """Raise WipcastError naming the table, column and first offending row when a money column of
    `frame` (MONEY_COLUMNS[table] unless given) holds NaN or an infinity, or a null unless `nullable`."""
    keys = ROW_KEYS.get(table, ())
    for column in columns if columns is not None else MONEY_COLUMNS[table]:
        finite = pl.col(column).is_finite()
        bad = frame.filter(~finite if nullable else ~finite.fill_null(False))
        if bad.height:
            first = bad.row(0, named=True)
            raise WipcastError(
                f"forecast.{table}.{column} would hold a {_kind(first[column])} value "
                f"({bad.height} row(s), the first at {_describe_key(first, keys)}); nothing was written",
                NOT_FINITE_HINT,
            )


def check_finite_draws(keys: pl.DataFrame, draws: np.ndarray, months: list[dt.date]) -> None:
    """`check_finite` for the draws array (cells x months x draws) that `write_draws` stores."""
    finite = np.isfinite(draws)
    if finite.all():
        return
    cell, month, draw = (int(i) for i in np.unravel_index(int(np.flatnonzero(~finite)[0]), draws.shape))
    row = {**keys.row(cell, named=True), "month": months[month], "draw": draw}
    raise WipcastError(
        f"forecast.revenue_forecast_draws.value would hold a {_kind(float(draws[cell, month, draw]))} value "
        f"({int((~finite).sum())} draw(s), the first at {_describe_key(row, ROW_KEYS['revenue_forecast_draws'])}); "
        "nothing was written",
        NOT_FINITE_HINT,
    )
