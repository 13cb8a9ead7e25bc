"""Earned revenue per project and month as known at the as-of date, by the marts' recognition rules
in polars: time and materials earns approved billable hours x rate in the month worked, capped
cumulatively by the contract value; a fixed fee earns by cost-to-cost percent complete with cumulative
catch-up; a milestone project earns a milestone's amount when it is completed; a retainer earns its
contract value evenly over the days it runs.

The forecast needs history computed from the as-of view (so a backtest never sees later
approvals or estimates); the marts compute the same rules in SQL for the latest data.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from forecasting.calendar import first_date, month_start, planned_hours_by_month
from forecasting.frames import ordered
from forecasting.inputs import Inputs
from forecasting.rates import FAR_FUTURE

OUT_SCHEMA = {"project_id": pl.String, "month": pl.Date, "revenue_pc": pl.Float64}


def sql_round(e: pl.Expr, decimals: int) -> pl.Expr:
    """SQL round() of a double: half away from zero (polars rounds half to even by default)."""
    return e.round(decimals, mode="half_away_from_zero")


def cents(e: pl.Expr) -> pl.Expr:
    """An amount held to 6 decimals rounded to cents as the marts round a decimal: half away from
    zero on the decimal value (the nudge makes a float just under a tie, 0.125 stored as
    0.12499999..., round up as its decimal does)."""
    v = sql_round(e, 6)
    return (v + v.sign() * 1e-9).round(2, mode="half_away_from_zero")


def _closed(df: pl.DataFrame) -> pl.Expr:
    """Closed for recognition: the project's status as of the as-of date (see inputs.as_of_view)."""
    return pl.col("recognition_closed") if "recognition_closed" in df.columns else pl.col("closed")


def _tm(rated: pl.DataFrame, projects: pl.DataFrame) -> pl.DataFrame:
    """Approved billable hours x rate in the month of work, cumulative capped by contract_value; time
    after a closed project's end and time without a rate are not revenue."""
    t = (
        rated.filter(
            (pl.col("billing_type") == "time_and_materials")
            & pl.col("billable")
            & pl.col("bill_value_pc").is_not_null()
            & ~(
                _closed(rated).fill_null(False)
                & (pl.col("work_date") > pl.coalesce(pl.col("end_date"), pl.lit(FAR_FUTURE)))
            )
        )
        .select("project_id", "month", "work_date", "bill_value_pc")
        .pipe(ordered)
        .group_by("project_id", "month", maintain_order=True)
        .agg(pl.col("bill_value_pc").sum().alias("value"))
    )
    t = t.join(
        projects.select("project_id", "contract_value"), on="project_id", how="left", maintain_order="left"
    ).sort("project_id", "month")
    t = t.with_columns(pl.col("value").cum_sum().over("project_id").alias("cum")).with_columns(
        pl.when(pl.col("contract_value").is_null())
        .then(pl.col("cum"))
        .otherwise(pl.min_horizontal("cum", "contract_value"))
        .alias("capped")
    )
    t = t.with_columns(
        (pl.col("capped") - pl.col("capped").shift(1, fill_value=0.0).over("project_id")).alias("revenue_pc")
    )
    return t.select("project_id", "month", "revenue_pc")


def fixed_fee_progress(
    costs: pl.DataFrame, etc: pl.DataFrame, projects: pl.DataFrame, months: list[dt.date]
) -> pl.DataFrame:
    """Cost-to-cost percent complete with cumulative catch-up (int_finance_revenue_fixed_fee).

    costs: (project_id, month, cost_pc) actual cost in the project currency.
    etc: (project_id, month, etc_pc) estimate to complete at the end of each month (null: unknown).
    Each project runs from its first month (start date or first cost, whichever is earlier); a closed
    project is complete (cumulative revenue = contract_value) from the month of its end date, or from
    the last month when it has none or a later one.
    Returns (project_id, month, cum_cost_pc, etc_pc, pct_complete, cum_revenue_pc, revenue_pc)."""
    cols = ["project_id", "contract_value", "end_date"] + (["start_date"] if "start_date" in projects.columns else [])
    ff = projects.filter(pl.col("billing_type") == "fixed_fee").select(
        *cols, _closed(projects).fill_null(False).alias("_closed")
    )
    if not ff.height:
        return pl.DataFrame(
            schema={
                **OUT_SCHEMA,
                "cum_cost_pc": pl.Float64,
                "etc_pc": pl.Float64,
                "pct_complete": pl.Float64,
                "cum_revenue_pc": pl.Float64,
            }
        )
    firsts = [costs.group_by("project_id").agg(pl.col("month").min().alias("first"))]
    if "start_date" in ff.columns:
        firsts.append(ff.select("project_id", pl.col("start_date").dt.month_start().alias("first")).drop_nulls())
    first = pl.concat(firsts).group_by("project_id").agg(pl.col("first").min())
    last = max(months)
    grid = (
        ff.join(first, on="project_id", how="inner")
        .join(pl.DataFrame({"month": months}), how="cross")
        .filter(pl.col("month") >= pl.col("first"))
    )
    costs = (
        costs.select("project_id", "month", "cost_pc")
        .pipe(ordered)
        .group_by("project_id", "month", maintain_order=True)
        .agg(pl.col("cost_pc").sum())
    )
    g = (
        grid.join(costs, on=["project_id", "month"], how="left", maintain_order="left")
        .join(etc, on=["project_id", "month"], how="left", maintain_order="left")
        .sort("project_id", "month")
        .with_columns(pl.col("cost_pc").fill_null(0.0).cum_sum().over("project_id").alias("cum_cost_pc"))
    )
    eac = pl.col("cum_cost_pc") + pl.col("etc_pc").fill_null(0.0)
    done = pl.col("_closed") & (
        pl.col("month")
        >= pl.min_horizontal(pl.coalesce(pl.col("end_date").dt.month_start(), pl.lit(last)), pl.lit(last))
    )
    g = g.with_columns(
        pl.when(done)
        .then(1.0)
        .when(eac > 0)
        .then(pl.min_horizontal(pl.lit(1.0), pl.col("cum_cost_pc") / eac))
        .otherwise(0.0)
        .alias("pct_complete")
    )
    g = g.with_columns(
        pl.when(pl.col("contract_value").is_null())
        .then(0.0)
        .when(done)
        .then(pl.col("contract_value"))
        .otherwise(sql_round(pl.col("contract_value") * pl.col("pct_complete"), 6))
        .alias("cum_revenue_pc")
    )
    g = g.with_columns(
        (pl.col("cum_revenue_pc") - pl.col("cum_revenue_pc").shift(1, fill_value=0.0).over("project_id")).alias(
            "revenue_pc"
        )
    )
    return g.select("project_id", "month", "cum_cost_pc", "etc_pc", "pct_complete", "cum_revenue_pc", "revenue_pc")


def _milestones(milestones: pl.DataFrame, projects: pl.DataFrame) -> pl.DataFrame:
    """Completed milestones of milestone projects (on other billing types they are billing events)."""
    ms_projects = projects.filter(pl.col("billing_type") == "milestone").select("project_id")
    return (
        milestones.filter(pl.col("completed_date").is_not_null())
        .join(ms_projects, on="project_id", how="semi")
        .select("project_id", pl.col("completed_date").dt.month_start().alias("month"), "amount")
        .pipe(ordered)
        .group_by("project_id", "month", maintain_order=True)
        .agg(pl.col("amount").sum().alias("revenue_pc"))
    )


def retainer_by_month(projects: pl.DataFrame, from_date: dt.date | None, to_date: dt.date | None) -> pl.DataFrame:
    """contract_value spread evenly over the days start..end, for days in (from_date, to_date].
    As in int_finance_revenue_retainer, a month's amount is the difference of the cumulative amount
    contract_value x days elapsed / total days (rounded to 6 decimals) at its ends, so the months add
    up exactly to contract_value."""
    r = projects.filter(
        (pl.col("billing_type") == "retainer")
        & pl.col("end_date").is_not_null()
        & pl.col("contract_value").is_not_null()
    )
    if not r.height:
        return pl.DataFrame(schema=OUT_SCHEMA)
    lo = (
        pl.col("start_date")
        if from_date is None
        else pl.max_horizontal(pl.col("start_date"), pl.lit(from_date + dt.timedelta(days=1)))
    )
    hi = pl.col("end_date") if to_date is None else pl.min_horizontal(pl.col("end_date"), pl.lit(to_date))
    r = r.with_columns(
        lo.alias("_a"), hi.alias("_b"), ((pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1).alias("_days")
    ).filter(pl.col("_a") <= pl.col("_b"))
    if not r.height:
        return pl.DataFrame(schema=OUT_SCHEMA)
    r = r.with_columns(
        pl.date_ranges(pl.col("_a").dt.month_start(), pl.col("_b").dt.month_start(), "1mo").alias("month")
    ).explode("month")

    def cumulative(through: pl.Expr) -> pl.Expr:
        elapsed = ((through - pl.col("start_date")).dt.total_days() + 1).clip(0, None)
        return sql_round(pl.col("contract_value") * pl.min_horizontal(elapsed, pl.col("_days")) / pl.col("_days"), 6)

    upper = pl.min_horizontal(pl.col("_b"), pl.col("month").dt.month_end())
    lower = pl.max_horizontal(pl.col("_a"), pl.col("month")) - pl.duration(days=1)
    return r.select("project_id", "month", (cumulative(upper) - cumulative(lower)).alias("revenue_pc"))


def _cost_rates_pc(
    plan_hours: pl.DataFrame, employees: pl.DataFrame, legal_entities: pl.DataFrame, fx: pl.DataFrame
) -> pl.DataFrame:
    """Adds cost_rate_pc to (project_id, period, project_currency, employee_id, role, hours) rows: the
    employee's cost_rate converted into the project currency at the period month's rates; a placeholder
    at the average converted cost rate of its role's employees; null when there is none (as
    int_finance_plan_remaining)."""
    emp = employees.join(
        legal_entities.select("entity_id", pl.col("currency").alias("cost_currency")), on="entity_id", how="inner"
    ).select("employee_id", pl.col("role").alias("_emp_role"), "cost_rate", "cost_currency")
    fxm = fx.rename({"month": "period"})
    role_rates = (
        emp.join(fxm.rename({"currency": "cost_currency"}), on="cost_currency", how="inner")
        .sort("_emp_role", "period", "employee_id")
        .group_by("_emp_role", "period", maintain_order=True)
        .agg((pl.col("cost_rate") * pl.col("fx")).mean().alias("_role_rate"))
        .rename({"_emp_role": "role"})
    )
    r = (
        plan_hours.join(emp, on="employee_id", how="left", maintain_order="left")
        .join(
            fxm.rename({"currency": "cost_currency", "fx": "_fx_cost"}),
            on=["cost_currency", "period"],
            how="left",
            maintain_order="left",
        )
        .join(
            fxm.rename({"currency": "project_currency", "fx": "_fx_project"}),
            on=["project_currency", "period"],
            how="left",
            maintain_order="left",
        )
        .join(role_rates, on=["role", "period"], how="left", maintain_order="left")
    )
    return r.with_columns(
        pl.when(pl.col("employee_id").is_not_null() & (pl.col("cost_currency") == pl.col("project_currency")))
        .then(pl.col("cost_rate"))
        .when(pl.col("employee_id").is_not_null())
        .then(pl.col("cost_rate") * pl.col("_fx_cost") / pl.col("_fx_project"))
        .otherwise(pl.col("_role_rate") / pl.col("_fx_project"))
        .alias("cost_rate_pc")
    )


def fixed_fee_etc(inputs: Inputs, costs: pl.DataFrame, fx: pl.DataFrame, months: list[dt.date]) -> pl.DataFrame:
    """Estimate to complete at each month's period end (the month end, or the as-of date in its month),
    in the project currency, as int_finance_project_estimates computes it:
    - the plan version: the project's latest plan version dated on or before the period end, else its
      latest version (the plan as known at the as-of date);
    - planned hours after the period end x cost rates at the month's fx rates; hours without a cost
      rate at the project's average cost rate to date;
    - a project without any plan version: max(0, budget_hours - hours to date) x the average cost rate
      to date.
    costs: (project_id, month, hours, cost_pc) of every entry that counts as cost."""
    as_of = inputs.as_of
    schema = {"project_id": pl.String, "month": pl.Date, "etc_pc": pl.Float64}
    ff_ids = inputs.projects.filter(pl.col("billing_type") == "fixed_fee").select(
        "project_id", pl.col("currency").alias("project_currency"), "budget_hours"
    )
    if not ff_ids.height:
        return pl.DataFrame(schema=schema)
    periods = pl.DataFrame({"month": months}).with_columns(
        pl.min_horizontal(pl.col("month").dt.month_end(), pl.lit(as_of)).alias("period_end")
    )
    grid = ff_ids.join(periods, how="cross")
    monthly = (
        costs.select("project_id", "month", "hours", "cost_pc")
        .pipe(ordered)
        .group_by("project_id", "month", maintain_order=True)
        .agg(pl.col("hours").sum().alias("_h"), pl.col("cost_pc").sum().alias("_c"))
    )
    grid = (
        grid.join(monthly, on=["project_id", "month"], how="left", maintain_order="left")
        .sort("project_id", "month")
        .with_columns(
            pl.col("_h").fill_null(0.0).cum_sum().over("project_id").alias("_ch"),
            pl.col("_c").fill_null(0.0).cum_sum().over("project_id").alias("_cc"),
        )
    )
    grid = grid.with_columns(
        pl.when(pl.col("_ch") > 0).then(pl.col("_cc") / pl.col("_ch")).otherwise(0.0).alias("_avg_rate")
    )

    versions = inputs.plan_versions.join(ff_ids.select("project_id"), on="project_id", how="semi")
    dates = versions.select("project_id", "plan_date").unique().sort("project_id", "plan_date")
    chosen = (
        grid.select("project_id", "month", "period_end")
        .join(dates, on="project_id", how="inner")
        .sort("project_id", "month", "plan_date")
        .group_by("project_id", "month", maintain_order=True)
        .agg(
            pl.col("plan_date").filter(pl.col("plan_date") <= pl.col("period_end")).max().alias("_le"),
            pl.col("plan_date").max().alias("_latest"),
        )
        .select("project_id", "month", pl.coalesce("_le", "_latest").alias("plan_date"))
    )
    rows = (
        chosen.join(
            grid.select("project_id", "month", "period_end", "project_currency"),
            on=["project_id", "month"],
            how="left",
            maintain_order="left",
        )
        .join(versions, on=["project_id", "plan_date"], how="inner")
        .rename({"month": "period"})
        .with_columns(
            pl.col("period_end").alias("count_from"),
            # Counted up to the calendar's end (three years after the as-of date), as in dbt.
            pl.min_horizontal(
                pl.col("end_date"),
                pl.lit(
                    as_of.replace(year=as_of.year + 3)
                    if not (as_of.month == 2 and as_of.day == 29)
                    else dt.date(as_of.year + 3, 2, 28)
                ),
            ).alias("end_date"),
        )
    )
    hours = planned_hours_by_month(
        rows.drop("period_end", "plan_date"), inputs.employees, inputs.holidays, max_months=1200
    )
    if hours.height:
        hours = (
            hours.sort("project_id", "period", "assignment_id", "month")
            .group_by("project_id", "period", "project_currency", "employee_id", "role", maintain_order=True)
            .agg(pl.col("hours").sum())
        )
        costed = _cost_rates_pc(hours, inputs.employees, inputs.legal_entities, fx)
        plan = (
            costed.sort("project_id", "period", "employee_id", "role", nulls_last=True)
            .group_by("project_id", "period", maintain_order=True)
            .agg(
                sql_round(
                    (pl.col("hours") * pl.col("cost_rate_pc")).filter(pl.col("cost_rate_pc").is_not_null()).sum(), 6
                ).alias("_plan_cost"),
                pl.col("hours").filter(pl.col("cost_rate_pc").is_null()).sum().alias("_uncosted"),
            )
            .rename({"period": "month"})
        )
    else:
        plan = pl.DataFrame(
            schema={"project_id": pl.String, "month": pl.Date, "_plan_cost": pl.Float64, "_uncosted": pl.Float64}
        )
    has_plan = pl.col("project_id").is_in(dates["project_id"].unique().implode())
    grid = grid.join(plan, on=["project_id", "month"], how="left", maintain_order="left")
    budget_etc = pl.max_horizontal(pl.lit(0.0), pl.col("budget_hours").fill_null(0.0) - pl.col("_ch")) * pl.col(
        "_avg_rate"
    )
    plan_etc = pl.col("_plan_cost").fill_null(0.0) + pl.col("_uncosted").fill_null(0.0) * pl.col("_avg_rate")
    grid = grid.with_columns(sql_round(pl.when(has_plan).then(plan_etc).otherwise(budget_etc), 6).alias("etc_pc"))
    return grid.select("project_id", "month", "etc_pc")


def cost_entries(rated: pl.DataFrame, pending: pl.DataFrame | None) -> pl.DataFrame:
    """Every entry that counts as cost: approved time plus time still pending approval (not rejected)."""
    cols = ["project_id", "month", "work_date", "hours", "cost_pc", "fx_project"]
    parts = [rated.select(cols)] + ([pending.select(cols)] if pending is not None and pending.height else [])
    return ordered(pl.concat(parts, how="vertical_relaxed"))


def earned_history(
    inputs: Inputs, rated: pl.DataFrame, fx: pl.DataFrame, pending: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Returns (monthly, ff_state):
    monthly: (project_id, month, revenue_pc, revenue, cost) for months through the as-of month, reporting
    ccy (revenue rounded to cents as mart_revenue_monthly.earned_revenue_reporting);
    ff_state: fixed-fee progress per project and month (see fixed_fee_progress).
    `pending`: rated draft/submitted time, cost only (inputs.pending_time)."""
    as_of = inputs.as_of
    first = first_date(rated["month"]) or month_start(as_of)
    first = min(first, first_date(inputs.projects["start_date"]) or first)
    months = pl.date_range(month_start(first), month_start(as_of), "1mo", eager=True).to_list()
    costs = cost_entries(rated, pending)
    tm = _tm(rated, inputs.projects)
    ff_ids = inputs.projects.filter(pl.col("billing_type") == "fixed_fee").select("project_id")
    costs_ff = costs.join(ff_ids, on="project_id", how="semi")
    etc = fixed_fee_etc(inputs, costs_ff, fx, months)
    ff = fixed_fee_progress(costs_ff.select("project_id", "month", "cost_pc"), etc, inputs.projects, months)
    ms = _milestones(inputs.milestones, inputs.projects)
    ret = retainer_by_month(inputs.projects, None, as_of)
    rev = pl.concat([tm, ff.select(OUT_SCHEMA.keys()), ms.select(OUT_SCHEMA.keys()), ret], how="vertical_relaxed")
    rev = (
        rev.filter(pl.col("month") <= month_start(as_of))
        .pipe(ordered)
        .group_by("project_id", "month", maintain_order=True)
        .agg(sql_round(pl.col("revenue_pc").sum(), 6))
    )
    cost = costs.group_by("project_id", "month", maintain_order=True).agg(pl.col("cost_pc").sum().alias("_cost_pc"))
    out = rev.join(
        cost, on=["project_id", "month"], how="full", coalesce=True, maintain_order="left_right"
    ).with_columns(pl.col("revenue_pc").fill_null(0.0), pl.col("_cost_pc").fill_null(0.0))
    out = out.join(
        inputs.projects.select("project_id", pl.col("currency").alias("_ccy")),
        on="project_id",
        how="left",
        maintain_order="left",
    ).join(fx.rename({"currency": "_ccy"}), on=["_ccy", "month"], how="left", maintain_order="left")
    out = out.with_columns(
        cents(pl.col("revenue_pc") * pl.col("fx")).alias("revenue"),
        cents(pl.col("_cost_pc") * pl.col("fx")).alias("cost"),
    )
    return out.select("project_id", "month", "revenue_pc", "revenue", "cost").sort("project_id", "month"), ff
