"""The forecasting engine: as-of inputs -> learned parameters -> Monte Carlo draws -> summaries.

`prepare(inputs, horizon)` learns everything from the as-of view and returns a `Prepared`
object of plain polars frames and numbers; `simulate(prepared, draws, seed)` turns it into
draws. A what-if scenario (forecasting/scenarios) edits a `Prepared` (win probabilities, rates,
start dates, ...) between the two calls, so it runs through exactly the same engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import polars as pl

from forecasting import calibration, delivery, pipeline, selfassess, unplanned
from forecasting import components as C
from forecasting.calendar import add_months, forecast_months, month_index, month_start
from forecasting.frames import ordered
from forecasting.inputs import Inputs, RawData
from forecasting.known import history_base
from forecasting.rates import future_bill_rates
from forecasting.recognition import retainer_by_month

MODEL_VERSION = "wipcast-forecast-0.1"


@dataclass
class Prepared:
    as_of: dt.date
    months: list[dt.date]
    projects: pl.DataFrame  # attributes: project_id, customer_id, practice, region, entity_id, billing_type, ...
    history: pl.DataFrame  # (project_id, month, revenue_pc, revenue, cost) as known at as_of
    actual: pl.DataFrame  # (project_id, month, revenue) closed months of the as-of year (and the as-of month to date)
    tm_rows: pl.DataFrame  # (project_id, role, month, hours, rate, factor, billable_share)
    ff: pl.DataFrame
    ff_planned_cost: pl.DataFrame
    open_milestones: pl.DataFrame
    retainer_rows: pl.DataFrame
    opportunities: pl.DataFrame  # open at as_of, with win_prob and crm probability
    unplanned_forecasts: dict[str, tuple[np.ndarray, float]]  # practice -> (h=1 mean per month, residual sd)
    unplanned_uplift: dict[str, tuple[np.ndarray, np.ndarray]]  # practice -> (extra mean per month, its sd)
    region_shares: pl.DataFrame
    milestone_slips: np.ndarray
    start_slips: np.ndarray
    profile: np.ndarray
    duration_ratio: float
    dispersion: dict[str, float]
    overrun: float
    overrun_sd: float
    factors: delivery.Factors
    diagnostics: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    assessment: selfassess.Assessment | None = None  # set by `self_assess` (needs the raw data)

    def shares_for(self, n_months: int) -> np.ndarray:
        return pipeline.profile_shares(self.profile, n_months)


@dataclass
class ForecastResult:
    as_of: dt.date
    months: list[dt.date]
    components: list[C.Component]
    actual: pl.DataFrame
    diagnostics: dict[str, float]
    notes: dict[str, str]

    def series(self) -> tuple[pl.DataFrame, list[np.ndarray]]:
        metas = [c.meta.with_columns(pl.lit(c.name).alias("component")) for c in self.components]
        return pl.concat(metas, how="vertical_relaxed") if metas else pl.DataFrame(), [
            c.values for c in self.components
        ]

    def summed_draws(self, by: list[str] | None = None) -> tuple[pl.DataFrame, np.ndarray]:
        """Draws summed over every series that shares the `by` columns: (keys frame, (groups, months, draws))."""
        by = by or []
        n_draws = max((c.values.shape[2] for c in self.components), default=1)
        keys_all, blocks = [], []
        for c in self.components:
            if c.values.shape[0] == 0:
                continue
            keys_all.append(c.meta.select(by) if by else pl.DataFrame({"_": [0] * c.meta.height}))
            blocks.append(c)
        if not blocks:
            return pl.DataFrame(), np.zeros((0, len(self.months), n_draws))
        allkeys = pl.concat(keys_all, how="vertical_relaxed")
        groups = allkeys.unique(maintain_order=True).with_row_index("_g")
        out = np.zeros((groups.height, len(self.months), n_draws))
        for c, keys in zip(blocks, keys_all, strict=True):
            g = keys.join(groups, on=list(keys.columns), how="left", nulls_equal=True, maintain_order="left")[
                "_g"
            ].to_numpy()
            # Sum series into their group one group at a time (np.add.at is slow on large arrays).
            for gid in np.unique(g):
                out[gid] += c.values[g == gid].sum(axis=0)  # (months, draws or 1), broadcast over draws
        return groups.drop("_g"), out


# --------------------------------------------------------------------------- prepare


def _project_attributes(inputs: Inputs) -> pl.DataFrame:
    return inputs.projects.join(
        inputs.customers.select("customer_id", "region"), on="customer_id", how="left", maintain_order="left"
    ).select(
        "project_id",
        "customer_id",
        "practice",
        "region",
        "entity_id",
        "billing_type",
        pl.col("currency").alias("project_currency"),
        "contract_value",
        "end_date",
        "closed",
        "opportunity_id",
    )


def prepare(inputs: Inputs, horizon: int = 12, diagnose: bool = True) -> Prepared:
    """Learn every parameter from the as-of view. `diagnose` adds cross-validated scores (slower)."""
    as_of = inputs.as_of
    months = forecast_months(as_of, horizon)
    diag: dict[str, float] = {}
    notes: dict[str, str] = {"plan_source": inputs.plan_source}

    base = history_base(inputs, months)
    fx_hist, fx, rated, plan_origins = base["fx_hist"], base["fx"], base["rated"], base["plan_origins"]
    emp_cost, role_cost, history, ff_state = base["emp_cost"], base["role_cost"], base["history"], base["ff_state"]
    diag["inputs.rate_missing_entries"] = float(rated.filter(pl.col("rate_source") == "missing").height)
    projects = _project_attributes(inputs)

    # ---- delivery factors (time and materials) and overrun (fixed fee)
    pw = delivery.planned_vs_worked(plan_origins, rated, inputs.projects, as_of, delivery.BILLABLE_TYPES)
    factors = delivery.learn_factors(pw)
    disp = delivery.dispersion(pw)
    for row in factors["firm"].iter_rows(named=True):
        diag[f"delivery_factor.firm.{row['bucket']}"] = float(row["factor"])
    for row in factors["practice"].iter_rows(named=True):
        diag[f"delivery_factor.practice.{row['practice']}.{row['bucket']}"] = float(row["factor"])
    for row in factors["cell"].iter_rows(named=True):
        diag[f"delivery_factor.cell.{row['practice']}.{row['role']}.{row['bucket']}"] = float(row["factor"])
    for role, f, _ in delivery.raw_factors(pw, ["role"]).iter_rows():
        diag[f"delivery_factor.role.{role}.h1"] = float(f)
    diag["delivery.sd_project"] = disp["project"]
    diag["delivery.sd_common"] = disp["common"]
    pw_ff = delivery.planned_vs_worked(plan_origins, rated, inputs.projects, as_of, ("fixed_fee",))
    W, P = float(pw_ff["worked"].sum()) if pw_ff.height else 0.0, float(pw_ff["planned"].sum()) if pw_ff.height else 0.0
    overrun = (W + delivery.SHRINK_HOURS) / (P + delivery.SHRINK_HOURS)
    diag["fixed_fee.overrun_factor"] = overrun
    overrun_sd = delivery.dispersion(pw_ff)["project"] if pw_ff.height else 0.15

    # ---- booked time and materials
    tm_share = (
        rated.filter(pl.col("billing_type") == "time_and_materials")
        .select("practice", "billable", "hours")
        .pipe(ordered)
        .group_by("practice", maintain_order=True)
        .agg((pl.col("hours").filter(pl.col("billable")).sum() / pl.col("hours").sum()).alias("billable_share"))
    )
    open_tm = projects.filter((pl.col("billing_type") == "time_and_materials") & ~pl.col("closed"))
    cur = plan_origins.filter(pl.col("origin") == as_of).join(
        open_tm.select("project_id", "practice"), on="project_id", how="inner"
    )
    cur = (
        cur.filter(pl.col("month").is_in(months))
        .pipe(ordered)
        .group_by("project_id", "practice", "role", "month", maintain_order=True)
        .agg(pl.col("hours").sum())
    )
    cur = cur.with_columns((month_index("month") - month_index(pl.lit(months[0])) + 1).alias("h"))
    cur = delivery.factor_for(cur.with_columns(delivery.bucket_expr(pl.col("h")).alias("bucket")), factors)
    realization = calibration.tm_realization(inputs, plan_origins, history, rated, factors, tm_share, fx_hist, as_of)
    for b, r in realization.items():
        diag[f"booked_tm.realization.{b}"] = r
    cur = cur.with_columns(
        pl.col("bucket").replace_strict(realization, default=1.0, return_dtype=pl.Float64).alias("realization")
    )
    rates = future_bill_rates(
        cur.select("project_id", "role", "month"),
        inputs,
        fx,
        rated.filter(pl.col("billing_type") == "time_and_materials"),
    )
    diag["booked_tm.rate_missing_rows"] = float(rates.filter(pl.col("rate") <= 0).height)
    tm_rows = (
        cur.join(
            rates.select("project_id", "role", "month", "rate"),
            on=["project_id", "role", "month"],
            how="left",
            maintain_order="left",
        )
        .join(tm_share, on="practice", how="left", maintain_order="left")
        .with_columns(pl.col("billable_share").fill_null(1.0), pl.col("rate").fill_null(0.0))
        .with_columns((pl.col("factor") * pl.col("realization")).alias("factor"))
    )
    # Same-month-of-year delivery: plans know public holidays but not leave, so a calendar month
    # (summer, year end) delivers its own share of the plan (learned from every origin, shrunk to 1).
    month_delivery = delivery.calendar_month_factors(pw)
    for k, r in month_delivery.items():
        diag[f"delivery.calendar_month.m{k:02d}"] = r
    tm_rows = tm_rows.with_columns(
        (
            pl.col("factor")
            * pl.col("month").dt.month().replace_strict(month_delivery, default=1.0, return_dtype=pl.Float64)
        ).alias("factor")
    )
    earned_pc = (
        history.pipe(ordered)
        .group_by("project_id", maintain_order=True)
        .agg(pl.col("revenue_pc").sum().alias("earned_pc"))
    )
    fx_now = fx_hist.filter(pl.col("month") == month_start(as_of)).select(
        pl.col("currency").alias("project_currency"), "fx"
    )
    projects = (
        projects.join(earned_pc, on="project_id", how="left", maintain_order="left")
        .join(fx_now, on="project_currency", how="left", maintain_order="left")
        .with_columns(pl.col("earned_pc").fill_null(0.0), pl.col("fx").fill_null(1.0))
    )
    projects = projects.with_columns(
        pl.when(pl.col("contract_value").is_not_null() & (pl.col("billing_type") == "time_and_materials"))
        .then((pl.col("contract_value") - pl.col("earned_pc")) * pl.col("fx"))
        .alias("remaining_cap")
    )

    # ---- booked fixed fee
    ff_open = projects.filter((pl.col("billing_type") == "fixed_fee") & ~pl.col("closed"))
    ctd = (
        ff_state.filter(pl.col("month") <= month_start(as_of))
        .sort("month")
        .group_by("project_id")
        .agg(pl.col("cum_cost_pc").last().alias("cost_to_date_pc"))
    )
    ff = ff_open.join(ctd, on="project_id", how="left", maintain_order="left").with_columns(
        pl.col("cost_to_date_pc").fill_null(0.0)
    )
    ff_cost = (
        plan_origins.filter(pl.col("origin") == as_of)
        .join(ff.select("project_id", "fx"), on="project_id", how="inner")
        .join(emp_cost, on="employee_id", how="left", maintain_order="left")
        .join(role_cost.rename({"cost_rate_reporting": "_rc"}), on="role", how="left", maintain_order="left")
        .with_columns(
            (pl.col("hours") * pl.coalesce("cost_rate_reporting", "_rc").fill_null(0.0) / pl.col("fx")).alias("cost_pc")
        )
        .select("project_id", "month", "cost_pc")
    )

    # ---- milestones
    ms = (
        inputs.milestones.filter(pl.col("completed_date").is_null())
        .join(projects.filter(~pl.col("closed")).select("project_id", "fx"), on="project_id", how="inner")
        .with_columns((pl.col("amount") * pl.col("fx")).alias("amount_reporting"))
    )
    done = inputs.milestones.filter(pl.col("completed_date").is_not_null())
    ms_slips = (
        (done["completed_date"] - done["due_date"]).dt.total_days().to_numpy().astype(float)
        if done.height
        else np.zeros(0)
    )
    diag["milestone.slip_mean_days"] = float(ms_slips.mean()) if len(ms_slips) else 0.0
    diag["milestone.slip_sample"] = float(len(ms_slips))

    # ---- retainers
    ret = retainer_by_month(inputs.projects.filter(~pl.col("closed")), as_of, None)
    ret = (
        ret.filter(pl.col("month").is_in(months))
        .join(projects.select("project_id", "fx"), on="project_id", how="left", maintain_order="left")
        .with_columns((pl.col("revenue_pc") * pl.col("fx")).alias("value"))
    )

    # ---- pipeline
    fx_latest = fx_now.rename({"project_currency": "currency"})
    train = pipeline.training_rows(inputs, fx_latest)
    win = pipeline.WinModel(train, diagnose)
    diag.update(win.diagnostics)
    notes["win_model"] = win.method
    diag["win_model.is_learned"] = 1.0 if win.method == "logistic_platt" else 0.0
    open_opps = inputs.opportunities.filter(pl.col("status") == "open").with_columns(pl.lit(as_of).alias("state_date"))
    open_opps = pipeline.features(open_opps, fx_latest)
    first_work = (
        rated.select("project_id", "work_date")
        .pipe(ordered)
        .group_by("project_id", maintain_order=True)
        .agg(pl.col("work_date").min().alias("first_work"))
    )
    slips = pipeline.start_slips(inputs, first_work)
    diag["pipeline.start_slip_mean_days"] = float(slips.mean()) if len(slips) else 0.0
    diag["pipeline.start_slip_sample"] = float(len(slips))
    real, dur = pipeline.realization(history, inputs)
    diag["pipeline.realization"] = real
    diag["pipeline.duration_ratio"] = dur
    profile = pipeline.revenue_profile(history, inputs.projects)
    if open_opps.height:
        p = win.predict(open_opps)
        open_opps = open_opps.with_columns(
            pl.Series("win_prob", p),
            (pl.col("amount_reporting") * real).alias("amount_reporting"),
            pl.col("expected_start_date").fill_null(pl.col("close_date")).fill_null(as_of),
            pl.col("expected_duration_weeks")
            .map_elements(lambda w: pipeline.duration_months(w, dur), return_dtype=pl.Int64)
            .alias("n_months"),
        )
        diag["pipeline.open_count"] = float(open_opps.height)
        diag["pipeline.mean_win_prob"] = float(np.mean(p))
        diag["pipeline.mean_crm_prob"] = float(cast(float, open_opps["probability"].fill_null(0.5).mean()))
    else:
        open_opps = open_opps.with_columns(pl.lit(0.0).alias("win_prob"), pl.lit(1, pl.Int64).alias("n_months"))

    # ---- unplanned
    fits, ratios = unplanned.learn(inputs, history, plan_origins, rated, projects, months, horizon, diag, notes)
    recent = history.filter(pl.col("month") >= add_months(month_start(as_of), -12)).join(
        projects.select("project_id", "practice", "region"), on="project_id"
    )
    # Shares of positive revenue only: a practice whose recent revenue nets to zero (or below, after
    # credit notes) has no regional split to learn, and 0 / 0 would be NaN (which polars keeps through
    # `> 0`); such a practice falls back to one unsplit row in the unplanned component.
    region_shares = (
        recent.pipe(ordered)
        .group_by("practice", "region", maintain_order=True)
        .agg(pl.col("revenue").sum().clip(lower_bound=0.0))
        .filter(pl.col("revenue") > 0)
        .with_columns((pl.col("revenue") / pl.col("revenue").sum().over("practice")).alias("share"))
        .select("practice", "region", "share")
    )

    # Pipeline and unplanned revenue has no contracting entity yet: use the region's usual one.
    region_entity = (
        projects.filter(pl.col("region").is_not_null() & pl.col("entity_id").is_not_null())
        .pipe(ordered)
        .group_by("region", "entity_id", maintain_order=True)
        .agg(pl.len().alias("_n"))
        .sort("_n", "entity_id", descending=True)
        .group_by("region", maintain_order=True)
        .agg(pl.col("entity_id").first())
    )
    open_opps = open_opps.drop("entity_id", strict=False).join(
        region_entity, on="region", how="left", maintain_order="left"
    )
    region_shares = region_shares.join(region_entity, on="region", how="left", maintain_order="left")

    actual = history.filter((pl.col("month").dt.year() == as_of.year) & (pl.col("month") <= month_start(as_of))).select(
        "project_id", "month", "revenue"
    )
    return Prepared(
        as_of=as_of,
        months=months,
        projects=projects,
        history=history,
        actual=actual,
        tm_rows=tm_rows,
        ff=ff,
        ff_planned_cost=ff_cost,
        open_milestones=ms,
        retainer_rows=ret,
        opportunities=open_opps,
        unplanned_forecasts=fits,
        unplanned_uplift=ratios,
        region_shares=region_shares,
        milestone_slips=ms_slips,
        start_slips=slips,
        profile=profile,
        duration_ratio=dur,
        dispersion=disp,
        overrun=overrun,
        overrun_sd=overrun_sd,
        factors=factors,
        diagnostics=diag,
        notes=notes,
    )


def self_assess(prep: Prepared, raw: RawData) -> Prepared:
    """Backtest the engine and the baselines on the firm's own history (forecasting/selfassess.py)
    and attach what they imply (fall-back or combination weights, level correction, interval scale
    per horizon band, frozen against this forecast), so `simulate` publishes the calibrated
    forecast. `raw` must hold the data `prep` was prepared from (its as-of view at earlier month
    ends is what the engine would have known then)."""
    a = selfassess.assess(prep, raw)
    prep.assessment = a
    prep.diagnostics.update(a.diagnostics)
    prep.notes["self_assessment"] = a.reason
    return prep


# --------------------------------------------------------------------------- simulate

COMPONENT_STREAMS = ("booked_time_and_materials", "booked_fixed_fee", "milestone", "pipeline", "unplanned")
MAX_DRAW_CELLS = 120_000_000  # series x months x draws held in memory at once (~1 GB of float64)
MIN_AFFORDABLE_DRAWS = 200  # the memory cap never cuts a run below this (a request for fewer is honoured)


def affordable_draws(prep: Prepared, draws: int) -> int:
    """The draws requested, or fewer when a very large firm would not fit in memory; the cap never
    goes below MIN_AFFORDABLE_DRAWS, and never raises a request (`--draws 100` runs 100)."""
    n_series = (
        prep.tm_rows["project_id"].n_unique()
        + prep.ff.height
        + prep.open_milestones["project_id"].n_unique()
        + prep.opportunities.height
        + 3 * len(prep.unplanned_forecasts)
        + 1
        # the self-assessment's spread scaling gives deterministic series (retainers) draws too
        + (prep.retainer_rows["project_id"].n_unique() if prep.assessment is not None else 0)
    )
    cap = MAX_DRAW_CELLS // max(1, n_series * len(prep.months))
    return int(min(draws, max(MIN_AFFORDABLE_DRAWS, cap)))


def simulate(prep: Prepared, draws: int = 2000, seed: int | None = None, publish: bool = True) -> ForecastResult:
    """Monte Carlo draws of every component. After `self_assess` (and with `publish`) the draws are
    the published forecast: level-corrected and with calibrated spread (selfassess.apply);
    otherwise the engine's own."""
    # Common random numbers: every component draws from its own stream of the seed, so a scenario
    # that edits one component (more deals, later starts) leaves the others' draws exactly as in the
    # base, and the paired difference of a scenario carries only its edits.
    tm_rng, ff_rng, ms_rng, pipe_rng, unpl_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(COMPONENT_STREAMS))
    )
    months = prep.months
    attrs = prep.projects.select("project_id", "customer_id", "practice", "region", "entity_id", "remaining_cap")
    comps = [
        C.booked_time_and_materials(
            prep.tm_rows, attrs, months, draws, tm_rng, prep.dispersion["project"], prep.dispersion["common"]
        ),
        C.booked_fixed_fee(prep.ff, prep.ff_planned_cost, months, draws, ff_rng, prep.overrun, prep.overrun_sd),
        C.milestones(prep.open_milestones, attrs, prep.milestone_slips, prep.as_of, months, draws, ms_rng),
        C.retainers(prep.retainer_rows, attrs, months),
        C.pipeline(prep.opportunities, months, draws, pipe_rng, prep.start_slips, prep.shares_for),
        C.unplanned(prep.unplanned_forecasts, prep.unplanned_uplift, prep.region_shares, months, draws, unpl_rng),
    ]
    diag = dict(prep.diagnostics)
    if publish and prep.assessment is not None:
        diag.update(selfassess.apply(comps, months, prep.assessment))
    actual = prep.actual.join(
        prep.projects.select("project_id", "customer_id", "practice", "region", "entity_id"),
        on="project_id",
        how="left",
        maintain_order="left",
    )
    return ForecastResult(prep.as_of, months, comps, actual, diag, dict(prep.notes))


def forecast(inputs: Inputs, horizon: int = 12, draws: int = 2000, seed: int | None = None) -> ForecastResult:
    return simulate(prepare(inputs, horizon), draws, seed)


# --------------------------------------------------------------------------- summaries


def quantile_rows(result: ForecastResult) -> pl.DataFrame:
    """One row per series and month (and the `actual` rows): mean, p10, p50, p90 of its own draws."""
    frames = []
    for c in result.components:
        if c.values.shape[0] == 0:
            continue
        v = c.values
        mean = v.mean(axis=2)
        q = np.quantile(v, [0.1, 0.5, 0.9], axis=2)
        n, T = mean.shape
        meta = c.meta.with_row_index("_i")
        idx = np.repeat(np.arange(n), T)
        f = (
            pl.DataFrame(
                {
                    "_i": idx.astype(np.uint32),
                    "month": [result.months[t] for t in np.tile(np.arange(T), n)],
                    "mean": mean.ravel(),
                    "p10": q[0].ravel(),
                    "p50": q[1].ravel(),
                    "p90": q[2].ravel(),
                }
            )
            .join(meta, on="_i", how="left", maintain_order="left")
            .drop("_i")
            .with_columns(pl.lit(c.name).alias("component"))
        )
        frames.append(f.filter((pl.col("mean") != 0) | (pl.col("p90") != 0)))
    if result.actual.height:
        a = result.actual.filter(pl.col("revenue") != 0).with_columns(
            pl.lit(None, pl.String).alias("opportunity_id"),
            pl.lit("actual").alias("component"),
            pl.col("revenue").alias("mean"),
            pl.col("revenue").alias("p10"),
            pl.col("revenue").alias("p50"),
            pl.col("revenue").alias("p90"),
        )
        frames.append(a.drop("revenue"))
    cols = ["month", *C.META_COLS, "component", "mean", "p10", "p50", "p90"]
    if not frames:
        return pl.DataFrame(
            schema={
                c: (pl.Date if c == "month" else pl.Float64 if c in ("mean", "p10", "p50", "p90") else pl.String)
                for c in cols
            }
        )
    return pl.concat([f.select(cols) for f in frames], how="vertical_relaxed")
