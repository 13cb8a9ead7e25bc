"""A firm's month-of-year shape, from the monthly revenue it has established: the multiplicative index the
unplanned run-rate takes while the history is too short for the fits to carry a season of their own
(forecasting/unplanned.py), and where a revenue series starts once the data has warmed up."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from forecasting.calendar import add_months, first_date

SEASON_SHRINK_YEARS = 1.0  # a calendar month's index is shrunk toward 1 as if one more flat year had been seen
# Leading months under this share of the median month are the data warming up (empty months before the first
# revenue, a partial first month, projects still being entered), not the firm's season.
RAMP_SHARE = 0.25


def established_start(y: np.ndarray) -> int:
    """Index of the first month at RAMP_SHARE of the median positive month or more (0 when none is)."""
    positive = y[y > 0]
    if not len(positive):
        return 0
    above = np.flatnonzero(y >= RAMP_SHARE * float(np.median(positive)))
    return int(above[0]) if len(above) else 0


def season_index(y: np.ndarray, first_month: int) -> np.ndarray:
    """Multiplicative same-month-of-year shape (12 values, calendar month 1..12 at index 0..11,
    mean 1) of a monthly series starting at calendar month `first_month` (1-12): each month over
    the mean of the 12 months around it (trailing/leading windows at the ends), averaged per
    calendar month and shrunk toward 1 by SEASON_SHRINK_YEARS; flat with under 12 months."""
    n = len(y)
    idx = np.ones(12)
    if n < 12 or not np.all(np.isfinite(y)) or float(np.mean(y)) <= 0:
        return idx
    ratios: list[list[float]] = [[] for _ in range(12)]
    for t in range(n):
        lo = min(max(0, t - 6), n - 12)
        w = float(np.mean(y[lo : lo + 12]))
        if w > 0:
            ratios[(first_month - 1 + t) % 12].append(float(y[t]) / w)
    for k in range(12):
        r = ratios[k]
        if r:
            idx[k] = (sum(r) + SEASON_SHRINK_YEARS) / (len(r) + SEASON_SHRINK_YEARS)
    return idx / idx.mean()


def monthly_revenue(frame: pl.DataFrame, last_complete: dt.date) -> tuple[dt.date | None, np.ndarray]:
    """(first month, revenue per month) of a (month, revenue) frame, zero-filled from its first month to the
    month before `last_complete`; (None, empty) without rows."""
    first = first_date(frame["month"])
    if first is None:
        return None, np.zeros(0)
    grid = pl.DataFrame({"month": pl.date_range(first, add_months(last_complete, -1), "1mo", eager=True)})
    values = grid.join(frame.select("month", "revenue"), on="month", how="left").fill_null(0.0).sort("month")
    return first, values["revenue"].to_numpy()
