"""Overview: what a CFO reads in ten seconds. Revenue and margin against target and last year, the outlook,
cash (unbilled, overdue receivables, DSO) and utilization; each tile opens the rows behind it on this page."""

import datetime as dt

import streamlit as st

from app import charts, data, drill_view, ui
from app.board_pack.download import pack_button
from app.formatting import hours_column, money_column, percent_column, plain
from app.overview_tiles import OverviewTiles

filters = ui.current_filters()
currency = ui.reporting_currency()

st.title("Overview")


tiles = OverviewTiles(filters, currency)


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
pack_button(filters)  # the board pack of this run and these filters, printed when clicked

columns = st.columns(4)
with columns[0]:
    tiles.tile("Revenue year to date", lambda: tiles.revenue_tile(as_of, "ytd", "Revenue year to date"))
with columns[1]:
    tiles.tile("Margin year to date", lambda: tiles.margin_tile(as_of))
with columns[2]:
    tiles.tile("Revenue quarter to date", lambda: tiles.revenue_tile(as_of, "qtd", "Revenue quarter to date"))
with columns[3]:
    tiles.tile("Full-year outlook", lambda: tiles.outlook_tile((run_as_of or as_of).year), "forecast")
columns = st.columns(4)
with columns[0]:
    tiles.tile("Unbilled exposure", tiles.unbilled_tile)
with columns[1]:
    tiles.tile("Receivables > 90 days past due", tiles.overdue_tile)
with columns[2]:
    tiles.tile("Billable time with no bill rate", tiles.no_rate_tile)
with columns[3]:
    tiles.tile("Utilization, last 4 weeks", lambda: tiles.utilization_tile(as_of), "employees")
columns = st.columns(4)
with columns[0]:
    tiles.tile("Approved time not posted", tiles.reconciliation_tile)

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
