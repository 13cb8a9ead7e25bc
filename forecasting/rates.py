"""Currency conversion and bill/cost rate resolution in polars, by the rules the marts apply: a
month's fx rate is the average of the rates dated in it (carried forward to months without one); a
bill rate is the time entry's own rate, else the project's rate card for the role valid on the date,
else the firm-wide card; cost is the employee's cost rate, in the currency of its legal entity."""

from __future__ import annotations

import datetime as dt

import polars as pl

from forecasting.calendar import month_start
from forecasting.frames import ordered
from forecasting.inputs import Inputs

FAR_FUTURE = dt.date(9999, 12, 31)


def fx_monthly(
    fx_rates: pl.DataFrame, currencies: list[str], reporting: str, first: dt.date, last: dt.date
) -> pl.DataFrame:
    """(currency, month, fx): average of the rates dated within the month; a month with none uses the
    latest earlier rate (and, before the first rate, the first one). The reporting currency is 1."""
    months = pl.date_range(month_start(first), month_start(last), "1mo", eager=True).alias("month")
    avg = (
        fx_rates.with_columns(pl.col("rate_date").dt.month_start().alias("month"))
        .pipe(ordered)
        .group_by("currency", "month", maintain_order=True)
        .agg(pl.col("rate_to_reporting").mean().alias("fx"))
    )
    frames = []
    for ccy in sorted(set(currencies) | {reporting}):
        f = pl.DataFrame({"month": months}).with_columns(pl.lit(ccy).alias("currency"))
        if ccy == reporting:
            frames.append(f.with_columns(pl.lit(1.0).alias("fx")))
            continue
        f = f.join(avg.filter(pl.col("currency") == ccy), on=["currency", "month"], how="left", maintain_order="left")
        earlier = avg.filter((pl.col("currency") == ccy) & (pl.col("month") < months[0])).sort("month")
        seed = earlier["fx"][-1] if earlier.height else None
        f = f.with_columns(pl.col("fx").fill_null(strategy="forward"))
        if seed is not None:
            f = f.with_columns(pl.col("fx").fill_null(seed))
        frames.append(f.with_columns(pl.col("fx").fill_null(strategy="backward")))
    return pl.concat(frames).select("currency", "month", "fx")


def extend_fx_flat(fx_table: pl.DataFrame, as_of: dt.date, months: list[dt.date]) -> pl.DataFrame:
    """Future months take the rate of the as-of month (no fx forecast: the latest known rate)."""
    current = fx_table.filter(pl.col("month") == month_start(as_of)).select("currency", "fx")
    fut = pl.DataFrame({"month": months}).join(current, how="cross")
    return pl.concat(
        [fx_table.filter(pl.col("month") <= month_start(as_of)), fut.select("currency", "month", "fx")]
    ).unique(["currency", "month"], keep="first")


def _card_lookup(keys: pl.DataFrame, cards: pl.DataFrame, on: list[str], date_col: str) -> pl.DataFrame:
    """For each key row, the card row valid on date_col (latest valid_from wins)."""
    k = keys.with_row_index("_k")
    if "rate_card_id" not in cards.columns:
        cards = cards.with_columns(pl.lit(None, pl.String).alias("rate_card_id"))
    # Overlapping rows: the latest valid_from wins, then the highest rate_card_id (as in the marts).
    j = (
        k.select(["_k", *on, date_col])
        .join(cards, on=on, how="inner")
        .filter(
            (pl.col("valid_from") <= pl.col(date_col))
            & (pl.coalesce(pl.col("valid_to"), pl.lit(FAR_FUTURE)) >= pl.col(date_col))
        )
        .sort(["_k", "valid_from", "rate_card_id"], nulls_last=False)
        .group_by("_k", maintain_order=True)
        .agg(pl.col("bill_rate").last(), pl.col("currency").last().alias("rate_currency"))
    )
    return k.join(j, on="_k", how="left", maintain_order="left").sort("_k").drop("_k")


def resolve_bill_rates(rows: pl.DataFrame, rate_cards: pl.DataFrame, date_col: str) -> pl.DataFrame:
    """Adds resolved_bill_rate (in rate_currency) and rate_source to rows with project_id, role and
    an optional own `bill_rate`: the row's own rate, else the project's card for the role valid on the
    date, else the firm-wide card, else none ('missing')."""
    own = rows["bill_rate"] if "bill_rate" in rows.columns else None
    base = (
        rows.with_columns(pl.col("bill_rate").alias("_own"))
        if own is not None
        else rows.with_columns(pl.lit(None, pl.Float64).alias("_own"))
    )
    base = base.drop("bill_rate", strict=False)
    proj = _card_lookup(
        base.select("project_id", "role", date_col),
        rate_cards.filter(pl.col("project_id").is_not_null()),
        ["project_id", "role"],
        date_col,
    )
    firm = _card_lookup(
        base.select("role", date_col),
        rate_cards.filter(pl.col("project_id").is_null()).drop("project_id"),
        ["role"],
        date_col,
    )
    return base.with_columns(
        pl.coalesce(pl.col("_own"), proj["bill_rate"], firm["bill_rate"]).alias("resolved_bill_rate"),
        pl.when(pl.col("_own").is_not_null())
        .then(pl.lit("entry"))
        .when(proj["bill_rate"].is_not_null())
        .then(pl.lit("project_card"))
        .when(firm["bill_rate"].is_not_null())
        .then(pl.lit("firm_card"))
        .otherwise(pl.lit("missing"))
        .alias("rate_source"),
        pl.when(pl.col("_own").is_not_null())
        .then(pl.lit(None, pl.String))
        .otherwise(pl.coalesce(proj["rate_currency"], firm["rate_currency"]))
        .alias("rate_currency"),
    ).drop("_own")


def rated_time(inputs: Inputs, fx: pl.DataFrame, entries: pl.DataFrame | None = None) -> pl.DataFrame:
    """Approved time entries (or `entries`) with role, practice, region, resolved bill rate, bill value
    (project ccy and reporting) and cost (project ccy and reporting). Values in the project currency
    are rounded to 4 decimals entry by entry, as int_time_entries_rated stores them."""
    emp = inputs.employees.select(
        "employee_id",
        "role",
        pl.col("region").alias("employee_region"),
        "cost_rate",
        pl.col("entity_id").alias("employee_entity_id"),
    )
    emp = emp.join(
        inputs.legal_entities.select(
            pl.col("entity_id").alias("employee_entity_id"), pl.col("currency").alias("cost_currency")
        ),
        on="employee_entity_id",
        how="left",
        maintain_order="left",
    )
    proj = inputs.projects.select(
        "project_id",
        "practice",
        pl.col("currency").alias("project_currency"),
        "billing_type",
        "closed",
        pl.col("recognition_closed")
        if "recognition_closed" in inputs.projects.columns
        else pl.col("closed").alias("recognition_closed"),
        "end_date",
    )
    entries = inputs.time_entries if entries is None else entries
    te = (
        entries.join(emp, on="employee_id", how="left", maintain_order="left")
        .join(proj, on="project_id", how="left", maintain_order="left")
        .with_columns(pl.col("work_date").dt.month_start().alias("month"))
    )
    te = resolve_bill_rates(te, inputs.rate_cards, "work_date")
    fxp = fx.rename({"currency": "project_currency", "fx": "fx_project"})
    fxc = fx.rename({"currency": "cost_currency", "fx": "fx_cost"})
    fxr = fx.rename({"currency": "rate_currency", "fx": "fx_rate"})
    te = (
        te.join(fxp, on=["project_currency", "month"], how="left", maintain_order="left")
        .join(fxc, on=["cost_currency", "month"], how="left", maintain_order="left")
        .join(fxr, on=["rate_currency", "month"], how="left", maintain_order="left")
    )
    # A card in another currency than the project's is converted through the reporting currency.
    rate_pc = (
        pl.when(pl.col("rate_currency").is_null() | (pl.col("rate_currency") == pl.col("project_currency")))
        .then(pl.col("resolved_bill_rate"))
        .otherwise(pl.col("resolved_bill_rate") * pl.col("fx_rate") / pl.col("fx_project"))
    )
    # Cost in the project currency needs no fx when the employing entity bills in that currency.
    cost_rate_pc = (
        pl.when(pl.col("cost_currency") == pl.col("project_currency"))
        .then(pl.col("cost_rate"))
        .otherwise(pl.col("cost_rate") * pl.col("fx_cost") / pl.col("fx_project"))
    )
    return te.with_columns(
        (pl.col("hours") * rate_pc).round(4, mode="half_away_from_zero").alias("bill_value_pc"),
        (pl.col("hours") * cost_rate_pc).round(4, mode="half_away_from_zero").alias("cost_pc"),
    ).with_columns(
        (pl.col("bill_value_pc") * pl.col("fx_project")).alias("bill_value_reporting"),
        (pl.col("cost_pc") * pl.col("fx_project")).alias("cost_reporting"),
    )


def role_cost_rates(inputs: Inputs, fx: pl.DataFrame, as_of: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Hourly cost in the reporting currency at the as-of month: per employee, and per role (average,
    used for unnamed placeholders)."""
    m = month_start(as_of)
    emp = (
        inputs.employees.join(
            inputs.legal_entities.select("entity_id", pl.col("currency").alias("cost_currency")),
            on="entity_id",
            how="left",
            maintain_order="left",
        )
        .join(
            fx.filter(pl.col("month") == m).rename({"currency": "cost_currency"}).drop("month"),
            on="cost_currency",
            how="left",
            maintain_order="left",
        )
        .with_columns((pl.col("cost_rate") * pl.col("fx")).alias("cost_rate_reporting"))
    )
    per_emp = emp.select("employee_id", "cost_rate_reporting")
    per_role = emp.pipe(ordered).group_by("role", maintain_order=True).agg(pl.col("cost_rate_reporting").mean())
    return per_emp, per_role


def future_bill_rates(
    keys: pl.DataFrame, inputs: Inputs, fx_future: pl.DataFrame, history: pl.DataFrame
) -> pl.DataFrame:
    """Bill rate in the reporting currency for (project_id, role, month) rows: the card valid mid-month,
    else the average rate billed on the project for the role, else on the project. Adds `rate`."""
    k = keys.unique().with_columns((pl.col("month") + pl.duration(days=14)).alias("_d"))
    k = resolve_bill_rates(k, inputs.rate_cards, "_d")
    proj = inputs.projects.select("project_id", pl.col("currency").alias("project_currency"))
    k = k.join(proj, on="project_id", how="left", maintain_order="left").with_columns(
        pl.coalesce(pl.col("rate_currency"), pl.col("project_currency")).alias("rate_currency")
    )
    k = k.join(
        fx_future.rename({"currency": "rate_currency", "fx": "_fx"}),
        on=["rate_currency", "month"],
        how="left",
        maintain_order="left",
    )
    k = k.with_columns((pl.col("resolved_bill_rate") * pl.col("_fx")).alias("rate"))
    if history.height:
        h = history.filter(pl.col("bill_value_reporting").is_not_null() & (pl.col("hours") > 0)).select(
            "project_id", "role", "bill_value_reporting", "hours"
        )
        by_role = (
            h.pipe(ordered)
            .group_by("project_id", "role", maintain_order=True)
            .agg((pl.col("bill_value_reporting").sum() / pl.col("hours").sum()).alias("_r1"))
        )
        by_proj = (
            h.pipe(ordered)
            .group_by("project_id", maintain_order=True)
            .agg((pl.col("bill_value_reporting").sum() / pl.col("hours").sum()).alias("_r2"))
        )
        k = (
            k.join(by_role, on=["project_id", "role"], how="left", maintain_order="left")
            .join(by_proj, on="project_id", how="left", maintain_order="left")
            .with_columns(pl.coalesce(pl.col("rate"), pl.col("_r1"), pl.col("_r2")).alias("rate"))
            .drop("_r1", "_r2")
        )
    return k.select("project_id", "role", "month", pl.col("rate").fill_null(0.0), "rate_source")
