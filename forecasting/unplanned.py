"""Unplanned revenue: work that arrived without being in the plan or the pipeline at the origin.

History: for every month m and horizon h, revenue in m of projects that, at the month end h
months earlier, were neither planned in m (time-and-materials), nor booked (other billing
types), nor an open opportunity. The h = 1 series per practice is forecast with statsmodels'
ExponentialSmoothing; every fit is guarded (exceptions, non-finite or implausible output) with a
seasonal-naive fallback, recorded in the diagnostics. Longer horizons add (share at h - share at 1)
x the practice's total revenue forecast (the same guarded ExponentialSmoothing on all its revenue),
where share at h is the learned share of revenue that was unplanned h months ahead. While the
history is under SEASONAL_FIT_MONTHS (the fits then carry no seasonal term) the engine multiplies
both by the firm's same-month-of-year shape (forecasting/season.py).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable

import numpy as np
import polars as pl

from forecasting.calendar import first_date
from forecasting.frames import ordered
from forecasting.inputs import Inputs
from forecasting.season import established_start, monthly_revenue, season_index

Fitter = Callable[[np.ndarray, int], tuple[np.ndarray, float]]  # (history, horizon) -> (forecast, residual sd)


def project_known_dates(inputs: Inputs, rated: pl.DataFrame) -> pl.DataFrame:
    """First date each project was visible: a plan version, time worked, or the deal's win
    (projects without a deal: their start date)."""
    parts = [
        inputs.plan_versions.select("project_id", "plan_date")
        .pipe(ordered)
        .group_by("project_id", maintain_order=True)
        .agg(pl.col("plan_date").min().alias("d")),
        rated.select("project_id", "work_date")
        .pipe(ordered)
        .group_by("project_id", maintain_order=True)
        .agg(pl.col("work_date").min().alias("d")),
        inputs.opportunities.filter(pl.col("won_date").is_not_null())
        .select("project_id", pl.col("won_date").alias("d"))
        .drop_nulls(),
        inputs.projects.filter(pl.col("opportunity_id").is_null()).select(
            "project_id", pl.col("start_date").alias("d")
        ),
    ]
    return (
        pl.concat(parts, how="vertical_relaxed")
        .pipe(ordered)
        .group_by("project_id", maintain_order=True)
        .agg(pl.col("d").min().alias("known_date"))
    )


def unplanned_history(
    inputs: Inputs, history: pl.DataFrame, plan_origins: pl.DataFrame, rated: pl.DataFrame, max_h: int
) -> pl.DataFrame:
    """(practice, month, h, unplanned) for complete months, h = 1..max_h."""
    last_complete = (inputs.as_of + dt.timedelta(days=1)).replace(day=1)
    hist = history.filter((pl.col("month") < last_complete) & (pl.col("revenue") != 0)).join(
        inputs.projects.select("project_id", "practice", "billing_type", "opportunity_id"), on="project_id", how="inner"
    )
    known = project_known_dates(inputs, rated)
    opp = inputs.opportunities.select("opportunity_id", "created_date", "won_date")
    hist = hist.join(known, on="project_id", how="left", maintain_order="left").join(
        opp, on="opportunity_id", how="left", maintain_order="left"
    )
    planned = (
        plan_origins.filter(pl.col("origin") == pl.col("origin").dt.month_end())
        .pipe(ordered)
        .group_by("origin", "project_id", "month", maintain_order=True)
        .agg(pl.col("hours").sum().alias("planned"))
    )
    first_origin = plan_origins["origin"].min()
    out = []
    for h in range(1, max_h + 1):
        x = hist.with_columns(pl.col("month").dt.offset_by(f"-{h}mo").dt.month_end().alias("origin"))
        if first_origin is not None:
            x = x.filter(pl.col("origin") >= first_origin)
        x = x.join(planned, on=["origin", "project_id", "month"], how="left", maintain_order="left")
        in_pipeline = (
            pl.col("created_date").is_not_null()
            & (pl.col("created_date") <= pl.col("origin"))
            & (pl.col("won_date").is_null() | (pl.col("won_date") > pl.col("origin")))
        )
        known_then = pl.col("known_date").is_not_null() & (pl.col("known_date") <= pl.col("origin"))
        booked = known_then & (
            (pl.col("billing_type") != "time_and_materials") | (pl.col("planned").fill_null(0.0) > 0)
        )
        x = x.filter(~in_pipeline & ~booked)
        out.append(
            x.pipe(ordered)
            .group_by("practice", "month", maintain_order=True)
            .agg(pl.col("revenue").sum().alias("unplanned"))
            .with_columns(pl.lit(h).alias("h"))
        )
    return (
        pl.concat(out)
        if out
        else pl.DataFrame(schema={"practice": pl.String, "month": pl.Date, "unplanned": pl.Float64, "h": pl.Int32})
    )


def horizon_shares(uh: pl.DataFrame, totals: pl.DataFrame, practices: list[str], max_h: int) -> dict[str, np.ndarray]:
    """Per practice, share[h-1] = unplanned revenue at horizon h / all revenue, over the months where
    the horizon-h history exists (practice x month totals: practice, month, revenue). Non-decreasing
    in h (the further out, the less is planned); a horizon with under three months of history takes
    the firm-wide share, or the previous horizon's."""

    def shares(u: pl.DataFrame, t: pl.DataFrame) -> np.ndarray:
        out = np.full(max_h, np.nan)
        for h in range(1, max_h + 1):
            x = (
                u.filter(pl.col("h") == h)
                .pipe(ordered)
                .group_by("month", maintain_order=True)
                .agg(pl.col("unplanned").sum())
            )
            # months where the horizon-h origin existed: those present in x (zero-unplanned months included via t)
            months_h = u.filter(pl.col("h") == h)["month"].unique()
            jj = (
                t.filter(pl.col("month").is_in(months_h.implode()))
                .join(x, on="month", how="left")
                .fill_null(0.0)
                .pipe(ordered)
            )
            revenue = float(jj["revenue"].sum())
            if jj.height >= 3 and revenue > 0:
                out[h - 1] = float(np.clip(float(jj["unplanned"].sum()) / revenue, 0.0, 1.0))
        return out

    firm_t = totals.pipe(ordered).group_by("month", maintain_order=True).agg(pl.col("revenue").sum())
    firm = shares(uh, firm_t)
    result = {}
    for p in practices:
        sh = shares(
            uh.filter(pl.col("practice") == p), totals.filter(pl.col("practice") == p).select("month", "revenue")
        )
        sh = np.where(np.isnan(sh), firm, sh)
        for i in range(max_h):  # still missing: carry the previous horizon (or zero)
            if np.isnan(sh[i]):
                sh[i] = sh[i - 1] if i else 0.0
        result[p] = np.maximum.accumulate(sh)
    return result


def seasonal_naive(y: np.ndarray, horizon: int) -> tuple[np.ndarray, float]:
    """Same month last year (the mean of the last three months when there is no year yet), and
    the sd of its in-sample errors."""
    n = len(y)
    if n >= 13:
        fc = np.array([y[n - 12 + (i % 12)] for i in range(horizon)])
        resid = y[12:] - y[:-12]
    elif n >= 1:
        fc = np.full(horizon, float(np.mean(y[-3:])))
        resid = y[1:] - y[:-1] if n > 1 else np.array([0.0])
    else:
        return np.zeros(horizon), 0.0
    return fc, float(np.std(resid)) if len(resid) > 1 else float(abs(np.mean(y)) * 0.3)


def ets_fit(y: np.ndarray, horizon: int) -> tuple[np.ndarray, float]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = "add" if len(y) >= 24 else None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(
            y,
            trend="add",
            damped_trend=True,
            seasonal=seasonal,
            seasonal_periods=12 if seasonal else None,
            initialization_method="estimated",
        ).fit(use_brute=False)
        fc = np.asarray(fit.forecast(horizon), dtype=float)
        return fc, float(np.std(np.asarray(fit.resid, dtype=float)))


def guarded_forecast(y: np.ndarray, horizon: int, fitter: Fitter = ets_fit) -> tuple[np.ndarray, float, str, str]:
    """(forecast, residual sd, model, reason): the ETS fit unless it fails or its output is implausible
    (non-finite, above three times the history's maximum, or clearly negative), then seasonal naive."""
    if len(y) < 8:
        fc, sd = seasonal_naive(y, horizon)
        return np.maximum(fc, 0), sd, "seasonal_naive", "short_history"
    try:
        fc, sd = fitter(y, horizon)
        top = max(float(np.max(np.abs(y))), 1.0)
        if not (np.all(np.isfinite(fc)) and np.isfinite(sd)):
            raise ValueError("non-finite forecast")
        if np.max(fc) > 3 * top or np.min(fc) < -0.5 * top:
            raise ValueError("implausible forecast")
        return np.maximum(fc, 0), sd, "ets", "ok"
    except Exception as exc:  # noqa: BLE001 — every failure is recorded, never raised
        fc, sd = seasonal_naive(y, horizon)
        return np.maximum(fc, 0), sd, "seasonal_naive", type(exc).__name__


SEASONAL_FIT_MONTHS = 24  # from this much history the ETS fits carry their own seasonality


def series_by_practice(uh: pl.DataFrame, practices: list[str], last_complete: dt.date) -> dict[str, np.ndarray]:
    """The h = 1 unplanned series per practice, zero-filled over a continuous month range."""
    u1 = uh.filter(pl.col("h") == 1)
    first = first_date(u1["month"])
    if first is None:
        return {p: np.zeros(0) for p in practices}
    grid = pl.DataFrame({"month": pl.date_range(first, last_complete, "1mo", eager=True)}).filter(
        pl.col("month") < last_complete
    )
    out: dict[str, np.ndarray] = {}
    for p in practices:
        s = (
            grid.join(u1.filter(pl.col("practice") == p).select("month", "unplanned"), on="month", how="left")
            .fill_null(0.0)
            .sort("month")
        )
        out[p] = s["unplanned"].to_numpy()
    return out


def learn(
    inputs: Inputs,
    history: pl.DataFrame,
    plan_origins: pl.DataFrame,
    rated: pl.DataFrame,
    projects: pl.DataFrame,
    months: list[dt.date],
    horizon: int,
    diag: dict[str, float],
    notes: dict[str, str],
) -> tuple[dict[str, tuple[np.ndarray, float]], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Per practice: the unplanned run-rate forecast (mean, sd) with the firm's month-of-year shape
    while the history is too short for a seasonal fit, and the uplift that new unplanned work adds as
    the horizon moves past what is booked (the share of revenue unplanned at each horizon x the
    practice's total forecast). Writes its diagnostics and model notes into `diag` and `notes`."""
    as_of = inputs.as_of
    practices = sorted(projects["practice"].drop_nulls().unique().to_list())
    uh = unplanned_history(inputs, history, plan_origins, rated, horizon)
    last_complete = (as_of + dt.timedelta(days=1)).replace(day=1)
    series = series_by_practice(uh, practices, last_complete)
    fits: dict[str, tuple[np.ndarray, float]] = {}
    for pr, y in series.items():
        fc, sd, model, reason = guarded_forecast(y, horizon)
        fits[pr] = (fc, sd)
        diag[f"unplanned.{pr}.fallback_seasonal_naive"] = 0.0 if model == "ets" else 1.0
        notes[f"unplanned.{pr}"] = f"{model} ({reason})"
    totals = (
        history.join(projects.select("project_id", "practice"), on="project_id", how="left")
        .filter(pl.col("month") < last_complete)
        .pipe(ordered)
        .group_by("practice", "month", maintain_order=True)
        .agg(pl.col("revenue").sum())
    )
    shares = horizon_shares(uh, totals, practices, horizon)
    # With under SEASONAL_FIT_MONTHS of history the ETS fits have no seasonality of their own: the
    # firm's same-month-of-year shape (its total revenue) then applies to the unplanned run-rate.
    firm_total = totals.pipe(ordered).group_by("month", maintain_order=True).agg(pl.col("revenue").sum())
    first_firm, y_firm = monthly_revenue(firm_total, last_complete)
    season = np.ones(12)
    if first_firm is not None and len(y_firm) < SEASONAL_FIT_MONTHS:
        start = established_start(y_firm)
        season = season_index(y_firm[start:], (first_firm.month - 1 + start) % 12 + 1)
    season_t = np.array([season[m.month - 1] for m in months])
    for k in range(12):
        diag[f"unplanned.season_index.m{k + 1:02d}"] = float(season[k])
    fits = {pr: (fc * season_t[: len(fc)], sd) for pr, (fc, sd) in fits.items()}
    ratios: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for pr in practices:
        _, y = monthly_revenue(totals.filter(pl.col("practice") == pr), last_complete)
        fc_total, sd_total, model, reason = guarded_forecast(y[established_start(y) :], horizon)
        diag[f"unplanned.{pr}.total_model_fallback"] = 0.0 if model == "ets" else 1.0
        gap = np.maximum(shares[pr] - shares[pr][0], 0.0)
        ratios[pr] = (gap * fc_total * season_t[: len(fc_total)], gap * sd_total)
        for h in (1, 3, 6, 12):
            if h <= horizon:
                diag[f"unplanned.{pr}.share.h{h}"] = float(shares[pr][h - 1])
    return fits, ratios
