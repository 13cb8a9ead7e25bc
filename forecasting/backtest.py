"""As-of backtests: for every month end in a range, forecast from exactly what was known then,
score against the revenue later earned, side by side with the baselines.

Each origin's forecast is stored as its own run (`<run_id>@YYYY-MM`, kind backtest) so the
forecast history exists from day one; the metrics go to `forecast.backtest_metrics` under the
backtest's run_id, the win-probability reliability bins (calibrated and CRM, over the same
opportunities the Brier scores use) to `forecast.win_probability_calibration`, and a Markdown
report to <warehouse>/reports/backtest_<run_id>.md.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from forecasting import baselines, engine, finite, history, selfassess, store
from forecasting.backtest_report import write_report
from forecasting.calendar import add_months, month_end
from forecasting.frames import ordered
from forecasting.inputs import RawData, as_of_view
from forecasting.run import (
    ALLOW_OUTSIDE_FLAG,
    Progress,
    _tick,
    attach_history,
    check_seed,
    model_versions,
    persist,
    read_raw,
)
from forecasting.scoring import (
    BacktestHeadline,
    brier_rows,
    calibration_bins,
    compute_metrics,
    mase_scales,
    summary,
)
from wipcast.errors import InputError
from wipcast.settings import Settings
from wipcast.warehouse import work_connection

Month = dt.date | str  # a date (its month counts) or text starting YYYY-MM
# One forecast point of an origin: method, level key (None = firm), month, horizon, point, p10, p90.
Record = tuple[str, str | None, dt.date, int, float, float | None, float | None]


@dataclass(frozen=True)
class BacktestSummary:
    """What `run_backtest` stored: its run id, the month-end origins forecast, the metric rows
    written to forecast.backtest_metrics, the path of the Markdown report, the headline figures
    and the wall time."""

    run_id: str
    origins: list[dt.date]
    metrics_rows: int
    report: str
    headline: BacktestHeadline
    seconds: float


def _parse_month(value: Month) -> dt.date:
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        return dt.date.fromisoformat(f"{str(value)[:7]}-01")
    except ValueError:
        raise InputError(f"month {value!r} is not a month", "use YYYY-MM") from None


def origins_between(start_month: Month, end_month: Month) -> list[dt.date]:
    a, b = _parse_month(start_month), _parse_month(end_month)
    if b < a:
        raise InputError(f"backtest range {a:%Y-%m}..{b:%Y-%m} is empty", "--from must not be after --to")
    out: list[dt.date] = []
    m = a
    while m <= b:
        out.append(month_end(m))
        m = add_months(m, 1)
    return out


def history_dates_needed(start_month: Month, end_month: Month) -> list[dt.date]:
    """The as-of dates whose "as reported at close" history a backtest reads: every origin and the
    origins each one's self-assessment looks back to (selfassess.ORIGIN_LAGS months earlier)."""
    origins = origins_between(start_month, end_month)
    return sorted(set(origins) | {o for origin in origins for o in selfassess.lookback_origins(origin)})


def truth_by_practice(raw: RawData, latest: dt.date) -> tuple[pl.DataFrame, dt.date]:
    """Revenue earned per practice and complete month, as known now (the backtests' target): the
    restated mart when the marts are built, else the engine's own recomputation."""
    inputs = as_of_view(raw, latest)
    restated = history.at(raw.revenue_history, raw.warehouse_as_of) if raw.warehouse_as_of else None
    hist = history.engine_frames(restated)[0] if restated is not None else engine.history_base(inputs)["history"]
    last_complete = (latest + dt.timedelta(days=1)).replace(day=1)
    t = (
        hist.join(inputs.projects.select("project_id", "practice"), on="project_id", how="left", maintain_order="left")
        .filter(pl.col("month") < last_complete)
        .pipe(ordered)
        .group_by("practice", "month", maintain_order=True)
        .agg(pl.col("revenue").sum().alias("actual"))
    )
    return t, last_complete


def _records_for_origin(
    origin: dt.date, prep: engine.Prepared, result: engine.ForecastResult, horizon: int
) -> pl.DataFrame:
    rows: list[Record] = []
    months = result.months
    for by in ([], ["practice"]):
        keys, d = result.summed_draws(by)
        if not d.shape[0]:
            continue
        mean, p10, p90 = d.mean(axis=2), np.quantile(d, 0.1, axis=2), np.quantile(d, 0.9, axis=2)
        for g in range(d.shape[0]):
            key = keys["practice"][g] if by else None
            for t, m in enumerate(months):
                rows.append(("wipcast", key, m, t + 1, float(mean[g, t]), float(p10[g, t]), float(p90[g, t])))
    sched = baselines.scheduled(prep)
    for key, frame in (
        (None, sched.pipe(ordered).group_by("month", maintain_order=True).agg(pl.col("value").sum())),
        *[(p, g.drop("practice")) for (p,), g in sched.group_by("practice")],
    ):
        vals = dict(frame.iter_rows())
        for t, m in enumerate(months):
            rows.append(("baseline_scheduled", key, m, t + 1, float(vals.get(m, 0.0)), None, None))
    last_complete = (origin + dt.timedelta(days=1)).replace(day=1)
    for key, y in baselines.monthly_series(prep.history, prep.projects, last_complete).items():
        for method, fc in baselines.series_forecasts(y, horizon).items():
            for t, m in enumerate(months):
                rows.append((method, key, m, t + 1, float(fc[t]), None, None))
    return pl.DataFrame(
        rows,
        schema={
            "method": pl.String,
            "level_key": pl.String,
            "month": pl.Date,
            "h": pl.Int32,
            "point": pl.Float64,
            "p10": pl.Float64,
            "p90": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.lit(origin).alias("origin"))


def run_backtest(
    settings: Settings,
    run_id: str,
    start_month: Month,
    end_month: Month,
    progress: Progress = None,
    *,
    horizon: int = 12,
    draws: int = 500,
    seed: int | None = 0,
    allow_as_of_outside_data: bool = False,
) -> BacktestSummary:
    """Forecast from every month end of start_month..end_month and score the forecasts. Every origin
    must lie within the data (from its first activity date; before the latest work date, so that
    something is left to score), else InputError before anything is written; the flag
    `allow_as_of_outside_data` lifts the first-date bound only (an origin after the data has nothing
    to score against)."""
    started = time.perf_counter()
    origins = origins_between(start_month, end_month)
    check_seed(seed, "seed")
    raw = attach_history(settings, read_raw(settings), history_dates_needed(start_month, end_month))
    latest = raw.latest_activity_date()
    first, last = raw.activity_range()
    too_late = [o for o in origins if o >= latest]
    if too_late:
        raise InputError(
            f"backtest origin {too_late[0]:%Y-%m} (--to) is not before the latest work date {latest} "
            f"(the data runs from {first} to {last}); its forecast would have nothing to be scored against",
            "choose --to at least one month before the latest month with data",
        )
    too_early = [o for o in origins if o < first]
    if too_early and not allow_as_of_outside_data:
        raise InputError(
            f"backtest origin {too_early[0]} (--from) is outside the data, which runs from {first} to {last} "
            "(first and latest work, invoice or payment date)",
            f"choose --from {first:%Y-%m} or later, or pass {ALLOW_OUTSIDE_FLAG} to backtest from it anyway",
        )
    truth, last_complete = truth_by_practice(raw, latest)
    final = as_of_view(raw, latest).opportunities
    outcomes = final.filter(pl.col("status").is_in(["won", "lost"])).select(
        "opportunity_id", (pl.col("status") == "won").cast(pl.Int8).alias("won")
    )
    records: list[pl.DataFrame] = []
    briers: list[pl.DataFrame] = []
    total = len(origins) + 1
    for i, origin in enumerate(origins):
        _tick(progress, f"backtest as of {origin}", i, total)
        prep = engine.prepare(as_of_view(raw, origin), horizon, diagnose=False)
        engine.self_assess(prep, raw)  # as published then: only origins before this one are assessed
        result = engine.simulate(prep, draws, None if seed is None else seed + i)
        params = {
            "kind": "backtest",
            "parent_run_id": run_id,
            "draws": draws,
            "seed": seed,
            "reporting_currency": settings.reporting_currency,
            "models": result.notes,
            "allow_as_of_outside_data": allow_as_of_outside_data,
        }
        with work_connection(settings) as con:
            store.ensure_schema(con)
            persist(con, f"{run_id}@{origin:%Y-%m}", result, horizon, params, raw.row_counts())
        records.append(_records_for_origin(origin, prep, result, horizon))
        briers.append(brier_rows(origin, prep, outcomes))
    _tick(progress, "scoring", len(origins), total)
    rec = pl.concat(records).filter(pl.col("month") < last_complete)
    metrics = compute_metrics(rec, truth, mase_scales(truth, origins[0]))
    br = pl.concat(briers)
    if br.height:
        y = br["won"].to_numpy()
        for method, col in (("wipcast", "calibrated"), ("crm", "crm")):
            metrics = pl.concat(
                [
                    metrics,
                    pl.DataFrame(
                        [
                            {
                                "method": method,
                                "level": "firm",
                                "level_key": None,
                                "horizon": None,
                                "metric": "brier",
                                "value": float(np.mean((br[col].to_numpy() - y) ** 2)),
                                "n_points": len(y),
                            }
                        ],
                        schema=metrics.schema,
                    ),
                ]
            )
    bins = calibration_bins(br)
    finite.check_finite("backtest_metrics", metrics, ("value",), nullable=True)
    finite.check_finite("win_probability_calibration", bins, ("predicted", "observed"))
    with work_connection(settings) as con:
        store.ensure_schema(con)
        con.execute("begin transaction")
        try:
            store.assert_new_run(con, run_id)
            store.write_run(
                con,
                run_id,
                origins[-1],
                horizon,
                model_versions(),
                {
                    "kind": "backtest_summary",
                    "from": f"{origins[0]:%Y-%m}",
                    "to": f"{origins[-1]:%Y-%m}",
                    "draws": draws,
                    "seed": seed,
                    "origins": [f"{o:%Y-%m}" for o in origins],
                    "reporting_currency": settings.reporting_currency,
                    "allow_as_of_outside_data": allow_as_of_outside_data,
                },
                raw.row_counts(),
            )
            store.write_metrics(con, run_id, metrics)
            store.write_calibration(con, run_id, bins)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    report = write_report(settings, run_id, origins, metrics, settings.reporting_currency, latest)
    _tick(progress, "done", total, total)
    return BacktestSummary(
        run_id=run_id,
        origins=origins,
        metrics_rows=metrics.height,
        report=report,
        headline=summary(metrics),
        seconds=round(time.perf_counter() - started, 1),
    )
