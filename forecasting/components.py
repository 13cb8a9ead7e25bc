"""The revenue components, each turning prepared inputs into Monte Carlo draws.

Every function returns a `Component`: one row of `meta` per series (project, opportunity or
practice x region) and `values` shaped (series, months, draws) in the reporting currency; a
deterministic component has a draws axis of length 1 (broadcast when summed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from forecasting.calendar import month_start
from forecasting.frames import ordered

META_COLS = ["project_id", "opportunity_id", "customer_id", "practice", "region", "entity_id"]
META_SCHEMA = {c: pl.String for c in META_COLS}


@dataclass
class Component:
    name: str
    meta: pl.DataFrame  # META_COLS, one row per series
    values: np.ndarray  # (series, months, draws or 1)

    @staticmethod
    def empty(name: str, n_months: int) -> Component:
        return Component(name, pl.DataFrame(schema=META_SCHEMA), np.zeros((0, n_months, 1)))


def _meta(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        [pl.col(c).cast(pl.String) if c in frame.columns else pl.lit(None, pl.String).alias(c) for c in META_COLS]
    )


EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _month_index_of_ordinals(ordinals: np.ndarray) -> np.ndarray:
    """year * 12 + month - 1 of proleptic ordinals, vectorised (no Python date objects)."""
    months = (
        (np.asarray(ordinals, dtype=np.int64) - EPOCH_ORDINAL)
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )
    return months + 1970 * 12


def _month_pos(months: list[dt.date]) -> dict[dt.date, int]:
    return {m: i for i, m in enumerate(months)}


def _pivot(rows: pl.DataFrame, key: str, value: str, months: list[dt.date], keys: list[str]) -> np.ndarray:
    """(len(keys), len(months)) matrix of `value` summed by key and month."""
    pos = _month_pos(months)
    kpos = {k: i for i, k in enumerate(keys)}
    out = np.zeros((len(keys), len(months)))
    agg = rows.pipe(ordered).group_by(key, "month", maintain_order=True).agg(pl.col(value).sum())
    for k, m, v in agg.iter_rows():
        if k in kpos and m in pos and v is not None:
            out[kpos[k], pos[m]] += v
    return out


# --------------------------------------------------------------------------- booked time and materials


def booked_time_and_materials(
    tm_rows: pl.DataFrame,
    projects: pl.DataFrame,
    months: list[dt.date],
    n_draws: int,
    rng: np.random.Generator,
    sd_project: float,
    sd_common: float,
) -> Component:
    """tm_rows: (project_id, month, hours, rate, factor, billable_share) for planned hours after as_of;
    projects: project attributes incl. remaining_cap (reporting ccy; null = uncapped).
    Revenue = hours x factor x billable share x rate, times lognormal delivery shocks (per project and
    draw, per practice and draw, and per practice, month and draw), cumulatively capped by the
    remaining contract cap."""
    if not tm_rows.height:
        return Component.empty("booked_time_and_materials", len(months))
    v = tm_rows.with_columns(
        (pl.col("hours") * pl.col("factor") * pl.col("billable_share") * pl.col("rate")).alias("value")
    )
    ids = sorted(v["project_id"].unique().to_list())
    base = _pivot(v, "project_id", "value", months, ids)  # (P, T)
    meta = pl.DataFrame({"project_id": ids}).join(projects, on="project_id", how="left", maintain_order="left")
    practice_codes = meta["practice"].fill_null("").to_numpy()
    uniq, inv = np.unique(practice_codes, return_inverse=True)
    z_proj = rng.standard_normal((len(ids), n_draws))
    z_common = rng.standard_normal((len(uniq), n_draws))[inv]
    shock = np.exp(sd_project * z_proj - sd_project**2 / 2 + sd_common * z_common - sd_common**2 / 2)
    # Month-to-month delivery noise shared by a practice (holidays taken, bench days, late starts).
    z_month = rng.standard_normal((len(uniq), len(months), n_draws))[inv]
    month_shock = np.exp(sd_common * z_month - sd_common**2 / 2)
    vals = base[:, :, None] * shock[:, None, :] * month_shock
    cap = (
        meta["remaining_cap"].to_numpy().astype(float) if "remaining_cap" in meta.columns else np.full(len(ids), np.nan)
    )
    capped = ~np.isnan(cap)
    if capped.any():
        c = np.maximum(cap[capped], 0)[:, None, None]
        cum = np.minimum(np.cumsum(vals[capped], axis=1), c)
        vals[capped] = np.diff(cum, axis=1, prepend=0.0)
    return Component("booked_time_and_materials", _meta(meta), vals)


# --------------------------------------------------------------------------- booked fixed fee


def booked_fixed_fee(
    ff: pl.DataFrame,
    planned_cost: pl.DataFrame,
    months: list[dt.date],
    n_draws: int,
    rng: np.random.Generator,
    overrun: float,
    sd_overrun: float,
) -> Component:
    """ff: per open fixed-fee project: contract_value, earned_pc, cost_to_date_pc, fx (project ccy ->
    reporting), end_date and attributes. planned_cost: (project_id, month, cost_pc) remaining plan.
    Cost-to-cost with cumulative catch-up, as the marts recognise it: cost incurred through month t is
    cost to date + overrun x planned cost through t, the estimate to complete at t is the planned cost
    after t, and cumulative revenue = contract_value x min(1, incurred / (incurred + remaining)).
    Without remaining plan, the unearned value is spread evenly to the end date."""
    if not ff.height:
        return Component.empty("booked_fixed_fee", len(months))
    ff = ff.sort("project_id")
    ids = ff["project_id"].to_list()
    T = len(months)
    plan = _pivot(planned_cost, "project_id", "cost_pc", months, ids)  # (P, T), project currency
    etc_total = (
        planned_cost.pipe(ordered).group_by("project_id", maintain_order=True).agg(pl.col("cost_pc").sum().alias("etc"))
    )
    etc_all = (
        pl.DataFrame({"project_id": ids})
        .join(etc_total, on="project_id", how="left", maintain_order="left")["etc"]
        .fill_null(0.0)
        .to_numpy()
    )
    cv = ff["contract_value"].fill_null(0.0).to_numpy()
    earned = ff["earned_pc"].fill_null(0.0).to_numpy()
    ctd = ff["cost_to_date_pc"].fill_null(0.0).to_numpy()
    fxp = ff["fx"].fill_null(1.0).to_numpy()
    o = overrun * np.exp(sd_overrun * rng.standard_normal((len(ids), n_draws)) - sd_overrun**2 / 2)  # (P, D)
    # Cost is incurred unevenly month to month (the same spread as delivered hours): monthly shocks.
    month_shock = np.exp(sd_overrun * rng.standard_normal((len(ids), T, n_draws)) - sd_overrun**2 / 2)
    cum_plan_draws = np.cumsum(plan[:, :, None] * month_shock, axis=1)  # (P, T, D)
    cum_plan = np.cumsum(plan, axis=1)  # (P, T)
    # Cost incurred through month t = cost to date + o x planned cost through t; the estimate to
    # complete at t's end is the plan still remaining then (as the marts' rule measures it).
    incurred = ctd[:, None, None] + o[:, None, :] * np.minimum(cum_plan_draws, etc_all[:, None, None])
    remaining = np.maximum(etc_all[:, None, None] - cum_plan_draws, 0.0)
    # Once the plan's last month has passed the work is done, whatever the monthly shocks summed to.
    plan_done = cum_plan >= etc_all[:, None] * (1 - 1e-9)  # (P, T)
    remaining = np.where(plan_done[:, :, None], 0.0, remaining)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = incurred / (incurred + remaining)
    pct = np.where(np.isfinite(pct), np.minimum(pct, 1.0), 1.0)
    cum_rev = cv[:, None, None] * pct
    # Earned to date already reflects past progress; the first month carries the catch-up.
    vals = np.diff(cum_rev, axis=1, prepend=earned[:, None, None] * np.ones((1, 1, n_draws)))
    no_plan = etc_all <= 0
    if no_plan.any():
        end_month = [month_start(d) if d is not None else months[0] for d in ff["end_date"].to_list()]
        for i in np.where(no_plan)[0]:
            last = max(0, min(T - 1, sum(1 for m in months if m <= end_month[i]) - 1))
            vals[i] = 0.0
            vals[i, : last + 1, :] = max(cv[i] - earned[i], 0.0) / (last + 1)
    vals = vals * fxp[:, None, None]
    return Component("booked_fixed_fee", _meta(ff), vals)


# --------------------------------------------------------------------------- milestones


def milestones(
    open_ms: pl.DataFrame,
    projects: pl.DataFrame,
    slips: np.ndarray,
    as_of: dt.date,
    months: list[dt.date],
    n_draws: int,
    rng: np.random.Generator,
) -> Component:
    """open_ms: (milestone_id, project_id, amount_reporting, due_date). Each is earned at its due date
    plus a slip drawn from the learned slips; an overdue one at a date drawn from the slips longer
    than its current delay (within 30 days when none is that long)."""
    if not open_ms.height:
        return Component.empty("milestone", len(months))
    slips = np.asarray(slips if len(slips) else [0.0], dtype=float)
    open_ms = open_ms.sort("milestone_id")
    m0 = months[0]
    ids = sorted(open_ms["project_id"].unique().to_list())
    pidx = {p: i for i, p in enumerate(ids)}
    vals = np.zeros((len(ids), len(months), n_draws))
    month_idx0 = m0.year * 12 + m0.month - 1
    for pid, amount, due in open_ms.select("project_id", "amount_reporting", "due_date").iter_rows():
        overdue_by = (as_of - due).days  # > 0 means due date has passed
        eligible = (
            slips[slips >= overdue_by + 1] if overdue_by >= 0 else slips[due.toordinal() + slips > as_of.toordinal()]
        )
        if len(eligible):
            s = rng.choice(eligible, size=n_draws)
            ordinals = due.toordinal() + s.astype(int)
        else:
            ordinals = as_of.toordinal() + rng.integers(1, 31, size=n_draws)
        ordinals = np.maximum(ordinals, as_of.toordinal() + 1)
        t = _month_index_of_ordinals(ordinals) - month_idx0
        ok = (t >= 0) & (t < len(months))
        vals[pidx[pid], t[ok], np.nonzero(ok)[0]] += amount
    meta = pl.DataFrame({"project_id": ids}).join(projects, on="project_id", how="left", maintain_order="left")
    return Component("milestone", _meta(meta), vals)


# --------------------------------------------------------------------------- retainers


def retainers(rows: pl.DataFrame, projects: pl.DataFrame, months: list[dt.date]) -> Component:
    """rows: (project_id, month, value) the retainer schedule after as_of, reporting ccy."""
    if not rows.height:
        return Component.empty("retainer", len(months))
    ids = sorted(rows["project_id"].unique().to_list())
    base = _pivot(rows, "project_id", "value", months, ids)
    meta = pl.DataFrame({"project_id": ids}).join(projects, on="project_id", how="left", maintain_order="left")
    return Component("retainer", _meta(meta), base[:, :, None])


# --------------------------------------------------------------------------- pipeline


def pipeline(
    opps: pl.DataFrame,
    months: list[dt.date],
    n_draws: int,
    rng: np.random.Generator,
    slips: np.ndarray,
    shares_for: Callable[[int], np.ndarray],
) -> Component:
    """opps: (opportunity_id, customer_id, practice, region, win_prob, amount_reporting, expected_start_date,
    n_months). A win (Bernoulli(win_prob)) starts at the expected start plus a slip drawn from won deals
    (never before the first forecast month) and earns amount x the learned profile over n_months."""
    if not opps.height:
        return Component.empty("pipeline", len(months))
    opps = opps.sort("opportunity_id")
    T = len(months)
    m0 = months[0]
    i0 = m0.year * 12 + m0.month - 1
    slips = np.asarray(slips if len(slips) else [0.0], dtype=float)
    n = opps.height
    # Revenue in each forecast month for each possible start offset k (0..T-1): (n, T, T)
    by_start = np.zeros((n, T, T))
    for j, (amount, n_months) in enumerate(opps.select("amount_reporting", "n_months").iter_rows()):
        shares = shares_for(int(n_months)) * (amount or 0.0)
        for k in range(T):
            span = min(len(shares), T - k)
            by_start[j, k, k : k + span] = shares[:span]
    exp_start = np.array([d.toordinal() for d in opps["expected_start_date"].to_list()])
    s = rng.choice(slips, size=(n, n_draws)).astype(int)
    start = exp_start[:, None] + s
    months_idx = _month_index_of_ordinals(start)
    k = np.clip(months_idx - i0, 0, None)
    win = rng.random((n, n_draws)) < opps["win_prob"].to_numpy()[:, None]
    beyond = k >= T
    k = np.minimum(k, T - 1)
    vals = by_start[np.arange(n)[:, None], k, :]  # (n, D, T)
    vals = vals * (win & ~beyond)[:, :, None]
    return Component("pipeline", _meta(opps), np.transpose(vals, (0, 2, 1)))


# --------------------------------------------------------------------------- unplanned


def unplanned(
    forecasts: dict[str, tuple[np.ndarray, float]],
    uplift: dict[str, tuple[np.ndarray, np.ndarray]],
    region_shares: pl.DataFrame,
    months: list[dt.date],
    n_draws: int,
    rng: np.random.Generator,
) -> Component:
    """forecasts: practice -> (h=1 mean per forecast month, residual sd); uplift: practice -> (extra
    unplanned revenue at horizon t+1, its sd). Draws add normal noise with the combined sd, growing
    with the horizon like a random walk's up to 6 months (clipped at zero); each practice is split over
    regions by its recent revenue shares (practice, region, share)."""
    T = len(months)
    metas, vals = [], []
    grow = np.sqrt(np.minimum(np.arange(1, T + 1), 6))
    for practice, (mean, sd) in sorted(forecasts.items()):
        up_mean, up_sd = uplift.get(practice, (np.zeros(T), np.zeros(T)))
        m = mean[:T] + up_mean[:T]
        total_sd = np.sqrt(sd**2 + up_sd[:T] ** 2) * grow
        noise = rng.standard_normal((T, n_draws)) * total_sd[:, None]
        draws = np.maximum(m[:, None] + noise, 0.0)
        shares = region_shares.filter(pl.col("practice") == practice)
        if not shares.height:
            shares = pl.DataFrame(
                {"practice": [practice], "region": [None], "share": [1.0], "entity_id": [None]},
                schema={"practice": pl.String, "region": pl.String, "share": pl.Float64, "entity_id": pl.String},
            )
        if "entity_id" not in shares.columns:
            shares = shares.with_columns(pl.lit(None, pl.String).alias("entity_id"))
        for region, share, entity in (
            shares.sort("region", nulls_last=True).select("region", "share", "entity_id").iter_rows()
        ):
            metas.append({"practice": practice, "region": region, "entity_id": entity})
            vals.append(draws * share)
    if not vals:
        return Component.empty("unplanned", T)
    schema = {"practice": pl.String, "region": pl.String, "entity_id": pl.String}
    return Component("unplanned", _meta(pl.DataFrame(metas, schema=schema)), np.stack(vals))
