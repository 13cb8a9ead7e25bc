"""Earned revenue per project and month as known at the as-of date (issue 3's rules, in polars).

The forecast needs history computed from the as-of view (so a backtest never sees later
approvals or estimates); the marts compute the same rules in SQL for the latest data.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from forecasting.calendar import month_start
from forecasting.rates import FAR_FUTURE

OUT_SCHEMA = {"project_id": pl.String, "month": pl.Date, "revenue_pc": pl.Float64}


def _tm(rated: pl.DataFrame, projects: pl.DataFrame) -> pl.DataFrame:
    """Approved billable hours x rate in the month of work, cumulative capped by contract_value; time
    after a closed project's end and time without a rate are not revenue."""
    t = rated.filter(
        (pl.col("billing_type") == "time_and_materials") & pl.col("billable") & pl.col("bill_value_pc").is_not_null()
        & ~(pl.col("closed") & (pl.col("work_date") > pl.coalesce(pl.col("end_date"), pl.lit(FAR_FUTURE))))
    ).group_by("project_id", "month").agg(pl.col("bill_value_pc").sum().alias("value"))
    t = t.join(projects.select("project_id", "contract_value"), on="project_id", how="left", maintain_order="left").sort("project_id", "month")
    t = t.with_columns(pl.col("value").cum_sum().over("project_id").alias("cum")).with_columns(
        pl.when(pl.col("contract_value").is_null()).then(pl.col("cum")).otherwise(pl.min_horizontal("cum", "contract_value")).alias("capped"))
    t = t.with_columns((pl.col("capped") - pl.col("capped").shift(1, fill_value=0.0).over("project_id")).alias("revenue_pc"))
    return t.select("project_id", "month", "revenue_pc")


def fixed_fee_progress(costs: pl.DataFrame, etc: pl.DataFrame, projects: pl.DataFrame, months: list[dt.date]) -> pl.DataFrame:
    """Cost-to-cost percent complete with cumulative catch-up.

    costs: (project_id, month, cost_pc) actual cost in the project currency.
    etc: (project_id, month, etc_pc) estimate to complete at the end of each month (null: unknown).
    Returns (project_id, month, cum_cost_pc, etc_pc, pct_complete, cum_revenue_pc, revenue_pc)."""
    ff = projects.filter(pl.col("billing_type") == "fixed_fee").select("project_id", "contract_value", "closed", "end_date")
    if not ff.height:
        return pl.DataFrame(schema={**OUT_SCHEMA, "cum_cost_pc": pl.Float64, "pct_complete": pl.Float64})
    first = costs.group_by("project_id").agg(pl.col("month").min().alias("first"))
    grid = ff.join(first, on="project_id", how="inner").join(pl.DataFrame({"month": months}), how="cross").filter(pl.col("month") >= pl.col("first"))
    g = (grid.join(costs, on=["project_id", "month"], how="left", maintain_order="left").join(etc, on=["project_id", "month"], how="left", maintain_order="left")
         .sort("project_id", "month").with_columns(pl.col("cost_pc").fill_null(0.0).cum_sum().over("project_id").alias("cum_cost_pc")))
    eac = pl.col("cum_cost_pc") + pl.col("etc_pc").fill_null(0.0)
    g = g.with_columns(pl.when(eac > 0).then(pl.col("cum_cost_pc") / eac).otherwise(0.0).alias("pct_complete"))
    done = pl.col("closed") & (pl.col("month") >= pl.col("end_date").dt.month_start())
    g = g.with_columns(
        pl.when(done).then(pl.col("contract_value")).otherwise(pl.col("contract_value") * pl.min_horizontal(pl.lit(1.0), pl.col("pct_complete"))).alias("cum_revenue_pc"))
    g = g.with_columns((pl.col("cum_revenue_pc") - pl.col("cum_revenue_pc").shift(1, fill_value=0.0).over("project_id")).alias("revenue_pc"))
    return g.select("project_id", "month", "cum_cost_pc", "etc_pc", "pct_complete", "cum_revenue_pc", "revenue_pc")


def _milestones(milestones: pl.DataFrame) -> pl.DataFrame:
    return (milestones.filter(pl.col("completed_date").is_not_null())
            .group_by("project_id", pl.col("completed_date").dt.month_start().alias("month"))
            .agg(pl.col("amount").sum().alias("revenue_pc")))


def retainer_by_month(projects: pl.DataFrame, from_date: dt.date | None, to_date: dt.date | None) -> pl.DataFrame:
    """contract_value spread evenly over the days start..end, for days in (from_date, to_date]."""
    r = projects.filter((pl.col("billing_type") == "retainer") & pl.col("end_date").is_not_null() & pl.col("contract_value").is_not_null())
    if not r.height:
        return pl.DataFrame(schema=OUT_SCHEMA)
    lo = pl.col("start_date") if from_date is None else pl.max_horizontal(pl.col("start_date"), pl.lit(from_date + dt.timedelta(days=1)))
    hi = pl.col("end_date") if to_date is None else pl.min_horizontal(pl.col("end_date"), pl.lit(to_date))
    r = r.with_columns(lo.alias("_a"), hi.alias("_b"), ((pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1).alias("_days")).filter(pl.col("_a") <= pl.col("_b"))
    if not r.height:
        return pl.DataFrame(schema=OUT_SCHEMA)
    r = r.with_columns(pl.date_ranges(pl.col("_a").dt.month_start(), pl.col("_b").dt.month_start(), "1mo").alias("month")).explode("month")
    r = r.with_columns(
        ((pl.min_horizontal(pl.col("_b"), pl.col("month").dt.month_end()) - pl.max_horizontal(pl.col("_a"), pl.col("month"))).dt.total_days() + 1).alias("_d"))
    return r.select("project_id", "month", (pl.col("contract_value") * pl.col("_d") / pl.col("_days")).alias("revenue_pc"))


def fixed_fee_etc(inputs, plan_origins: pl.DataFrame, rated: pl.DataFrame, emp_cost: pl.DataFrame, role_cost: pl.DataFrame,
                  fx: pl.DataFrame, months: list[dt.date]) -> pl.DataFrame:
    """Estimate to complete at each month end, project currency: planned hours after the month end (the
    plan as it stood then) x cost rates; months without any plan version use
    max(0, budget_hours - hours to date) x the average cost rate to date."""
    ff_ids = inputs.projects.filter(pl.col("billing_type") == "fixed_fee").select("project_id", pl.col("currency").alias("project_currency"), "budget_hours")
    if not ff_ids.height:
        return pl.DataFrame(schema={"project_id": pl.String, "month": pl.Date, "etc_pc": pl.Float64})
    po = plan_origins.join(ff_ids.select("project_id"), on="project_id", how="semi")
    po = (po.join(emp_cost, on="employee_id", how="left", maintain_order="left").join(role_cost.rename({"cost_rate_reporting": "_rc"}), on="role", how="left", maintain_order="left")
          .with_columns((pl.col("hours") * pl.coalesce(pl.col("cost_rate_reporting"), pl.col("_rc")).fill_null(0.0)).alias("_cost")))
    planned = po.group_by("project_id", pl.col("origin").dt.month_start().alias("month")).agg(pl.col("_cost").sum().alias("etc_rep"))
    origins_with_plan = plan_origins.select(pl.col("origin").dt.month_start().alias("month")).unique()
    grid = ff_ids.join(pl.DataFrame({"month": months}), how="cross")
    grid = grid.join(planned, on=["project_id", "month"], how="left", maintain_order="left").join(
        fx.rename({"currency": "project_currency"}), on=["project_currency", "month"], how="left", maintain_order="left")
    has_plan = pl.col("month").is_in(origins_with_plan["month"].implode())
    # Fallback without a plan: remaining budget hours at the average cost rate to date.
    hist = rated.filter(pl.col("project_id").is_in(ff_ids["project_id"].implode())).group_by("project_id", "month").agg(
        pl.col("hours").sum().alias("_h"), pl.col("cost_pc").sum().alias("_c"))
    grid = grid.join(hist, on=["project_id", "month"], how="left", maintain_order="left").sort("project_id", "month").with_columns(
        pl.col("_h").fill_null(0.0).cum_sum().over("project_id").alias("_ch"), pl.col("_c").fill_null(0.0).cum_sum().over("project_id").alias("_cc"))
    budget_etc = pl.max_horizontal(pl.lit(0.0), pl.col("budget_hours").fill_null(0.0) - pl.col("_ch")) * pl.when(pl.col("_ch") > 0).then(pl.col("_cc") / pl.col("_ch")).otherwise(0.0)
    grid = grid.with_columns(pl.when(has_plan).then(pl.col("etc_rep").fill_null(0.0) / pl.col("fx")).otherwise(budget_etc).alias("etc_pc"))
    return grid.select("project_id", "month", "etc_pc")


def earned_history(inputs, rated: pl.DataFrame, plan_origins: pl.DataFrame, emp_cost, role_cost, fx: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Returns (monthly, ff_state):
    monthly: (project_id, month, revenue_pc, revenue, cost) for months through the as-of month, reporting ccy;
    ff_state: fixed-fee progress per project and month (see fixed_fee_progress)."""
    as_of = inputs.as_of
    first = rated["month"].min() if rated.height else month_start(as_of)
    first = min(first, inputs.projects["start_date"].min() or first)
    months = pl.date_range(month_start(first), month_start(as_of), "1mo", eager=True).to_list()
    tm = _tm(rated, inputs.projects)
    costs_ff = rated.filter(pl.col("billing_type") == "fixed_fee").group_by("project_id", "month").agg(pl.col("cost_pc").sum())
    etc = fixed_fee_etc(inputs, plan_origins, rated, emp_cost, role_cost, fx, months)
    ff = fixed_fee_progress(costs_ff, etc, inputs.projects, months)
    ms = _milestones(inputs.milestones)
    ret = retainer_by_month(inputs.projects, None, as_of)
    rev = pl.concat([tm, ff.select(OUT_SCHEMA.keys()), ms.select(OUT_SCHEMA.keys()), ret], how="vertical_relaxed")
    rev = rev.filter(pl.col("month") <= month_start(as_of)).group_by("project_id", "month").agg(pl.col("revenue_pc").sum())
    cost = rated.group_by("project_id", "month").agg(pl.col("cost_reporting").sum().alias("cost"))
    out = rev.join(cost, on=["project_id", "month"], how="full", coalesce=True).with_columns(
        pl.col("revenue_pc").fill_null(0.0), pl.col("cost").fill_null(0.0))
    out = out.join(inputs.projects.select("project_id", pl.col("currency").alias("_ccy")), on="project_id", how="left", maintain_order="left").join(
        fx.rename({"currency": "_ccy"}), on=["_ccy", "month"], how="left", maintain_order="left")
    out = out.with_columns((pl.col("revenue_pc") * pl.col("fx")).alias("revenue")).drop("_ccy", "fx")
    return out.sort("project_id", "month"), ff
