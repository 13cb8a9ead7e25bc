"""Overview: what a CFO reads in ten seconds. Revenue and margin against target and last year, the outlook,
cash (unbilled, overdue receivables, DSO) and utilization; each tile opens the rows behind it on this page."""

import datetime as dt
from collections.abc import Callable

import streamlit as st

from app import charts, data, drill_view, reconciliation_data, ui
from app.formatting import days, hours, hours_column, money, money_column, percent, percent_column, plain, points

filters = ui.current_filters()
currency = ui.reporting_currency()

st.title("Overview")


def tile(label: str, render: Callable[[], None], grain: str = "projects") -> None:
    """A tile; when the filters match nothing of what it counts (projects, people, forecast rows) it says so
    instead of showing $0."""
    with st.container(border=True):
        try:
            if not data.has_rows(filters, grain):
                st.metric(label, "—")
                st.caption("No data for this combination of filters.")
                return
            render()
        except data.DataUnavailable as exc:
            st.metric(label, "—")
            st.caption(f"Not available: {exc}.")


def change(value: float, base: float | None, what: str) -> str | None:
    """'+4.2% vs target'; None without a base to compare with."""
    return f"{(value - base) / base:+.1%} vs {what}" if base else None


def revenue_tile(as_of: dt.date, period: data.Period, label: str) -> None:
    figures = data.period_figures(filters, as_of, period)
    actual, target = figures["revenue"], figures["target"]
    st.metric(
        label,
        money(actual, currency),
        delta=change(actual, target, "target"),
        help=f"Earned revenue from {figures['start']:%d %b} to the as-of date, reporting currency. Target and last "
        "year cover the same days (the as-of month prorated by the days elapsed).",
    )
    parts = []
    if target:
        parts.append(f"Target {money(target, currency)}")
    elif figures["target_ignored"]:
        parts.append("Targets are set by practice and region only, so there is none for this filter")
    if figures["last_year_revenue"]:
        last_year = figures["last_year_revenue"]
        parts.append(f"{change(actual, last_year, 'last year')} ({money(last_year, currency)})")
    st.caption(" · ".join(parts) if parts else "No revenue target in the warehouse for this period.")
    drill_view.drill_button(f"revenue_{period}", "projects")


def margin_tile(as_of: dt.date) -> None:
    figures = data.period_figures(filters, as_of, "ytd")
    revenue, margin = figures["revenue"], figures["margin"]
    share = margin / revenue if revenue else None
    last_revenue, last_margin = figures["last_year_revenue"], figures["last_year_margin"]
    last_share = last_margin / last_revenue if last_revenue and last_margin is not None else None
    st.metric(
        "Margin year to date",
        money(margin, currency),
        delta=f"{points(share - last_share)} margin vs last year"
        if share is not None and last_share is not None
        else None,
        delta_color="normal" if share is None or last_share is None or round(share - last_share, 3) else "off",
        help="Earned revenue minus cost (and loss provisions on fixed-fee loss contracts), 1 January to the "
        "as-of date.",
    )
    st.caption(
        f"Margin {percent(share)} of revenue"
        + (f" · last year {percent(last_share)}" if last_share is not None else "")
    )
    drill_view.drill_button("revenue_ytd_margin", "projects")


def outlook_tile(year: int) -> None:
    if not filters.run_id:
        raise data.DataUnavailable("no forecast run yet (run `wipcast forecast`)")
    outlook = data.full_year_outlook(filters, filters.run_id, year)
    headline = outlook["p50"] if outlook["p50"] is not None else outlook["mean"]
    target_frame, ignored = data.target_monthly(filters, dt.date(year, 1, 1), dt.date(year, 12, 1))
    target = float(target_frame["target"].sum()) if not ignored and not target_frame.empty else None
    st.metric(
        f"Full-year {year} outlook (p50)" if outlook["p50"] is not None else f"Full-year {year} outlook (mean)",
        money(headline, currency),
        delta=f"{(headline - target) / target:+.1%} vs full-year target" if target else None,
        help="Actual revenue of the closed months plus the forecast of the rest of the year. "
        "p50 and the p10-p90 range come from the simulation draws summed at this filter.",
    )
    if outlook["p10"] is not None:
        st.caption(
            f"80% range {money(outlook['p10'], currency)} – {money(outlook['p90'], currency)}"
            + (f" · target {money(target, currency)}" if target else "")
        )
    else:
        st.caption(f"Range not available: {outlook['range_note']}." if outlook["range_note"] else "")
    st.page_link(
        "app_pages/forecast.py",
        label="Forecast by month",
        icon=":material/trending_up:",
        query_params=drill_view.view_params(),
    )


def unbilled_tile() -> None:
    buckets = data.unbilled_by(filters)
    total = float(buckets["total"].sum()) if not buckets.empty else 0.0
    over_90 = float(buckets.loc[buckets["bucket"] == "over 90", "total"].sum()) if not buckets.empty else 0.0
    at_risk = float(buckets["at_risk"].sum()) if not buckets.empty else 0.0
    st.metric(
        "Unbilled exposure",
        money(total, currency),
        help="Approved-unbilled and pending time on T&M projects, at-risk time, and contract assets "
        "(earned, not yet billed) on the other billing types.",
    )
    st.caption(f"Over 90 days {money(over_90, currency)} · at risk {money(at_risk, currency)}")
    drill_view.drill_button("unbilled", "projects")


def dso_text() -> str:
    """'DSO 54 days (Oct 2026, -9 on a year before)': firm level, the mart is not broken down by the filters."""
    try:
        frame, _ = data.dso_trend(filters)
    except data.DataUnavailable:
        return ""
    if frame.empty:
        return ""
    latest = frame.iloc[-1]
    earlier = frame.iloc[-13] if len(frame) >= 13 else None
    change_text = "" if earlier is None else f", {latest['dso'] - earlier['dso']:+.0f} on a year before"
    firm = " for the whole firm" if filters.any_dimension else ""
    return f"DSO {days(latest['dso'])}{firm} ({latest['month']:%b %Y}{change_text})"


def overdue_tile() -> None:
    invoices = data.receivable_rows(filters)
    total = float(invoices["open_amount"].sum())
    over_90 = float(invoices.loc[invoices["days_past_due"] > 90, "open_amount"].sum())
    st.metric(
        "Receivables > 90 days past due",
        money(over_90, currency),
        help="Open amounts of invoices more than 90 days past their due date, reporting currency. DSO: "
        "receivables at month end / trailing 3-month billings × 91, for the whole firm.",
    )
    share = percent(over_90 / total if total else None)
    st.caption(" · ".join(p for p in (f"{share} of {money(total, currency)} open", dso_text()) if p))
    drill_view.drill_button("receivables_over_90", "invoices")
    st.page_link(
        "app_pages/unbilled.py",
        label="Receivables and DSO",
        icon=":material/receipt_long:",
        query_params=drill_view.view_params(),
    )


def no_rate_tile() -> None:
    value = data.unbilled_hours_without_rate(filters)
    st.metric(
        "Billable time with no bill rate",
        hours(value),
        help="Billable hours no rate card or project rate prices: at risk, and counted in hours because no value "
        "can be put on them. Fix the rate cards, then rebuild.",
    )
    st.caption("At risk until a rate is set")
    drill_view.drill_button("no_rate", "time entries")


def reconciliation_tile() -> None:
    head = reconciliation_data.headline(filters)
    st.metric(
        "Approved time not posted",
        money(head["unposted_value"], currency),
        help="Approved billable or cost-bearing time past its posting due date that the ERP has not received "
        "(marts.mart_unposted_approved_time).",
    )
    st.caption(f"{head['old_exceptions']:,.0f} open exception(s) older than 30 days")
    st.page_link("app_pages/reconciliation.py", label="Open Reconciliation", icon=":material/rule:")


def utilization_tile(as_of: dt.date) -> None:
    start, end = data.last_complete_weeks(as_of, 4)
    summary, ignored = data.utilization_summary(filters, start, end)
    delta = (
        points(summary["utilization"] - summary["target"])
        if summary["utilization"] is not None and summary["target"] is not None
        else None
    )
    st.metric(
        "Utilization, last 4 weeks",
        percent(summary["utilization"]),
        delta=(delta + " vs target") if delta else None,
        help="Billable hours (approved or submitted) / capacity hours, weeks starting "
        f"{start:%d %b} to {end:%d %b %Y}.",
    )
    if summary["target"] is not None:
        st.caption(f"Target {percent(summary['target'])} · {summary['billable']:,.0f} of {summary['capacity']:,.0f} h")
    if ignored:
        st.caption("Customer filter not applied: utilization is per person.")
    drill_view.drill_button("utilization", "people")


try:
    as_of = data.actuals_as_of()
except data.DataUnavailable as exc:
    ui.empty_state(f"{exc}. Build the warehouse with `make build`")
    st.stop()

run_as_of = data.run_as_of(filters.run_id)
st.caption(
    f"Actuals as of **{as_of:%d %b %Y}** · forecast made as of **{run_as_of:%d %b %Y}**"
    if run_as_of
    else f"Actuals as of **{as_of:%d %b %Y}** · no forecast run yet"
)

columns = st.columns(4)
with columns[0]:
    tile("Revenue year to date", lambda: revenue_tile(as_of, "ytd", "Revenue year to date"))
with columns[1]:
    tile("Margin year to date", lambda: margin_tile(as_of))
with columns[2]:
    tile("Revenue quarter to date", lambda: revenue_tile(as_of, "qtd", "Revenue quarter to date"))
with columns[3]:
    tile("Full-year outlook", lambda: outlook_tile((run_as_of or as_of).year), "forecast")
columns = st.columns(4)
with columns[0]:
    tile("Unbilled exposure", unbilled_tile)
with columns[1]:
    tile("Receivables > 90 days past due", overdue_tile)
with columns[2]:
    tile("Billable time with no bill rate", no_rate_tile)
with columns[3]:
    tile("Utilization, last 4 weeks", lambda: utilization_tile(as_of), "employees")
columns = st.columns(4)
with columns[0]:
    tile("Approved time not posted", reconciliation_tile)

PROJECT_MONEY = ("earned", "cost", "margin", "approved_unbilled", "pending_approval", "at_risk", "contract_asset")
DETAIL_CONFIG: ui.ColumnConfigs = {
    "project_id": "Project id",
    "project": "Project",
    "customer": "Customer",
    "bucket": "Age (days)",
    "margin_pct": percent_column("Margin %"),
    "total": money_column("Total", currency),
    "invoice_id": "Invoice",
    "invoice_date": st.column_config.DateColumn("Invoice date", format="DD MMM YYYY"),
    "due_date": st.column_config.DateColumn("Due date", format="DD MMM YYYY"),
    "days_past_due": st.column_config.NumberColumn("Days past due", format="%d"),
    "open_amount": money_column("Open amount", currency),
    "time_entry_id": "Time entry",
    "employee_id": "Person id",
    "employee": "Person",
    "work_date": st.column_config.DateColumn("Work date", format="DD MMM YYYY"),
    "exposure_class": "Why it is exposure",
    "approval_status": "Approval",
    "hours": hours_column("Hours"),
    "value": money_column("Value", currency),
    "billable": hours_column("Billable"),
    "capacity": hours_column("Capacity"),
    "utilization": percent_column("Utilization"),
    "practice": "Practice",
    **{m: money_column(label, currency) for m, label in charts.EXPOSURE_LABELS.items()},
    **{m: money_column(m.replace("_", " ").capitalize(), currency) for m in ("earned", "cost", "margin")},
}


def drill_detail() -> None:
    """The rows behind the tile whose button was pressed (or whose name is in the link)."""
    name = drill_view.open_drill()
    if name is None:
        return
    if name in ("revenue_ytd", "revenue_qtd", "revenue_ytd_margin"):
        period: data.Period = "qtd" if name == "revenue_qtd" else "ytd"
        start = data.period_start(as_of, period)
        rows = data.revenue_rows(filters, start, data.month_start(as_of))
        total = "margin" if name == "revenue_ytd_margin" else "earned"
        title = (
            f"Projects behind the {'margin' if total == 'margin' else 'revenue'} {data.PERIOD_LABELS[period].lower()}"
        )
        drill_view.detail_table(title, rows, f"projects {name}", DETAIL_CONFIG, total, currency)
    elif name == "unbilled":
        rows = data.exposure_rows(filters)
        drill_view.detail_table(
            "Projects behind the unbilled exposure",
            rows,
            "unbilled exposure rows",
            DETAIL_CONFIG,
            "total",
            currency,
            note="One row per project and age. The Unbilled exposure page lists the time entries behind the "
            "time-and-materials amounts.",
        )
    elif name == "receivables_over_90":
        rows = data.receivable_rows(filters, over_days=90)
        drill_view.detail_table(
            "Invoices more than 90 days past due",
            rows,
            "receivables over 90 days",
            DETAIL_CONFIG,
            "open_amount",
            currency,
        )
    elif name == "no_rate":
        rows = data.unbilled_time_entries(filters, no_rate_only=True)
        drill_view.detail_table(
            "Billable time with no bill rate",
            rows.drop(columns=["value"]),
            "time with no bill rate",
            DETAIL_CONFIG,
            "hours",
            currency,
            note="Sum in hours: these entries have no value until a rate is set.",
        )
    elif name == "utilization":
        start, end = data.last_complete_weeks(as_of, 4)
        rows = data.utilization_rows(filters, start, end)
        drill_view.detail_table(
            f"People behind the utilization, weeks of {start:%d %b} to {end:%d %b %Y}",
            rows,
            "utilization by person",
            DETAIL_CONFIG,
            None,
            currency,
            note=f"{rows['billable'].sum():,.1f} billable of {rows['capacity'].sum():,.1f} capacity hours.",
        )
    else:
        st.caption(f"No such detail: {plain(name)}.")


ui.guarded(drill_detail)

left, right = st.columns(2)


def revenue_vs_target_chart() -> None:
    st.subheader("Revenue versus target, this year")
    start, end = dt.date(as_of.year, 1, 1), data.month_start(as_of)
    actual = data.revenue_monthly(filters, start, end)[["month", "earned"]]
    target, ignored = data.target_monthly(filters, start, end)
    if actual.empty:
        ui.empty_state("no earned revenue this year for the chosen filters")
        return
    frame = actual.merge(target, on="month", how="left") if not ignored else actual.assign(target=None)
    frame["cumulative_earned"] = frame["earned"].cumsum()
    frame["cumulative_target"] = frame["target"].astype(float).cumsum() if not ignored else None
    figure = charts.actual_vs_lines(frame, "month", {"earned": "Earned", "target": "Target"}, currency, bars="earned")
    ui.chart_with_table(
        figure,
        frame,
        "revenue vs target",
        {
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "earned": money_column("Earned", currency),
            "target": money_column("Target", currency),
            "cumulative_earned": money_column("Earned, cumulative", currency),
            "cumulative_target": money_column("Target, cumulative", currency),
        },
    )
    ui.ignored_filters_note(ignored)


def exposure_chart() -> None:
    st.subheader("Unbilled exposure by age")
    buckets = data.unbilled_by(filters)
    if buckets.empty or buckets["total"].sum() == 0:
        ui.empty_state("no unbilled time or contract asset for the chosen filters")
        return
    figure = charts.stacked_bars(
        buckets.assign(bucket=buckets["bucket"] + " days"),
        "bucket",
        charts.EXPOSURE_LABELS,
        charts.EXPOSURE_COLORS,
        currency,
    )
    chart_event, table_event = ui.chart_with_table(
        figure,
        buckets,
        "unbilled exposure by age",
        {
            "bucket": "Age (days)",
            **{m: money_column(label, currency) for m, label in charts.EXPOSURE_LABELS.items()},
            "total": money_column("Total", currency),
        },
        caption="Click a bar (or tick a row of the table) for the projects behind it.",
        selectable=True,
    )
    chosen = [str(c).removesuffix(" days") for c in drill_view.selected_categories(chart_event, "x")]
    chosen += [buckets["bucket"].iloc[i] for i in drill_view.selected_rows(table_event)]
    for bucket in dict.fromkeys(chosen):
        rows = data.exposure_rows(filters, bucket=bucket)
        drill_view.detail_table(
            f"Projects with unbilled exposure aged {bucket} days",
            rows,
            f"unbilled {bucket}",
            DETAIL_CONFIG,
            "total",
            currency,
        )


with left:
    ui.guarded(revenue_vs_target_chart)
with right:
    ui.guarded(exposure_chart)


def practice_region_table() -> None:
    st.subheader("Practices and regions against target, year to date")
    frame, ignored = data.practice_region_vs_target(filters, as_of)
    if ignored:
        ui.ignored_filters_note(ignored)
        return
    if frame.empty:
        ui.empty_state("no revenue or target this year for the chosen filters")
        return
    ui.table_with_download(
        frame,
        "practice and region vs target",
        {
            "practice": "Practice",
            "region": "Region",
            "earned": money_column("Earned", currency),
            "target": money_column("Target", currency, help="The as-of month's target prorated by the days elapsed"),
            "variance": money_column("Earned - target", currency),
            "attainment": percent_column("Attainment"),
        },
    )


ui.guarded(practice_region_table)


def risks_table() -> None:
    st.subheader("Ten largest risks")
    risks = data.top_risks(filters, 10)
    if risks.empty:
        ui.empty_state("no project has unbilled, at-risk or loss amounts for the chosen filters")
        return
    risks = risks.assign(link=[drill_view.project_link(str(pid)) for pid in risks["id"]])
    if not data.tracks_overdue_milestones():
        risks = risks.drop(columns="overdue_milestones")
    event = ui.table_with_download(
        risks,
        "top risks",
        {
            "id": "Project id",
            "label": "Project",
            "why": "Why it is here",
            "money_at_stake": money_column(
                "Money at stake", currency, help="At-risk + unbilled + expected loss + overdue milestones"
            ),
            "at_risk": money_column("At risk", currency),
            "unbilled": money_column("Unbilled", currency),
            "expected_loss": money_column("Expected loss", currency),
            "overdue_milestones": money_column("Overdue milestones", currency),
            "link": st.column_config.LinkColumn("Link", display_text="open in a new tab"),
        },
        selectable=True,
    )
    st.caption("Tick a row to open that project on the Forecast page (filters kept).")
    rows = drill_view.selected_rows(event)
    if rows:
        drill_view.open_project(str(risks["id"].iloc[rows[0]]), "overview-risks")


ui.guarded(risks_table)
