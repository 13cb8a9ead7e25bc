"""The Markdown report of a backtest (<warehouse>/reports/backtest_<run_id>.md): its targets, then the
metrics by method, level and horizon (forecasting.scoring computes them)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from forecasting.scoring import HORIZONS, summary
from wipcast.settings import Settings


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
