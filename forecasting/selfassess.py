"""Self-assessment: the engine backtests itself on the firm's own history before it publishes.

At past month-end origins (ORIGIN_LAGS months before the as-of month) the engine's own forecast
(what it would have said then, from `as_of_view`) and the simple baselines (seasonal naive, ETS on
revenue) are scored against what the firm later earned, per horizon band (1-3, 4-6, 7-12) and
level (firm, practice). From those errors, per band:

- combination weights (engine, seasonal naive, ETS; non-negative, summing to 1) minimising the
  absolute error of the firm total, shrunk when few origins back them toward a prior half equal
  weights, half inverse-squared-error weights, and never worse on that history than the best
  single method (the shrinkage is relaxed until so);
- a level correction (actual / combined, shrunk toward 1 and bounded) kept only when it lowers
  that error;
- a conformal interval scale: the factor the engine's simulated p10-p90 spread (relative to its
  mean) needs so that 80% of the history's combined-forecast errors fall inside it.

`apply` turns the simulated components into the published forecast: per practice and month,
every series' draws are multiplied by one factor per draw, so the totals have the combined mean
and the calibrated spread, and series stay non-negative and add up. A capacity ceiling
(forecasting/capacity.py) then caps each draw. Weights, errors, scales and the reason go to
forecast.model_diagnostics.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from forecasting.calendar import add_months, month_end, month_start
from forecasting.frames import ordered

if TYPE_CHECKING:
    from forecasting import components as C
    from forecasting.engine import Prepared
    from forecasting.inputs import RawData

METHODS = ("engine", "seasonal_naive", "ets")
BANDS = ((1, 3, "h1_3"), (4, 6, "h4_6"), (7, 12, "h7_12"))
ORIGIN_LAGS = (3, 6, 9, 12)
MIN_HISTORY_MONTHS = 9  # an origin needs this many months of history before it to be assessed
SHRINK_ORIGINS = 2.0  # equal-weights prior worth this many origins
CORRECTION_BOUNDS = (0.85, 1.15)
SCALE_BOUNDS = (0.5, 6.0)
GRID_STEP = 0.05
ASSESS_DRAWS = 120
COVERAGE = 0.8


def band_of(h: int) -> str:
    for lo, hi, name in BANDS:
        if lo <= h <= hi:
            return name
    return BANDS[-1][2]


@dataclass
class Assessment:
    """What the self-assessment learned (per band name) and the baselines at the current origin."""

    weights: dict[str, tuple[float, float, float]]
    correction: dict[str, float]
    scale: dict[str, float]
    baselines: dict[str | None, dict[str, np.ndarray]]  # practice -> method -> forecast per month
    diagnostics: dict[str, float] = field(default_factory=dict)
    reason: str = ""


# ------------------------------------------------------------------ fitting (pure numpy, unit tested)


def simplex_grid(k: int, step: float = GRID_STEP) -> np.ndarray:
    n = int(round(1 / step))
    rows = [c for c in itertools.product(range(n + 1), repeat=k - 1) if sum(c) <= n]
    return np.array([[*c, n - sum(c)] for c in rows], dtype=float) / n


def abs_error(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(np.abs(y - X @ w)))


def fit_weights(X: np.ndarray, y: np.ndarray, n_origins: float) -> tuple[np.ndarray, dict[str, float]]:
    """Weights over the columns of X (points x methods) for targets y: the simplex grid point with the
    least absolute error, shrunk toward equal weights by SHRINK_ORIGINS / (n_origins + SHRINK_ORIGINS);
    the shrinkage is relaxed (toward the fitted weights) until the combination's error is no worse
    than the best single method's on (X, y). Returns the weights and the errors (per method and of
    the combination)."""
    k = X.shape[1]
    equal = np.full(k, 1.0 / k)
    if len(y) == 0:
        return equal, {}
    grid = simplex_grid(k)
    errs = np.abs(y[:, None] - X @ grid.T).sum(axis=0)
    fitted = grid[int(np.argmin(errs))]
    single = [abs_error(np.eye(k)[j], X, y) for j in range(k)]
    best = min(single)
    # The prior the fit is shrunk to: equal weights over the methods, tilted by inverse squared
    # error (Bates-Granger) so a method that was far off on this history does not get a third.
    inv = 1.0 / np.maximum(np.array([float(np.mean((y - X[:, j]) ** 2)) for j in range(k)]), 1e-12)
    equal = 0.5 * equal + 0.5 * inv / inv.sum()
    lam = n_origins / (n_origins + SHRINK_ORIGINS)
    w = lam * fitted + (1 - lam) * equal
    while abs_error(w, X, y) > best * (1 + 1e-12) and lam < 1:
        lam = min(1.0, lam + 0.05)
        w = lam * fitted + (1 - lam) * equal
    if abs_error(w, X, y) > best * (1 + 1e-12):  # grid rounding: fall back to the best single method
        w = np.eye(k)[int(np.argmin(single))]
    info = {f"error.{m}": e for m, e in zip(METHODS[:k], single, strict=False)}
    info["error.combined"] = abs_error(w, X, y)
    info["shrink_lambda"] = lam
    return w, info


def fit_correction(combined: np.ndarray, y: np.ndarray, n_origins: float) -> float:
    """Level correction c (published = c x combined): Σ y / Σ combined shrunk toward 1 like the
    weights, bounded by CORRECTION_BOUNDS, and 1 unless it lowers the absolute error."""
    s = float(np.sum(combined))
    if len(y) == 0 or s <= 0:
        return 1.0
    lam = n_origins / (n_origins + SHRINK_ORIGINS)
    c = float(np.clip(1 + lam * (float(np.sum(y)) / s - 1), *CORRECTION_BOUNDS))
    return c if np.sum(np.abs(y - c * combined)) < np.sum(np.abs(y - combined)) else 1.0


def conformal_scale(point: np.ndarray, lo_rel: np.ndarray, hi_rel: np.ndarray, y: np.ndarray) -> float:
    """Scale s so that [point x (1 - s lo_rel), point x (1 + s hi_rel)] holds COVERAGE of y: the
    conformal quantile (rank ceil((n + 1) x COVERAGE)) of each point's needed scale, bounded by
    SCALE_BOUNDS; 1 with under three points."""
    n = len(y)
    if n < 3:
        return 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        below = y < point
        width = np.where(below, point * lo_rel, point * hi_rel)
        z = np.abs(y - point) / width
    z = np.where(np.isfinite(z), z, SCALE_BOUNDS[1])
    rank = min(n, math.ceil((n + 1) * COVERAGE))
    s = float(np.sort(z)[rank - 1])
    return float(np.clip(s, *SCALE_BOUNDS))


# ------------------------------------------------------------------ rolling-origin backtests

_CACHE: OrderedDict[tuple[int, dt.date, int], tuple[object, pl.DataFrame]] = OrderedDict()
_CACHE_SIZE = 48


def _origin_forecast(raw: RawData, origin: dt.date, horizon: int) -> pl.DataFrame:
    """(practice, month, engine, p10_rel, p90_rel, seasonal_naive, ets) of the raw engine and the
    baselines as of `origin`; firm rows have practice null (p10_rel/p90_rel: firm only). Cached per
    raw data object and origin (a forecast as of a past date never changes)."""
    from forecasting import baselines, engine
    from forecasting.inputs import as_of_view

    key = (id(raw), origin, horizon)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is raw:
        _CACHE.move_to_end(key)
        return hit[1]
    prep = engine.prepare(as_of_view(raw, origin), horizon, diagnose=False)
    result = engine.simulate(prep, ASSESS_DRAWS, 0)
    rows: list[dict[str, object]] = []
    keys, d = result.summed_draws(["practice"])
    _, firm = result.summed_draws([])
    last_complete = (origin + dt.timedelta(days=1)).replace(day=1)
    series = baselines.monthly_series(prep.history, prep.projects, last_complete)
    base = {k: baselines.series_forecasts(y, horizon) for k, y in series.items()}
    for g in range(d.shape[0]):
        p = keys["practice"][g]
        b = base.get(p, {}) if p is not None else {}  # key None is the firm series
        for t, m in enumerate(result.months):
            rows.append(
                {
                    "practice": p,
                    "month": m,
                    "engine": float(d[g, t].mean()),
                    "seasonal_naive": float(b["baseline_seasonal_naive"][t]) if b else 0.0,
                    "ets": float(b["baseline_ets"][t]) if b else 0.0,
                }
            )
    out = pl.DataFrame(
        rows,
        schema={
            "practice": pl.String,
            "month": pl.Date,
            "engine": pl.Float64,
            "seasonal_naive": pl.Float64,
            "ets": pl.Float64,
        },
    )
    if firm.shape[0]:
        mean = firm[0].mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.where(mean > 0, (mean - np.quantile(firm[0], 0.1, axis=1)) / mean, 0.0)
            hi = np.where(mean > 0, (np.quantile(firm[0], 0.9, axis=1) - mean) / mean, 0.0)
        spread = pl.DataFrame({"month": result.months, "lo_rel": lo, "hi_rel": hi})
    else:
        spread = pl.DataFrame(schema={"month": pl.Date, "lo_rel": pl.Float64, "hi_rel": pl.Float64})
    out = out.join(spread, on="month", how="left").with_columns(pl.lit(origin).alias("origin"))
    _CACHE[key] = (raw, out)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return out


def assessment_origins(as_of: dt.date, first_month: dt.date | None) -> list[dt.date]:
    if first_month is None:
        return []
    out = []
    for lag in ORIGIN_LAGS:
        o = month_end(add_months(month_start(as_of), -lag))
        if (o.year * 12 + o.month) - (first_month.year * 12 + first_month.month) + 1 >= MIN_HISTORY_MONTHS:
            out.append(o)
    return out


def assess(prep: Prepared, raw: RawData) -> Assessment:
    """Rolling-origin backtests of the engine and the baselines on the firm's own history up to
    prep.as_of, and what they imply for the published forecast (see the module docstring)."""
    from forecasting import baselines

    as_of, horizon = prep.as_of, len(prep.months)
    last_complete = (as_of + dt.timedelta(days=1)).replace(day=1)
    first_month = prep.history["month"].min() if prep.history.height else None
    assert first_month is None or isinstance(first_month, dt.date)
    series = baselines.monthly_series(prep.history, prep.projects, last_complete)
    current = {k: baselines.series_forecasts(y, horizon) for k, y in series.items()}
    cur = {k: {"seasonal_naive": v["baseline_seasonal_naive"], "ets": v["baseline_ets"]} for k, v in current.items()}
    actual = (
        prep.history.filter(pl.col("month") < last_complete)
        .join(prep.projects.select("project_id", "practice"), on="project_id", how="left")
        .select("practice", "month", "revenue")
        .pipe(ordered)
        .group_by("practice", "month", maintain_order=True)
        .agg(pl.col("revenue").sum().alias("actual"))
    )
    origins = assessment_origins(as_of, first_month)
    frames = [_origin_forecast(raw, o, horizon) for o in origins]
    diag: dict[str, float] = {"self_assessment.origins": float(len(origins))}
    weights: dict[str, tuple[float, float, float]] = {}
    correction: dict[str, float] = {}
    scale: dict[str, float] = {}
    equal = (1 / 3, 1 / 3, 1 / 3)
    if not frames:
        for _, _, b in BANDS:
            weights[b], correction[b], scale[b] = equal, 1.0, 1.0
        return Assessment(weights, correction, scale, cur, diag, "short_history: equal weights, no scaling")
    pts = (
        pl.concat(frames)
        .filter(pl.col("month") < last_complete)
        .join(actual, on=["practice", "month"], how="left", nulls_equal=True)
        .with_columns(pl.col("actual").fill_null(0.0))
        .with_columns(
            (
                (pl.col("month").dt.year() * 12 + pl.col("month").dt.month())
                - (pl.col("origin").dt.year() * 12 + pl.col("origin").dt.month())
            ).alias("h")
        )
    )
    firm = (
        pts.pipe(ordered)
        .group_by("origin", "month", "h", maintain_order=True)
        .agg(
            pl.col("engine").sum(),
            pl.col("seasonal_naive").sum(),
            pl.col("ets").sum(),
            pl.col("actual").sum(),
            pl.col("lo_rel").first(),
            pl.col("hi_rel").first(),
        )
        .sort("origin", "month")
    )
    reasons = []
    for lo, hi, b in BANDS:
        sel = firm.filter(pl.col("h").is_between(lo, hi))
        n_orig = float(sel["origin"].n_unique()) if sel.height else 0.0
        X = sel.select(*METHODS).to_numpy()
        y = sel["actual"].to_numpy()
        if not sel.height:
            # no evidence at this band: borrow the nearest shorter band's figures
            prev = BANDS[max(0, BANDS.index((lo, hi, b)) - 1)][2]
            weights[b] = weights.get(prev, equal)
            correction[b], scale[b] = correction.get(prev, 1.0), scale.get(prev, 1.0)
            reasons.append(f"{b}: no history, borrowed")
            continue
        w, info = fit_weights(X, y, n_orig)
        combined = X @ w
        c = fit_correction(combined, y, n_orig)
        s = conformal_scale(c * combined, sel["lo_rel"].to_numpy(), sel["hi_rel"].to_numpy(), y)
        weights[b] = (float(w[0]), float(w[1]), float(w[2]))
        correction[b], scale[b] = c, s
        denom = float(np.sum(np.abs(y))) or 1.0
        for m, j in zip(METHODS, range(3), strict=True):
            diag[f"self_assessment.{b}.weight.{m}"] = float(w[j])
            diag[f"self_assessment.{b}.wape.{m}"] = float(np.sum(np.abs(y - X[:, j]))) / denom
        diag[f"self_assessment.{b}.wape.published"] = float(np.sum(np.abs(y - c * combined))) / denom
        diag[f"self_assessment.{b}.correction"] = c
        diag[f"self_assessment.{b}.interval_scale"] = s
        diag[f"self_assessment.{b}.points"] = float(len(y))
        diag[f"self_assessment.{b}.origins"] = n_orig
        diag[f"self_assessment.{b}.shrink_lambda"] = info.get("shrink_lambda", 0.0)
        # practice level: the same band's errors of every method (weights are the firm's)
        band_pts = pts.filter(pl.col("h").is_between(lo, hi)).pipe(ordered)
        for (p,), g in band_pts.group_by("practice", maintain_order=True):
            ya = g["actual"].to_numpy()
            dp = float(np.sum(np.abs(ya))) or 1.0
            for m in METHODS:
                diag[f"self_assessment.{b}.practice.{p}.wape.{m}"] = float(np.sum(np.abs(ya - g[m].to_numpy()))) / dp
        reasons.append(f"{b}: {int(n_orig)} origins, {len(y)} points")
    return Assessment(weights, correction, scale, cur, diag, "; ".join(reasons))


# ------------------------------------------------------------------ publishing


def apply(
    comps: list[C.Component],
    months: list[dt.date],
    a: Assessment,
    ceiling: np.ndarray | None = None,
) -> dict[str, float]:
    """Edit the components' draws in place into the published forecast (see the module docstring);
    ceiling: firm revenue per month no draw may exceed (capacity), or None. Returns diagnostics."""
    T = len(months)
    live = [c for c in comps if c.values.shape[0]]
    if not live:
        return {}
    D = max(c.values.shape[2] for c in live)
    practices = sorted({p for c in live for p in c.meta["practice"].to_list()}, key=lambda p: (p is None, p or ""))
    # totals per practice: (P, T, D)
    tot = np.zeros((len(practices), T, D))
    idx = {p: i for i, p in enumerate(practices)}
    rows_of = []
    for c in live:
        r = np.array([idx[p] for p in c.meta["practice"].to_list()])
        rows_of.append(r)
        for i in np.unique(r):
            tot[i] += c.values[r == i].sum(axis=0)
    bands = [band_of(t + 1) for t in range(T)]
    w = np.array([a.weights[b] for b in bands])  # (T, 3)
    corr = np.array([a.correction[b] for b in bands])
    s = np.array([a.scale[b] for b in bands])
    g = np.ones_like(tot)
    target_total = np.zeros((T, D))
    for p, i in idx.items():
        E = tot[i].mean(axis=1)  # (T,)
        base = a.baselines.get(p) if p is not None else None  # key None is the firm series
        sn = base["seasonal_naive"][:T] if base else E
        ets = base["ets"][:T] if base else E
        P = corr * (w[:, 0] * E + w[:, 1] * sn + w[:, 2] * ets)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(E > 0, s * P / E, 0.0)
            target = P[:, None] + k[:, None] * (tot[i] - E[:, None])
            target = np.maximum(target, 0.0)
            g[i] = np.where(tot[i] > 0, target / tot[i], 1.0)
        # a practice with no engine revenue at all takes no baseline revenue either (nothing to scale)
        target_total += np.where(tot[i] > 0, target, tot[i])
    diag: dict[str, float] = {}
    if ceiling is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            cut = np.where(target_total > ceiling[:, None], ceiling[:, None] / target_total, 1.0)
        cut = np.where(np.isfinite(cut), cut, 1.0)
        g = g * cut[None, :, :]
        binding = cut < 1.0
        diag["capacity.binding_share_of_draws"] = float(binding.mean())
        diag["capacity.binding_months"] = float(np.sum(binding.mean(axis=1) > 0.5))
        for t in range(T):
            diag[f"capacity.binding_share.m{t + 1}"] = float(binding[t].mean())
    for c, r in zip(live, rows_of, strict=True):
        if c.values.shape[2] == 1 and D > 1:
            c.values = np.repeat(c.values, D, axis=2)
        c.values = c.values * g[r]
    for t, b in enumerate(bands):
        diag[f"published.weight_engine.m{t + 1}"] = float(w[t, 0])
        del b
    return diag


def apply_ceiling(comps: list[C.Component], months: list[dt.date], ceiling: np.ndarray) -> dict[str, float]:
    """The capacity ceiling alone (no self-assessment): draws whose firm total exceeds it are scaled
    down to it; components are left untouched when it never binds."""
    live = [c for c in comps if c.values.shape[0]]
    if not live:
        return {}
    D = max(c.values.shape[2] for c in live)
    total = np.zeros((len(months), D))
    for c in live:
        total = total + c.values.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(total > ceiling[:, None], ceiling[:, None] / total, 1.0)
    cut = np.where(np.isfinite(cut), cut, 1.0)
    binding = cut < 1.0
    diag = {
        "capacity.binding_share_of_draws": float(binding.mean()),
        "capacity.binding_months": float(np.sum(binding.mean(axis=1) > 0.5)),
    }
    if binding.any():
        for c in live:
            v = np.repeat(c.values, D, axis=2) if c.values.shape[2] == 1 and D > 1 else c.values
            c.values = v * cut[None, :, :]
    return diag
