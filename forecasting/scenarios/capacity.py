"""Hiring, attrition and utilization: capacity against demand, by practice and month.

The engine has no capacity model (it assumes planned and pipeline work gets staffed), so this
module builds a simple one from the as-of inputs and applies it as a *difference* to the base,
in money (hours x what a billable hour of the practice earned over the last six months, y):

    standard hours S    = weekdays in the month x 8
    base capacity   C   = headcount x S x learned utilization u x y
    scenario cap.   C'  = (headcount x remaining share r x S x u' + hires x ramp x S x u') x y
    demand          D   = the practice's expected revenue in the month, every component (a short
                          simulation of the inputs as the other adjustments left them)
    change              = min(D, C') - min(D, C)      (+ the full billable hours of hires that are
                                                         not demand-limited)

A negative change removes booked time-and-materials work of that practice and month (hours scaled
down pro rata, so each row keeps its own rate); a positive change is new billable hours (change / y)
priced at the hired role's rate (utilization gains at the practice's average rate), written as the
extra component `scenario_capacity`. Attrition: r = (1 - yearly rate)^((k + 0.5) / 12) in forecast
month k. See docs/scenarios.md for the approximations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from forecasting import engine
from forecasting.components import META_COLS, Component
from forecasting.engine import Prepared
from forecasting.inputs import Inputs
from forecasting.scenarios.apply import rate_multiplier
from forecasting.scenarios.definition import Scenario

HOURS_PER_DAY = 8.0
UTILIZATION_WINDOW_MONTHS = 6
DEFAULT_UTILIZATION = 0.7  # a practice without time history (SPI benchmark ~0.69)
COMPONENT = "scenario_capacity"
DEMAND_SEED = 0


@dataclass(frozen=True)
class CapacityBasis:
    headcount: dict[str, float]  # practice -> people employed at the as-of date
    utilization: dict[str, float]  # practice -> billable hours / standard hours, last 6 months
    roles: frozenset[str]
    revenue_per_hour: dict[str, float] = field(
        default_factory=dict
    )  # practice -> earned revenue / billable hour, same window


def weekdays(start: dt.date, end: dt.date) -> int:
    """Monday-Friday days in [start, end]."""
    if end < start:
        return 0
    days = (end - start).days + 1
    full, rest = divmod(days, 7)
    return full * 5 + sum(1 for i in range(rest) if (start.weekday() + i) % 7 < 5)


def month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def standard_hours(month: dt.date) -> float:
    return weekdays(month, month_end(month)) * HOURS_PER_DAY


def basis_from_inputs(inputs: Inputs, prep: Prepared | None = None) -> CapacityBasis:
    """Headcount at the as-of date, billable utilization over the last six months and (with the prepared
    history) the revenue each billable hour earned in those months, by practice."""
    as_of = inputs.as_of
    emp = inputs.employees
    active = emp.filter(
        (pl.col("hire_date").is_null() | (pl.col("hire_date") <= as_of))
        & (pl.col("termination_date").is_null() | (pl.col("termination_date") > as_of))
    )
    headcount = {p: float(n) for p, n in active.group_by("practice").len().iter_rows() if p is not None}
    end = as_of
    first = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for _ in range(UTILIZATION_WINDOW_MONTHS - 2):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    te = inputs.time_entries.filter((pl.col("work_date") >= first) & (pl.col("work_date") <= end) & pl.col("billable"))
    billable = (
        te.join(emp.select("employee_id", "practice"), on="employee_id", how="inner")
        .group_by("practice")
        .agg(pl.col("hours").sum())
    )
    available: dict[str, float] = {}
    for practice, hire, term in emp.select("practice", "hire_date", "termination_date").iter_rows():
        a = max(first, hire or first)
        b = min(end, (term - dt.timedelta(days=1)) if term else end)
        available[practice] = available.get(practice, 0.0) + weekdays(a, b) * HOURS_PER_DAY
    utilization: dict[str, float] = {}
    for practice in headcount:
        hours = float(billable.filter(pl.col("practice") == practice)["hours"].sum()) if billable.height else 0.0
        avail = available.get(practice, 0.0)
        utilization[practice] = float(min(1.0, hours / avail)) if avail > 0 and hours > 0 else DEFAULT_UTILIZATION
    per_hour: dict[str, float] = {}
    if prep is not None and prep.history.height:
        earned = (
            prep.history.filter((pl.col("month") >= first) & (pl.col("month") <= end))
            .join(prep.projects.select("project_id", "practice"), on="project_id", how="inner")
            .group_by("practice")
            .agg(pl.col("revenue").sum())
        )
        for practice, revenue in earned.iter_rows():
            hours = float(billable.filter(pl.col("practice") == practice)["hours"].sum()) if billable.height else 0.0
            if hours and hours > 0 and revenue and revenue > 0:
                per_hour[practice] = float(revenue / hours)
    return CapacityBasis(headcount, utilization, frozenset(emp["role"].drop_nulls().to_list()), per_hour)


# ---------------------------------------------------------------- demand and rates


def _practice_rates(
    tm: pl.DataFrame,
) -> tuple[dict[tuple[str, str], float], dict[str, float], dict[str, float], float]:
    """Hours-weighted bill rates: by (practice, role), by role, by practice, and firm-wide."""
    t = tm.filter((pl.col("hours") > 0) & (pl.col("rate") > 0))
    if not t.height:
        return {}, {}, {}, 0.0

    def weighted(by: list[str]) -> dict[Any, float]:
        g = t.group_by(by).agg(((pl.col("rate") * pl.col("hours")).sum() / pl.col("hours").sum()).alias("r"))
        return {(tuple(row[:-1]) if len(by) > 1 else row[0]): row[-1] for row in g.iter_rows()}

    firm = float((t["rate"] * t["hours"]).sum()) / float(t["hours"].sum())
    return weighted(["practice", "role"]), weighted(["role"]), weighted(["practice"]), firm


def expected_revenue(prep: Prepared, draws: int = 200) -> dict[tuple[str, dt.date], float]:
    """Mean forecast revenue by practice and month over every component: the demand the practice has to
    deliver (a short simulation of the already adjusted inputs, seeded so it is repeatable)."""
    result = engine.simulate(prep, draws, DEMAND_SEED)
    keys, cells = result.summed_draws(["practice"])
    means = cells.mean(axis=2) if cells.shape[0] else np.zeros((0, len(prep.months)))
    return {
        (practice, month): float(means[i, k])
        for i, practice in enumerate(keys["practice"].to_list())
        for k, month in enumerate(prep.months)
    }


def booked_tm_revenue(tm: pl.DataFrame) -> dict[tuple[str, dt.date], float]:
    if not tm.height:
        return {}
    g = tm.group_by("practice", "month").agg(
        (pl.col("hours") * pl.col("factor") * pl.col("billable_share") * pl.col("rate")).sum().alias("v")
    )
    return {(p, m): float(v) for p, m, v in g.iter_rows()}


def capacity_hours_change(demand: float, base_capacity: float, scenario_capacity: float) -> float:
    """Change in the hours the practice can sell: min(D, C') - min(D, C)."""
    return min(demand, scenario_capacity) - min(demand, base_capacity)


def ramp(month: dt.date, start: dt.date, ramp_weeks: int) -> float:
    """Share of full productivity in a month: 0 before the start month, then linear over ramp_weeks
    (measured at mid-month)."""
    start = start.replace(day=1)
    if month < start:
        return 0.0
    if ramp_weeks <= 0:
        return 1.0
    weeks = ((month + dt.timedelta(days=14)) - start).days / 7
    return min(1.0, weeks / ramp_weeks)


# ---------------------------------------------------------------- apply


def apply_capacity(
    prep: Prepared, scenario: Scenario, basis: CapacityBasis, rates_from: Prepared | None = None
) -> tuple[Prepared, Component | None]:
    """Returns the prepared inputs with booked hours removed where capacity falls short, and the extra
    revenue component for capacity that finds demand (None when the scenario has no capacity change)."""
    if not (scenario.hiring or scenario.attrition or scenario.utilization):
        return prep, None
    months = prep.months
    prep = replace(prep, diagnostics=dict(prep.diagnostics))  # the caller's Prepared stays untouched
    by_pr, by_role, by_practice, firm_rate = _practice_rates((rates_from or prep).tm_rows)
    demand = expected_revenue(prep)
    booked = booked_tm_revenue(prep.tm_rows)
    practices = sorted(
        {h.practice for h in scenario.hiring}
        | {u.practice for u in scenario.utilization}
        | {a.practice for a in scenario.attrition if a.practice}
        | (set(basis.headcount) if any(a.practice is None for a in scenario.attrition) else set())
    )
    scale: dict[tuple[str, dt.date], float] = {}
    metas, series = [], []
    for practice in practices:
        heads = basis.headcount.get(practice, 0.0)
        u = basis.utilization.get(practice, DEFAULT_UTILIZATION)
        u2 = min(1.0, max(0.0, u + sum(c.change_points for c in scenario.utilization if c.practice == practice) / 100))
        p_rate = by_practice.get(practice, firm_rate)
        per_hour = basis.revenue_per_hour.get(practice, p_rate)  # what a billable hour earned lately
        hires = [h for h in scenario.hiring if h.practice == practice]
        regions = {h.region for h in hires}
        values = np.zeros(len(months))
        for key, value in (
            ("headcount", heads),
            ("utilization_learned", u),
            ("utilization_scenario", u2),
            ("revenue_per_billable_hour", per_hour),
        ):
            prep.diagnostics[f"scenario.capacity.{practice}.{key}"] = value
        for k, month in enumerate(months):
            s = standard_hours(month)
            remaining = 1.0
            for a in scenario.attrition:
                if a.practice in (None, practice):
                    remaining *= (1 - a.percent_per_year / 100) ** ((k + 0.5) / 12)
            hired = [
                (h, h.count * ramp(month, h.start_month, h.ramp_up_weeks) * s * u2) for h in hires
            ]  # billable hours
            limited = sum(v for h, v in hired if h.demand_limited)
            unlimited = sum(v for h, v in hired if not h.demand_limited)
            existing = heads * remaining * s * u2
            # Capacity and demand in revenue: hours x what a billable hour of the practice earns.
            change = capacity_hours_change(
                demand.get((practice, month), 0.0), heads * s * u * per_hour, (existing + limited) * per_hour
            )
            if change < 0:
                b = booked.get((practice, month), 0.0)
                if b > 0:
                    scale[(practice, month)] = 1 - min(-change, b) / b
            change_hours = max(change, 0.0) / per_hour if per_hour > 0 else 0.0
            change_hours += unlimited
            if change_hours <= 0:
                continue
            # Price the new hours: hires at their role's rate, a utilization gain at the practice's.
            hire_rates = [
                (
                    v,
                    by_pr.get((practice, h.role), by_role.get(h.role, p_rate))
                    * rate_multiplier(scenario.bill_rates, h.role, practice, month),
                )
                for h, v in hired
            ]
            gain_util = max(0.0, existing - heads * remaining * s * u)
            weight = sum(v for v, _ in hire_rates) + gain_util
            if weight <= 0:
                continue
            rate = (
                sum(v * r for v, r in hire_rates)
                + gain_util * p_rate * rate_multiplier(scenario.bill_rates, None, practice, month)
            ) / weight
            values[k] = change_hours * rate
        if values.any():
            metas.append({"practice": practice, "region": regions.pop() if len(regions) == 1 else None})
            series.append(values)
    tm = prep.tm_rows
    if scale and tm.height:
        factor = [scale.get((p, m), 1.0) for p, m in tm.select("practice", "month").iter_rows()]
        tm = tm.with_columns(pl.col("hours") * pl.Series(factor, dtype=pl.Float64))
    prep = replace(prep, tm_rows=tm)
    if not series:
        return prep, None
    meta = pl.DataFrame(metas, schema={"practice": pl.String, "region": pl.String})
    meta = meta.select([pl.col(c) if c in meta.columns else pl.lit(None, pl.String).alias(c) for c in META_COLS])
    return prep, Component(COMPONENT, meta, np.stack(series)[:, :, None])
