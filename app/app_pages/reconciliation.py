"""Reconciliation: where PSA, ERP and CRM disagree, in money, with owners and ageing; the month-end close control."""

import plotly.graph_objects as go
import streamlit as st

from app import charts, ui
from app import reconciliation_data as recon
from app.formatting import chart_text, hours_column, money, money_column, plain

filters = ui.current_filters()
currency = ui.reporting_currency()

st.title("Reconciliation")
st.caption(
    "Exceptions found when the PSA, the ERP and the ingest logs are compared (marts.fct_sync_exceptions). "
    "Accepted exceptions stay out of the open count until their amount changes "
    "(`wipcast exceptions accept ID --reason ...`); one that disappears is resolved when last seen."
)

EXCEPTION_CONFIG: ui.ColumnConfigs = {
    "exception_id": "Exception",
    "exception_type": "Type",
    "owner": "Owner",
    "source_system": "Source",
    "record_id": "Record",
    "project_id": "Project id",
    "entity_id": "Entity",
    "practice": "Practice",
    "event_date": st.column_config.DateColumn("Event date", format="DD MMM YYYY"),
    "detail": "Detail",
    "amount_at_risk_reporting": money_column("Amount at risk", currency),
    "amount_at_risk": money_column("Amount at risk", currency),
    "exceptions": st.column_config.NumberColumn("Exceptions", format="%d"),
    "age_days": st.column_config.NumberColumn("Age (days)", format="%d"),
    "age_bucket": "Age (days)",
    "status": "Status",
    "first_seen_at": st.column_config.DatetimeColumn("First seen", format="DD MMM YYYY HH:mm"),
    "last_seen_at": st.column_config.DatetimeColumn("Last seen", format="DD MMM YYYY HH:mm"),
    "occurrences": st.column_config.NumberColumn("Runs seen", format="%d"),
    "resolved_at": st.column_config.DatetimeColumn("Resolved", format="DD MMM YYYY HH:mm"),
    "accepted_reason": "Accepted because",
}
UNPOSTED_CONFIG: ui.ColumnConfigs = {
    "time_entry_id": "Time entry",
    "project_id": "Project id",
    "employee_id": "Person id",
    "entity_id": "Entity",
    "practice": "Practice",
    "work_date": st.column_config.DateColumn("Work date", format="DD MMM YYYY"),
    "approved_date": st.column_config.DateColumn("Approved", format="DD MMM YYYY"),
    "hours": hours_column("Hours"),
    "entry_value_reporting": money_column("Value", currency),
    "value": money_column("Value", currency),
    "entries": st.column_config.NumberColumn("Entries", format="%d"),
    "days_since_approval": st.column_config.NumberColumn("Days since approval", format="%d"),
    "ageing_bucket": "Age (days)",
    "reason_code": "Why not posted",
    "owner": "Owner",
}
CLOSE_CONFIG: ui.ColumnConfigs = {
    "entity_id": "Entity",
    "month_start": st.column_config.DateColumn("Month", format="MMM YYYY"),
    "approved_time_value": money_column("Approved time", currency),
    "posted_time_value": money_column("Posted in ERP", currency),
    "posted_minus_approved": money_column("Posted - approved", currency),
    "invoiced_value": money_column("Invoiced", currency),
    "recognised_revenue": money_column("Recognised revenue", currency),
    "invoiced_minus_recognised": money_column("Invoiced - recognised", currency),
    "paid_value": money_column("Paid", currency),
    "open_exceptions": st.column_config.NumberColumn("Open exceptions", format="%d"),
    "open_exceptions_amount": money_column("Open exceptions amount", currency),
    "open_exceptions_over_90": st.column_config.NumberColumn("Open > 90 days", format="%d"),
    "period_closed_at": st.column_config.DatetimeColumn("Period closed", format="DD MMM YYYY"),
    "stale_sources": "Stale sources",
}


def tiles() -> None:
    head = recon.headline(filters)
    cols = st.columns(3)
    with cols[0], st.container(border=True):
        st.metric("Approved time not posted (overdue)", money(head["unposted_value"], currency))
        st.caption(f"{head['unposted_entries']:,.0f} time entries past their posting due date")
    with cols[1], st.container(border=True):
        st.metric("Open exceptions over 30 days", f"{head['old_exceptions']:,.0f}")
        st.caption(f"{money(head['old_exceptions_amount'], currency)} at risk")
    with cols[2], st.container(border=True):
        open_rows = recon.exceptions_by_type_and_age(filters, "open")
        st.metric("All open exceptions", f"{int(open_rows['exceptions'].sum()):,}")
        st.caption(f"{money(open_rows['amount_at_risk'].sum(), currency)} at risk")


def exceptions() -> None:
    st.subheader("Exceptions by type and age")
    status = st.segmented_control("Status", recon.STATUSES, default="open", key="recon-status") or "open"
    summary = recon.exceptions_by_type_and_age(filters, status)
    if summary.empty:
        ui.empty_state(f"no {status} exceptions for these filters")
        return
    totals = summary.groupby("exception_type")["amount_at_risk"].sum()
    order = [str(t) for t in totals.sort_values().index]
    figure = go.Figure()
    # older is darker: one hue from light to dark, readable on both themes
    colours = ["#9ecae1", "#4292c6", "#2171b5", "#08306b"]
    for bucket, colour in zip(recon.AGE_ORDER, colours, strict=True):
        part = summary[summary["age_bucket"] == bucket].set_index("exception_type").reindex(order)
        figure.add_bar(
            y=[chart_text(t) for t in order],
            x=part["amount_at_risk"].fillna(0),
            name=f"{bucket} days",
            orientation="h",
            marker_color=colour,
            customdata=part["exceptions"].fillna(0),
            hovertemplate="%{y}: %{x:,.0f} " + currency + " in %{customdata:,.0f} exception(s)<extra></extra>",
        )
    figure.update_layout(
        barmode="stack",
        xaxis_title=f"Amount at risk ({currency})",
        legend_title="Age",
        height=120 + 36 * len(order),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    charts.apply_theme(figure, ui.theme_is_dark())
    st.plotly_chart(figure, width="stretch")
    chosen = st.multiselect("Show the exceptions of", order[::-1], key="recon-types")
    rows = recon.exception_rows(filters, status, tuple(chosen))
    st.caption(f"{len(rows):,} {status} exception(s){' of the chosen types' if chosen else ''}, largest first.")
    ui.table_with_download(rows, f"{status} exceptions", EXCEPTION_CONFIG)


def unposted() -> None:
    st.subheader("Approved time not posted, by reason and owner")
    by_reason = recon.unposted_by_reason_and_owner(filters)
    if by_reason.empty:
        ui.empty_state("every approved entry past its due date has reached the ERP")
        return
    ui.table_with_download(by_reason, "unposted approved time by reason", UNPOSTED_CONFIG)
    reasons = st.multiselect("Show the entries of", by_reason["reason_code"].unique().tolist(), key="recon-reasons")
    rows = recon.unposted_rows(filters, tuple(reasons))
    ui.table_with_download(rows, "unposted approved time entries", UNPOSTED_CONFIG)


def close_control() -> None:
    st.subheader("Close control per entity and month")
    st.caption(
        "Control totals per system and their differences, open exceptions and the last sync of each source: "
        "the table a controller signs before closing a month. Practice filters do not apply here."
    )
    table = recon.close_control(filters)
    if table.empty:
        ui.empty_state("no months to control yet")
        return
    ui.table_with_download(table, "close control", CLOSE_CONFIG)


def trend() -> None:
    st.subheader("Open exceptions over runs")
    runs = recon.open_exceptions_over_runs(filters)
    if len(runs) < 2:
        ui.empty_state(f"a trend needs two transform runs; the exception state records {len(runs)}")
        return
    figure = go.Figure()
    figure.add_scatter(
        x=runs["run_at"],
        y=runs["amount_at_risk"],
        name=f"Money at risk ({currency})",
        mode="lines+markers",
        customdata=runs["open_exceptions"],
        hovertemplate="%{x|%d %b %Y %H:%M}: %{y:,.0f} " + currency + " in %{customdata:,.0f} open<extra></extra>",
    )
    figure.add_bar(x=runs["run_at"], y=runs["open_exceptions"], name="Open exceptions", yaxis="y2", opacity=0.4)
    figure.update_layout(
        yaxis={"title": f"Money at risk ({currency})"},
        yaxis2={"title": "Open exceptions", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    ui.chart_with_table(
        figure,
        runs,
        "open exceptions over runs",
        {
            "run_at": st.column_config.DatetimeColumn("Run", format="DD MMM YYYY HH:mm"),
            "open_exceptions": st.column_config.NumberColumn("Open exceptions", format="%d"),
            "amount_at_risk": money_column("Money at risk", currency),
        },
        caption="Counted from ops.exception_state at each run time it records (first and last sightings); "
        "money at risk is each exception's amount as last seen.",
    )


def sync_health() -> None:
    rows = recon.sync_health()
    if rows.empty:
        return
    st.subheader("Sources and input")
    st.warning(f"{len(rows):,} source or input problem(s): " + plain(", ".join(sorted(set(rows["exception_type"])))))
    ui.table_with_download(rows, "sync health", EXCEPTION_CONFIG)


for section in (tiles, exceptions, trend, unposted, close_control, sync_health):
    ui.guarded(section)
