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
from typing import cast

import numpy as np
import polars as pl

from forecasting import baselines, engine, selfassess, store
from forecasting.calendar import add_months, month_end, month_start
from forecasting.frames import ordered
from forecasting.inputs import RawData, as_of_view
from forecasting.run import ALLOW_OUTSIDE_FLAG, Progress, _tick, check_seed, model_versions, persist, read_raw
from wipcast.errors import InputError
from wipcast.settings import Settings
from wipcast.warehouse import work_connection

HORIZONS = (1, 3, 6, 12)
METHODS = ("wipcast", "baseline_scheduled", "baseline_seasonal_naive", "baseline_ets")

Month = dt.date | str  # a date (its month counts) or text starting YYYY-MM
# One forecast point of an origin: method, level key (None = firm), month, horizon, point, p10, p90.
Record = tuple[str, str | None, dt.date, int, float, float | None, float | None]


@dataclass(frozen=True)
class BacktestHeadline:
    """The figures the backtest's targets are stated in (firm level; None where nothing was scored):
    WAPE over horizons 1-3 of wipcast and of each baseline, wipcast's ratio to the best baseline
    (target <= 0.75), the share of actuals inside the 80% interval over all horizons (target 75-85%),
    and the Brier score of the calibrated win probability next to the CRM's own."""

    wape_h1_3: float | None
    baselines_wape_h1_3: dict[str, float | None]
    best_baseline_wape_h1_3: float | None
    ratio_to_best_baseline: float | None
    coverage80_all: float | None
    brier_calibrated: float | None
    brier_crm: float | None


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
    """Revenue earned per practice and complete month, as known now (the backtests' target)."""
    inputs = as_of_view(raw, latest)
    hist = engine.history_base(inputs)["history"]
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


def _mase_scales(truth: pl.DataFrame, first_origin: dt.date) -> dict[str | None, float]:
    """In-sample MAE of the seasonal naive (m = 12; lag 1 with less than 13 months) per series, on
    the months up to the first origin."""
    t = truth.filter(pl.col("month") <= month_start(first_origin))
    out: dict[str | None, float] = {}
    series: dict[str | None, np.ndarray] = {
        None: t.pipe(ordered)
        .group_by("month", maintain_order=True)
        .agg(pl.col("actual").sum())
        .sort("month")["actual"]
        .to_numpy()
    }
    for (p,), g in t.group_by("practice"):
        series[p] = g.sort("month")["actual"].to_numpy()
    for k, y in series.items():
        lag = 12 if len(y) > 12 else 1
        out[k] = float(np.mean(np.abs(y[lag:] - y[:-lag]))) if len(y) > lag else float("nan")
    return out


def compute_metrics(records: pl.DataFrame, truth: pl.DataFrame, scales: dict[str | None, float]) -> pl.DataFrame:
    firm = (
        truth.pipe(ordered)
        .group_by("month", maintain_order=True)
        .agg(pl.col("actual").sum())
        .with_columns(pl.lit(None, pl.String).alias("level_key"))
    )
    prac = truth.rename({"practice": "level_key"})
    t = pl.concat([firm.select("level_key", "month", "actual"), prac.select("level_key", "month", "actual")])
    j = records.join(t, on=["level_key", "month"], how="inner", nulls_equal=True)
    out: list[dict[str, object]] = []

    def add(method: str, level: str, key: str | None, h: int | None, metric: str, value: float, n: int) -> None:
        out.append(
            {
                "method": method,
                "level": level,
                "level_key": key,
                "horizon": h,
                "metric": metric,
                "value": None if value is None or not np.isfinite(value) else float(value),
                "n_points": int(n),
            }
        )

    for (method, key), g in j.group_by("method", "level_key"):
        level = "firm" if key is None else "practice"
        for h, sel in [(h, g.filter(pl.col("h") == h)) for h in HORIZONS] + [(None, g.filter(pl.col("h") <= 3))]:
            if not sel.height:
                continue
            y, f = sel["actual"].to_numpy(), sel["point"].to_numpy()
            denom = float(np.sum(np.abs(y)))
            suffix = "" if h is not None else "_h1_3"
            add(
                method,
                level,
                key,
                h,
                "wape" + suffix,
                float(np.sum(np.abs(y - f)) / denom) if denom else float("nan"),
                len(y),
            )
            add(
                method,
                level,
                key,
                h,
                "bias" + suffix,
                float(np.sum(f - y) / np.sum(y)) if np.sum(y) else float("nan"),
                len(y),
            )
            sc = scales.get(key, float("nan"))
            add(
                method,
                level,
                key,
                h,
                "mase" + suffix,
                float(np.mean(np.abs(y - f)) / sc) if sc and np.isfinite(sc) else float("nan"),
                len(y),
            )
            if method == "wipcast":
                inside = (sel["p10"].to_numpy() <= y) & (y <= sel["p90"].to_numpy())
                add(method, level, key, h, "coverage80" + suffix, float(inside.mean()), len(y))
        allh = g.filter(pl.col("h") <= 12)
        if method == "wipcast" and allh.height:
            y = allh["actual"].to_numpy()
            inside = (allh["p10"].to_numpy() <= y) & (y <= allh["p90"].to_numpy())
            add(method, level, key, None, "coverage80_all", float(inside.mean()), len(y))
    return pl.DataFrame(
        out,
        schema={
            "method": pl.String,
            "level": pl.String,
            "level_key": pl.String,
            "horizon": pl.Int32,
            "metric": pl.String,
            "value": pl.Float64,
            "n_points": pl.Int32,
        },
    )


def brier_rows(origin: dt.date, prep: engine.Prepared, outcomes: pl.DataFrame) -> pl.DataFrame:
    o = prep.opportunities
    if not o.height:
        return pl.DataFrame(
            schema={
                "origin": pl.Date,
                "opportunity_id": pl.String,
                "won": pl.Int8,
                "calibrated": pl.Float64,
                "crm": pl.Float64,
            }
        )
    return (
        o.select(
            "opportunity_id", pl.col("win_prob").alias("calibrated"), pl.col("probability").fill_null(0.5).alias("crm")
        )
        .join(outcomes, on="opportunity_id", how="inner")
        .with_columns(pl.lit(origin).alias("origin"))
        .select("origin", "opportunity_id", "won", "calibrated", "crm")
    )


CALIBRATION_BINS = 10
CALIBRATION_SOURCES = ("calibrated", "crm")


def calibration_bins(pairs: pl.DataFrame, bins: int = CALIBRATION_BINS) -> pl.DataFrame:
    """Reliability table of win probabilities, from the pairs `brier_rows` scores (columns won,
    calibrated, crm): per source and equal-width bin over [0, 1] (bin i holds [i/bins, (i+1)/bins),
    a probability of exactly 1 falls in the last bin), the mean predicted probability, the share
    won and the count. Empty bins get no row, so every point on the chart stands for real deals."""
    parts = [
        pairs.select(
            pl.lit(source).alias("source"),
            pl.col(source).cast(pl.Float64).alias("p"),
            pl.col("won").cast(pl.Float64).alias("won"),
        ).drop_nulls()
        for source in CALIBRATION_SOURCES
    ]
    return (
        pl.concat(parts)
        .with_columns((pl.col("p") * bins).floor().clip(0, bins - 1).cast(pl.Int32).alias("bin"))
        .pipe(ordered)
        .group_by("source", "bin", maintain_order=True)
        .agg(
            pl.col("p").mean().alias("predicted"),
            pl.col("won").mean().alias("observed"),
            pl.len().cast(pl.Int32).alias("n"),
        )
        .sort("source", "bin")
    )


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
    raw = read_raw(settings)
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
    metrics = compute_metrics(rec, truth, _mase_scales(truth, origins[0]))
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
    store.check_finite("backtest_metrics", metrics, ("value",), nullable=True)
    store.check_finite("win_probability_calibration", bins, ("predicted", "observed"))
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


def summary(metrics: pl.DataFrame) -> BacktestHeadline:
    """The headline figures of the backtest's targets (see BacktestHeadline)."""

    def get(method: str, metric: str, level: str = "firm", h: int | None = None) -> float | None:
        f = metrics.filter((pl.col("method") == method) & (pl.col("metric") == metric) & (pl.col("level") == level))
        f = f.filter(pl.col("horizon").is_null()) if h is None else f.filter(pl.col("horizon") == h)
        return cast("float | None", f["value"][0]) if f.height else None

    base = {m: get(m, "wape_h1_3") for m in METHODS[1:]}
    best = min((v for v in base.values() if v is not None), default=None)
    ours = get("wipcast", "wape_h1_3")
    return BacktestHeadline(
        wape_h1_3=ours,
        baselines_wape_h1_3=base,
        best_baseline_wape_h1_3=best,
        ratio_to_best_baseline=(ours / best) if ours is not None and best else None,
        coverage80_all=get("wipcast", "coverage80_all"),
        brier_calibrated=get("wipcast", "brier"),
        brier_crm=get("crm", "brier"),
    )


def _fmt(v: float | None, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    return f"{v:.1%}" if pct else f"{v:.3f}"


def write_report(
    settings: Settings, run_id: str, origins: list[dt.date], metrics: pl.DataFrame, currency: str, latest: dt.date
) -> str:
    s = summary(metrics)
    lines = [
        f"# Backtest {run_id}",
        "",
        f"As-of origins: {origins[0]:%Y-%m} to {origins[-1]:%Y-%m} ({len(origins)} month ends); "
        f"actuals known through {latest}; amounts in {currency}. "
        "Each origin's forecast used only data known at its month end.",
        "",
        "## Targets",
        "",
        f"- WAPE horizons 1-3 (firm): wipcast {_fmt(s.wape_h1_3)} vs best baseline {_fmt(s.best_baseline_wape_h1_3)} "
        f"(ratio {_fmt(s.ratio_to_best_baseline)}; target ≤ 0.75)",
        f"- 80% interval coverage (firm, all horizons): {_fmt(s.coverage80_all, True)} (target 75-85%)",
        f"- Brier score of win probability: calibrated {_fmt(s.brier_calibrated)} vs CRM {_fmt(s.brier_crm)} "
        "(lower is better)",
        "",
    ]
    for level in ("firm", "practice"):
        lines += [
            f"## {level.capitalize()} level",
            "",
            "| method | key | metric | h1 | h3 | h6 | h12 | h1-3 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        m = metrics.filter(pl.col("level") == level)
        for (method, key, metric), g in sorted(
            m.filter(pl.col("metric").is_in(["wape", "bias", "mase", "coverage80"])).group_by(
                "method", "level_key", "metric"
            ),
            key=lambda x: (str(x[0][1]), x[0][2], x[0][0]),
        ):
            vals = {h: v for h, v in g.select("horizon", "value").iter_rows()}
            pooled = m.filter(
                (pl.col("method") == method)
                & (pl.col("level_key").eq_missing(key))
                & (pl.col("metric") == f"{metric}_h1_3")
            )["value"]
            cells = [_fmt(vals.get(h), metric == "coverage80") for h in HORIZONS] + [
                _fmt(pooled[0] if len(pooled) else None, metric == "coverage80")
            ]
            lines.append(f"| {method} | {key or 'firm'} | {metric} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "WAPE = Σ|actual − forecast| / Σ|actual|; bias = Σ(forecast − actual) / Σ actual; "
        "MASE scales the mean absolute error by the in-sample seasonal-naive error before the first origin; "
        "coverage80 = share of actuals within the forecast's p10..p90.",
        "",
    ]
    path = settings.warehouse_dir / "reports" / f"backtest_{run_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return str(path)
