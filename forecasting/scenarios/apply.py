"""Scenario adjustments: each function takes the engine's `Prepared` inputs and returns an edited copy.

The engine draws its random numbers in a fixed order whose shapes depend on the number of
projects, milestones and opportunities. To keep a scenario's draws paired with the base
forecast's (common random numbers: the delta shows the adjustment, not Monte Carlo noise),
nothing here removes a series: a cancelled project keeps its rows with zero hours or value,
a deal that can no longer win keeps its row with probability 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import polars as pl
from pydantic import BaseModel

from forecasting.engine import Prepared
from forecasting.scenarios.definition import (
    BillRateChange,
    PipelineDelay,
    ProjectChange,
    Scenario,
    WinProbabilityChange,
)
from wipcast.errors import InputError

DAYS_PER_MONTH = 365.25 / 12


# ---------------------------------------------------------------- names must exist in the data


def known_names(prep: Prepared, roles: set[str] | None = None) -> dict[str, list[str]]:
    opp = prep.opportunities
    practices = set(prep.projects["practice"].drop_nulls().to_list()) | set(
        opp["practice"].drop_nulls().to_list() if "practice" in opp.columns else []
    )
    return {
        "practice": sorted(practices),
        "stage": sorted(set(opp["stage"].drop_nulls().to_list())) if "stage" in opp.columns else [],
        "role": sorted(set(prep.tm_rows["role"].drop_nulls().to_list()) | (roles or set())),
        "project_id": sorted(prep.projects.filter(~pl.col("closed"))["project_id"].to_list()),
    }


def _allowed(values: list[str], limit: int = 25) -> str:
    shown = ", ".join(values[:limit])
    return (shown + f", ... ({len(values)} in all)") if len(values) > limit else (shown or "none in the data")


def check_names(scenario: Scenario, prep: Prepared, roles: set[str] | None = None) -> None:
    """Every practice, stage, role and project a scenario names must exist (open projects only)."""
    known = known_names(prep, roles)
    problems = []
    groups: dict[str, Sequence[BaseModel]] = {
        "win_probability": scenario.win_probability,
        "pipeline_delay": scenario.pipeline_delay,
        "projects": scenario.projects,
        "bill_rates": scenario.bill_rates,
        "hiring": scenario.hiring,
        "attrition": scenario.attrition,
        "utilization": scenario.utilization,
    }
    for group, items in groups.items():
        for i, item in enumerate(items):
            for field, kind in (
                ("practice", "practice"),
                ("stage", "stage"),
                ("role", "role"),
                ("project_id", "project_id"),
            ):
                value = getattr(item, field, None)
                if value is not None and value not in known[kind]:
                    problems.append((f"{group}[{i}].{field}", value, kind))
    if problems:
        field, value, kind = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        what = "an open project" if kind == "project_id" else f"a {kind}"
        raise InputError(
            f"scenario field {field}: {value!r} is not {what} in the data{more}",
            f"allowed values: {_allowed(known[kind])}",
        )


# ---------------------------------------------------------------- pipeline


def _opp_mask(prep: Prepared, stage: str | None, practice: str | None) -> pl.Expr:
    mask = pl.lit(True)
    if stage is not None:
        mask = mask & (pl.col("stage") == stage)
    if practice is not None:
        mask = mask & (pl.col("practice") == practice)
    return mask


def change_win_probability(prep: Prepared, change: WinProbabilityChange) -> Prepared:
    """Multiply or shift the calibrated win probability of the matching open deals, clipped to 0..1."""
    if not prep.opportunities.height:
        return prep
    p = pl.col("win_prob")
    new = p * change.multiplier if change.multiplier is not None else p + change.shift
    opps = prep.opportunities.with_columns(
        pl.when(_opp_mask(prep, change.stage, change.practice)).then(new.clip(0.0, 1.0)).otherwise(p).alias("win_prob")
    )
    return replace(prep, opportunities=opps)


def delay_pipeline(prep: Prepared, delay: PipelineDelay) -> Prepared:
    """Move the expected start of the matching open deals by N weeks (the learned slip still applies on top)."""
    if not prep.opportunities.height:
        return prep
    opps = prep.opportunities.with_columns(
        pl.when(_opp_mask(prep, delay.stage, delay.practice))
        .then(pl.col("expected_start_date") + pl.duration(weeks=delay.weeks))
        .otherwise(pl.col("expected_start_date"))
        .alias("expected_start_date")
    )
    return replace(prep, opportunities=opps)


# ---------------------------------------------------------------- signed projects


def shift_months(frame: pl.DataFrame, value_cols: list[str], weeks: int, months: list[dt.date] | None) -> pl.DataFrame:
    """Move monthly amounts later by `weeks`: a row's amount is split between the two months it lands
    on, in proportion (e.g. 6 weeks = 1.38 months: 62% one month later, 38% two months later).
    With `months`, rows that land beyond the horizon are dropped (revenue leaves the forecast)."""
    if not frame.height or weeks == 0:
        return frame
    shift = weeks * 7 / DAYS_PER_MONTH
    whole, frac = int(shift // 1), shift % 1
    parts = []
    for offset, weight in ((whole, 1 - frac), (whole + 1, frac)):
        if weight <= 1e-12:
            continue
        parts.append(
            frame.with_columns(pl.col("month").dt.offset_by(f"{offset}mo"), *[(pl.col(c) * weight) for c in value_cols])
        )
    out = pl.concat(parts, how="vertical_relaxed")
    return out.filter(pl.col("month").is_in(months)) if months is not None else out


def _keep_series(before: pl.DataFrame, after: pl.DataFrame, value_cols: list[str], month: dt.date) -> pl.DataFrame:
    """Give every project that had rows a zero row again if an edit moved all its rows away."""
    gone = before.filter(~pl.col("project_id").is_in(after["project_id"].unique().implode())).unique(
        "project_id", keep="first", maintain_order=True
    )
    if not gone.height:
        return after
    zero = gone.with_columns(pl.lit(month).alias("month"), *[pl.lit(0.0).alias(c) for c in value_cols])
    return pl.concat([after, zero.select(after.columns)], how="vertical_relaxed")


def _split(frame: pl.DataFrame, project_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    hit = pl.col("project_id") == project_id
    return frame.filter(hit), frame.filter(~hit)


def delay_project(prep: Prepared, project_id: str, weeks: int) -> Prepared:
    """Everything still to come on a signed project moves `weeks` later: planned hours (T&M), planned
    cost (fixed fee: progress and so revenue move), the end date, milestones and the retainer schedule."""
    mine, rest = _split(prep.tm_rows, project_id)
    tm = pl.concat(
        [rest, shift_months(mine, ["hours"], weeks, prep.months).select(rest.columns)], how="vertical_relaxed"
    )
    tm = _keep_series(prep.tm_rows, tm, ["hours"], prep.months[0])
    mine, rest = _split(prep.ff_planned_cost, project_id)
    ff_cost = pl.concat(
        [rest, shift_months(mine, ["cost_pc"], weeks, None).select(rest.columns)], how="vertical_relaxed"
    )
    ff = prep.ff.with_columns(
        pl.when(pl.col("project_id") == project_id)
        .then(pl.col("end_date") + pl.duration(weeks=weeks))
        .otherwise(pl.col("end_date"))
        .alias("end_date")
    )
    ms = prep.open_milestones.with_columns(
        pl.when(pl.col("project_id") == project_id)
        .then(pl.col("due_date") + pl.duration(weeks=weeks))
        .otherwise(pl.col("due_date"))
        .alias("due_date")
    )
    mine, rest = _split(prep.retainer_rows, project_id)
    ret = pl.concat(
        [rest, shift_months(mine, ["value", "revenue_pc"], weeks, prep.months).select(rest.columns)],
        how="vertical_relaxed",
    )
    ret = _keep_series(prep.retainer_rows, ret, ["value", "revenue_pc"], prep.months[0])
    return replace(prep, tm_rows=tm, ff_planned_cost=ff_cost, ff=ff, open_milestones=ms, retainer_rows=ret)


def cancel_project(prep: Prepared, project_id: str) -> Prepared:
    """No more revenue from a signed project: hours, milestones and retainer fees become zero; a fixed
    fee keeps what it has earned (contract value set to earned to date, no remaining planned cost)."""
    hit = pl.col("project_id") == project_id
    tm = prep.tm_rows.with_columns(pl.when(hit).then(0.0).otherwise(pl.col("hours")).alias("hours"))
    ff = prep.ff.with_columns(
        pl.when(hit).then(pl.col("earned_pc")).otherwise(pl.col("contract_value")).alias("contract_value")
    )
    ff_cost = prep.ff_planned_cost.filter(~hit)
    ms = prep.open_milestones.with_columns(
        pl.when(hit).then(0.0).otherwise(pl.col("amount_reporting")).alias("amount_reporting")
    )
    ret = prep.retainer_rows.with_columns(pl.when(hit).then(0.0).otherwise(pl.col("value")).alias("value"))
    return replace(prep, tm_rows=tm, ff=ff, ff_planned_cost=ff_cost, open_milestones=ms, retainer_rows=ret)


def change_project(prep: Prepared, change: ProjectChange) -> Prepared:
    return (
        cancel_project(prep, change.project_id)
        if change.action == "cancel"
        else delay_project(prep, change.project_id, change.weeks)
    )


# ---------------------------------------------------------------- bill rates


def month_share_from(month: dt.date, start: dt.date) -> float:
    """Share of the days of `month` on or after `start` (1 for later months, 0 for earlier ones)."""
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if start <= month:
        return 1.0
    if start >= nxt:
        return 0.0
    return (nxt - start).days / (nxt - month).days


def rate_multiplier(changes: list[BillRateChange], role: str | None, practice: str | None, month: dt.date) -> float:
    """Product of the bill-rate changes that apply to a role and practice in a month (prorated by days)."""
    factor = 1.0
    for c in changes:
        if (c.role is None or c.role == role) and (c.practice is None or c.practice == practice):
            factor *= 1 + c.percent / 100 * month_share_from(month, c.from_date)
    return factor


def change_bill_rates(prep: Prepared, changes: list[BillRateChange]) -> Prepared:
    """Time and materials: the rate of each planned (role, month) row changes from the date (a month that
    the date splits gets the change for its share of days). Pipeline: a deal expected to start on or
    after the date gets the change on its whole amount, when the change names no role (deals carry no
    role mix). Fixed fees, milestones and retainers are signed prices and do not change."""
    if not changes:
        return prep
    tm = prep.tm_rows
    if tm.height:
        mult = [rate_multiplier(changes, r, p, m) for r, p, m in tm.select("role", "practice", "month").iter_rows()]
        tm = tm.with_columns(pl.col("rate") * pl.Series(mult, dtype=pl.Float64))
    opps = prep.opportunities
    if opps.height:
        mult = []
        for practice, start in opps.select("practice", "expected_start_date").iter_rows():
            f = 1.0
            for c in changes:
                if (
                    c.role is None
                    and (c.practice is None or c.practice == practice)
                    and start is not None
                    and start >= c.from_date
                ):
                    f *= 1 + c.percent / 100
            mult.append(f)
        opps = opps.with_columns(pl.col("amount_reporting") * pl.Series(mult, dtype=pl.Float64))
    return replace(prep, tm_rows=tm, opportunities=opps)


# ---------------------------------------------------------------- everything but capacity


def apply_direct(prep: Prepared, scenario: Scenario) -> Prepared:
    """The adjustments that edit prepared inputs directly, in a fixed order: projects, win
    probability, pipeline starts, bill rates. Capacity (hiring, attrition, utilization) comes last,
    in `capacity.apply_capacity`, because it needs the demand these leave."""
    for project in scenario.projects:
        prep = change_project(prep, project)
    for win in scenario.win_probability:
        prep = change_win_probability(prep, win)
    for delay in scenario.pipeline_delay:
        prep = delay_pipeline(prep, delay)
    return change_bill_rates(prep, scenario.bill_rates)
