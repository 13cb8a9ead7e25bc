"""Each section of the board pack: its headline figures, charts and small tables, read from app.data with the
same queries the pages use and drawn with the pages' own figure functions (app.charts). No rule lives here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from app import charts, data
from app import reconciliation_data as recon
from app.board_pack.context import PackContext
from app.formatting import days, hours, money, percent, points
from app.overview_tiles import change
from app.warehouse_access import catalog

NO_DATA = "No data for this combination of filters."


@dataclass
class Tile:
    label: str
    value: str
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    subtitle: str
    tiles: list[Tile] = field(default_factory=list)
    charts: list[tuple[str, go.Figure]] = field(default_factory=list)  # (heading, figure)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (heading, cells as text)
    notes: list[str] = field(default_factory=list)

    def part(self, what: str, build: Callable[[], None]) -> None:
        """Add a part; a table or column the warehouse lacks becomes a note instead of a failed pack."""
        try:
            build()
        except data.DataUnavailable as exc:
            self.notes.append(f"{what} not available: {exc}.")

    def ignored(self, dims: list[str], what: str) -> None:
        if dims:
            names = ", ".join(data._label(d) for d in dims)
            self.notes.append(f"The {names} filter does not apply to {what} (the data is not broken down that way).")


def overview(ctx: PackContext) -> Section:
    f, cur, as_of = ctx.filters, ctx.currency, ctx.as_of
    s = Section(
        "overview", "Overview", f"Actuals as of {as_of:%d %b %Y} · forecast made as of {ctx.run_as_of:%d %b %Y}"
    )
    projects, people = data.has_rows(f, "projects"), data.has_rows(f, "employees")

    def revenue(period: data.Period, label: str) -> None:
        figures = data.period_figures(f, as_of, period)
        actual, target = figures["revenue"], figures["target"]
        if target:
            notes = [f"target {money(target, cur)} ({change(actual, target, 'target')})"]
        else:
            notes = ["no target for this filter" if figures["target_ignored"] else "no target for this period"]
        if figures["last_year_revenue"]:
            notes.append(change(actual, figures["last_year_revenue"], "last year") or "")
        s.tiles.append(Tile(label, money(actual, cur), " · ".join(notes)))

    def margin() -> None:
        figures = data.period_figures(f, as_of, "ytd")
        share = figures["margin"] / figures["revenue"] if figures["revenue"] else None
        ly_rev, ly_margin = figures["last_year_revenue"], figures["last_year_margin"]
        ly_share = ly_margin / ly_rev if ly_rev and ly_margin is not None else None
        note = f"{percent(share)} of revenue" + (
            f" · {points(share - ly_share)} vs last year" if share is not None and ly_share is not None else ""
        )
        s.tiles.append(Tile("Margin year to date", money(figures["margin"], cur), note))

    def outlook() -> None:
        year = ctx.run_as_of.year
        o = data.full_year_outlook(f, ctx.run_id, year)
        if o["p50"] is not None:
            note = f"80% range {money(o['p10'], cur)} – {money(o['p90'], cur)}"
            s.tiles.append(Tile(f"Full-year {year} outlook (p50)", money(o["p50"], cur), note))
        else:
            s.tiles.append(Tile(f"Full-year {year} outlook (mean)", money(o["mean"], cur), o["range_note"] or ""))

    def unbilled() -> None:
        buckets = data.unbilled_by(f)
        over_90 = buckets.loc[buckets["bucket"] == "over 90", "total"].sum()
        note = f"over 90 days {money(over_90, cur)} · at risk {money(buckets['at_risk'].sum(), cur)}"
        s.tiles.append(Tile("Unbilled exposure", money(buckets["total"].sum(), cur), note))

    def overdue() -> None:
        invoices = data.receivable_rows(f)
        total = float(invoices["open_amount"].sum())
        over_90 = float(invoices.loc[invoices["days_past_due"] > 90, "open_amount"].sum())
        note = f"{percent(over_90 / total if total else None)} of {money(total, cur)} open"
        s.tiles.append(Tile("Receivables > 90 days past due", money(over_90, cur), note))

    def no_rate() -> None:
        s.tiles.append(Tile("Billable time with no bill rate", hours(data.unbilled_hours_without_rate(f)), "at risk"))

    def utilization() -> None:
        start, end = data.last_complete_weeks(as_of, 4)
        summary, ignored = data.utilization_summary(f, start, end)
        s.ignored(ignored, "utilization (it is per person)")
        target = summary["target"]
        note = f"target {percent(target)}" if target is not None else ""
        s.tiles.append(Tile("Utilization, last 4 weeks", percent(summary["utilization"]), note))

    for label, build, ok in (
        ("Revenue year to date", lambda: revenue("ytd", "Revenue year to date"), projects),
        ("Margin year to date", margin, projects),
        ("Revenue quarter to date", lambda: revenue("qtd", "Revenue quarter to date"), projects),
        ("Full-year outlook", outlook, data.has_rows(f, "forecast")),
        ("Unbilled exposure", unbilled, projects),
        ("Receivables > 90 days past due", overdue, projects),
        ("Billable time with no bill rate", no_rate, projects),
        ("Utilization, last 4 weeks", utilization, people),
    ):
        if ok:
            s.part(label, build)
        else:
            s.tiles.append(Tile(label, "—", NO_DATA))

    def revenue_chart() -> None:
        start, end = dt.date(as_of.year, 1, 1), data.month_start(as_of)
        frame = data.revenue_monthly(f, start, end)[["month", "earned"]]
        target, ignored = data.target_monthly(f, start, end)
        frame = frame.merge(target, on="month", how="left") if not ignored else frame.assign(target=None)
        figure = charts.actual_vs_lines(frame, "month", {"earned": "Earned", "target": "Target"}, cur, bars="earned")
        s.charts.append(("Revenue versus target, this year", figure))
        s.ignored(ignored, "the revenue target")

    def exposure_chart() -> None:
        buckets = data.unbilled_by(f)
        figure = charts.stacked_bars(
            buckets.assign(bucket=buckets["bucket"] + " days"),
            "bucket",
            charts.EXPOSURE_LABELS,
            charts.EXPOSURE_COLORS,
            cur,
        )
        s.charts.append(("Unbilled exposure by age", figure))

    if projects:
        s.part("The revenue chart", revenue_chart)
        s.part("The exposure chart", exposure_chart)
    if as_of < ctx.warehouse_as_of:
        s.notes.append(
            f"Unbilled exposure and receivables are the warehouse's snapshot as of {ctx.warehouse_as_of:%d %b %Y}."
        )
    return s


def forecast(ctx: PackContext) -> Section:
    f, cur, run_id = ctx.filters, ctx.currency, ctx.run_id
    s = Section("forecast", "Forecast", f"Forecast run {run_id}, made with data as of {ctx.run_as_of:%d %b %Y}")

    def headline() -> None:
        components, ignored = data.forecast_by_component(f, run_id)
        future = components[components["component"] != "actual"]
        if future.empty:
            s.notes.append("This run has no forecast months for the chosen filters.")
            return
        first, last = future["month"].min(), future["month"].max()
        period = f"{pd.Timestamp(first):%b %Y}–{pd.Timestamp(last):%b %Y}"
        by = future.groupby("component")["mean"].sum()
        booked = sum(by.get(c, 0.0) for c in ("booked_time_and_materials", "booked_fixed_fee", "milestone", "retainer"))
        try:
            q = data.forecast_quantiles(f, run_id, start=first, end=last, per_month=False)
            note = f"80% range {money(q['p10'].iloc[0], cur)} – {money(q['p90'].iloc[0], cur)}"
            s.tiles.append(Tile(f"Revenue {period} (p50)", money(q["p50"].iloc[0], cur), note))
        except data.DataUnavailable as exc:
            s.tiles.append(Tile(f"Revenue {period} (mean)", money(future["mean"].sum(), cur), f"no range: {exc}"))
        total = future["mean"].sum()
        s.tiles.append(Tile("Booked work", money(booked, cur), f"{percent(booked / total if total else None)} of it"))
        s.tiles.append(Tile("Pipeline (weighted)", money(by.get("pipeline", 0.0), cur)))
        s.tiles.append(Tile("Unplanned (run-rate)", money(by.get("unplanned", 0.0), cur)))
        s.ignored(ignored, "the forecast")

    def fan() -> None:
        components, _ = data.forecast_by_component(f, run_id)
        try:
            quantiles = data.forecast_quantiles(f, run_id)
        except data.DataUnavailable as exc:
            quantiles = None
            s.notes.append(f"No p10-p90 band: {exc}.")
        s.charts.append(("Monthly revenue forecast", charts.fan_chart(components, quantiles, cur)))

    def by_practice() -> None:
        frame = data.forecast_by_group(f, run_id, "practice")
        frame = frame[frame["grp"] != data.NO_GROUP].rename(columns={"grp": "Practice"})
        if frame["Practice"].nunique() <= len(charts.palette.SERIES):
            order = frame.groupby("Practice")["mean"].sum().sort_values(ascending=False).index
            rank = {name: i for i, name in enumerate(order)}
            frame = frame.sort_values("Practice", key=lambda p: p.map(rank), kind="stable")  # largest first
            s.charts.append(("By practice", charts.grouped_lines(frame, "month", "mean", "Practice", cur)))

    if data.has_rows(f, "forecast"):
        s.part("The forecast", headline)
        s.part("The fan chart", fan)
        s.part("The forecast by practice", by_practice)
    else:
        s.notes.append(NO_DATA)
    return s


def variance(ctx: PackContext) -> Section:
    f, cur, as_of = ctx.filters, ctx.currency, ctx.as_of
    s = Section("variance", "Variance", "")
    early = data.earlier_run(as_of, 3) if data.has_table("runs") else None
    if early is None:
        s.subtitle = f"No forecast was made 3 months or more before {as_of:%d %b %Y}."
        return s
    early_as_of = pd.Timestamp(early["as_of_date"]).date()
    window = data.variance_window(early_as_of, as_of)
    if window is None:
        s.subtitle = f"No month has closed since the forecast made on {early_as_of:%d %b %Y}."
        return s
    start, end = window
    if not data.has_rows(f, "projects"):
        s.notes.append(NO_DATA)
        return s
    s.subtitle = (
        f"Actual earned revenue {start:%b %Y}–{end:%b %Y} (restated, data as of {as_of:%d %b %Y}) versus the "
        f"forecast run {early['run_id']} made with data as of {early_as_of:%d %b %Y}"
    )

    def build() -> None:
        result = data.variance(f, early["run_id"], start, end)
        by_month = result["by_month"]
        actual, forecast_total = float(by_month["actual"].sum()), float(by_month["forecast"].sum())
        target_frame, ignored = data.target_monthly(f, start, end)
        target = None if ignored or target_frame.empty else float(target_frame["target"].sum())
        s.tiles += [
            Tile("Actual earned revenue", money(actual, cur)),
            Tile(f"Forecast made {early_as_of:%d %b %Y}", money(forecast_total, cur)),
            Tile(
                "Variance to forecast",
                money(actual - forecast_total, cur),
                change(actual, forecast_total, "forecast") or "",
            ),
            Tile(
                "Variance to target",
                money(actual - target, cur) if target is not None else "—",
                (change(actual, target, "target") or "") if target else "no target for this filter",
            ),
        ]
        target_frame["month"] = pd.to_datetime(target_frame["month"]).astype("datetime64[ns]")
        frame = by_month.merge(target_frame, on="month", how="left") if not ignored else by_month.assign(target=None)
        lines = {"actual": "Actual", "forecast": "Forecast", "target": "Target"}
        s.charts.append(("By month", charts.actual_vs_lines(frame, "month", lines, cur, bars="actual")))
        components = result["by_component"]
        steps = [
            (charts.COMPONENT_LABELS[c], float(v))
            for c, v in zip(components["component"], components["variance"], strict=True)
        ]
        s.charts.append(
            ("Bridge from forecast to actual", charts.bridge("Forecast", forecast_total, steps, "Actual", actual, cur))
        )
        s.ignored(ignored, "the target")

    s.part("The variance", build)
    return s


def unbilled(ctx: PackContext) -> Section:
    f, cur = ctx.filters, ctx.currency
    s = Section(
        "unbilled", "Unbilled exposure", f"As of {ctx.warehouse_as_of:%d %b %Y}. Age = days from the work date."
    )
    if not data.has_rows(f, "projects"):
        s.notes.append(NO_DATA)
        return s

    def tiles() -> None:
        buckets = data.unbilled_by(f)
        note = f"incl. contract asset {money(buckets['contract_asset'].sum(), cur)}"
        s.tiles.append(Tile("Unbilled exposure", money(buckets["total"].sum(), cur), note))
        for measure in ("approved_unbilled", "pending_approval", "at_risk"):
            s.tiles.append(Tile(charts.EXPOSURE_LABELS[measure], money(buckets[measure].sum(), cur)))
        no_rate = data.unbilled_hours_without_rate(f)
        if no_rate:
            s.tiles[-1].note = f"plus {hours(no_rate)} with no bill rate"
        figure = charts.stacked_bars(buckets, "bucket", charts.EXPOSURE_LABELS, charts.EXPOSURE_COLORS, cur)
        s.charts.append(("By age (days)", figure))

    def by_customer() -> None:
        frame = data.unbilled_by(f, "customer_id")
        frame = frame[frame["total"] != 0].head(10)
        figure = charts.stacked_bars(
            frame, "label", charts.EXPOSURE_LABELS, charts.EXPOSURE_COLORS, cur, horizontal=True
        )
        s.charts.append(("The 10 largest customers", figure))

    def receivables() -> None:
        frame = data.receivables_ageing(f)
        s.tiles.append(
            Tile("Open receivables", money(frame["open_amount"].sum(), cur), f"{frame['invoices'].sum():,} invoices")
        )
        dso, ignored = data.dso_trend(f)
        if not dso.empty:
            latest = dso.iloc[-1]
            note = f"{latest['month']:%b %Y}" + (" · whole firm" if ignored else "")
            s.tiles.append(Tile("DSO, latest month", days(latest["dso"]), note))

    s.part("Unbilled exposure", tiles)
    s.part("Unbilled exposure by customer", by_customer)
    s.part("Receivables", receivables)
    return s


def has_reconciliation() -> bool:
    return all(("marts", t) in catalog() for t in (recon.EXCEPTIONS, recon.UNPOSTED))


def reconciliation(ctx: PackContext) -> Section:
    f, cur = ctx.filters, ctx.currency
    s = Section("reconciliation", "Reconciliation", "Where PSA, ERP and CRM disagree, in money, with owners and ageing")

    def build() -> None:
        head = recon.headline(f)
        open_rows = recon.exceptions_by_type_and_age(f, "open")
        s.tiles += [
            Tile(
                "Approved time not posted (overdue)",
                money(head["unposted_value"], cur),
                f"{head['unposted_entries']:,.0f} time entries past their posting due date",
            ),
            Tile(
                "Open exceptions over 30 days",
                f"{head['old_exceptions']:,.0f}",
                f"{money(head['old_exceptions_amount'], cur)} at risk",
            ),
            Tile(
                "All open exceptions",
                f"{int(open_rows['exceptions'].sum()):,}",
                f"{money(open_rows['amount_at_risk'].sum(), cur)} at risk",
            ),
        ]
        by_type = open_rows.rename(
            columns={"exception_type": "Type", "age_bucket": "Age (days)", "exceptions": "Exceptions"}
        )
        by_type["Amount at risk"] = [money(v, cur) for v in by_type.pop("amount_at_risk")]
        s.tables.append(("Open exceptions by type and age", by_type.head(12)))
        unposted = recon.unposted_by_reason_and_owner(f)
        unposted = unposted.rename(columns={"reason_code": "Why not posted", "owner": "Owner", "entries": "Entries"})
        unposted["Hours"] = [hours(v) for v in unposted.pop("hours")]
        unposted["Value"] = [money(v, cur) for v in unposted.pop("value")]
        s.tables.append(("Approved time not posted, by reason and owner", unposted.head(12)))

    s.part("Reconciliation", build)
    s.ignored([d for d in ("region", "customer_id") if f.by_dimension()[d]], "reconciliation (entity and practice do)")
    return s


def collect(ctx: PackContext) -> list[Section]:
    """The sections in print order; Reconciliation only when the warehouse has its marts."""
    builders = [overview, forecast, variance, unbilled] + ([reconciliation] if has_reconciliation() else [])
    sections = [build(ctx) for build in builders]
    for section in sections:
        for _, figure in section.charts:
            charts.apply_theme(figure, dark=False)
    return sections
