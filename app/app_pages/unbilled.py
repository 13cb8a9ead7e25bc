"""Unbilled exposure: work done and not yet billed, by age, customer, project and entity; receivables and DSO."""

import plotly.graph_objects as go
import streamlit as st

from app import charts, data, drill_view, palette, ui
from app.formatting import days, hours_column, money, money_column

filters = ui.current_filters()
currency = ui.reporting_currency()

st.title("Unbilled exposure")

try:
    as_of = data.actuals_as_of()
    st.caption(f"As of **{as_of:%d %b %Y}**. Age = days from the work date to the as-of date.")
except data.DataUnavailable:
    pass

MEASURE_CONFIG: ui.ColumnConfigs = {m: money_column(label, currency) for m, label in charts.EXPOSURE_LABELS.items()}
MEASURE_CONFIG["total"] = money_column("Total", currency)
DETAIL_CONFIG: ui.ColumnConfigs = {
    **MEASURE_CONFIG,
    "project_id": "Project id",
    "project": "Project",
    "customer": "Customer",
    "bucket": "Age (days)",
    "time_entry_id": "Time entry",
    "employee_id": "Person id",
    "work_date": st.column_config.DateColumn("Work date", format="DD MMM YYYY"),
    "exposure_class": "Why it is exposure",
    "approval_status": "Approval",
    "hours": hours_column("Hours"),
    "value": money_column("Value", currency),
    "invoice_id": "Invoice",
    "invoice_date": st.column_config.DateColumn("Invoice date", format="DD MMM YYYY"),
    "due_date": st.column_config.DateColumn("Due date", format="DD MMM YYYY"),
    "days_past_due": st.column_config.NumberColumn("Days past due", format="%d"),
    "open_amount": money_column("Open amount", currency),
}
ENTRIES_NOTE = (
    "Billable time-and-materials entries not billed yet, valued at their bill rate in the project currency at the "
    "as-of month's rate, as the exposure is. Over a contract's cap the excess counts as at risk in the figures "
    "above; here each entry keeps its full value, so the classes can differ while the total agrees."
)


def rows_behind(projects: list[str], bucket: str | None, what: str) -> None:
    """The projects behind a selection, then the time entries behind their time-and-materials amounts."""
    rows = data.exposure_rows(filters, bucket=bucket, group="project_id", ids=tuple(projects) if projects else None)
    drill_view.detail_table(
        f"Projects behind {what}", rows, f"projects behind {what}", DETAIL_CONFIG, "total", currency
    )
    if rows.empty:
        return
    entries = data.unbilled_time_entries(filters, bucket=bucket, project_ids=tuple(rows["project_id"]))
    if not entries.empty:
        drill_view.detail_table(
            f"Time entries behind {what}",
            entries,
            f"time entries behind {what}",
            DETAIL_CONFIG,
            "value",
            currency,
            note=ENTRIES_NOTE,
        )


def tiles() -> None:
    buckets = data.unbilled_by(filters)
    cols = st.columns(4)
    with cols[0], st.container(border=True):
        st.metric("Unbilled exposure", money(buckets["total"].sum(), currency))
        st.caption(
            f"incl. contract asset {money(buckets['contract_asset'].sum(), currency)} (fixed fee, "
            "milestone, retainer: earned, not billed)"
        )
    for col, measure in zip(cols[1:], ("approved_unbilled", "pending_approval", "at_risk"), strict=True):
        with col, st.container(border=True):
            st.metric(charts.EXPOSURE_LABELS[measure], money(buckets[measure].sum(), currency))
            if measure == "at_risk":
                hours_no_rate = data.unbilled_hours_without_rate(filters)
                if hours_no_rate:
                    st.caption(
                        f"plus {hours_no_rate:,.0f} h of billable time with no bill rate (no value can be put on it)"
                    )
                    drill_view.drill_button("no_rate", "time entries")
    if drill_view.open_drill() == "no_rate":
        entries = data.unbilled_time_entries(filters, no_rate_only=True)
        drill_view.detail_table(
            "Billable time with no bill rate",
            entries.drop(columns=["value"]),
            "time with no bill rate",
            DETAIL_CONFIG,
            "hours",
            currency,
            note="Sum in hours: these entries have no value until a rate is set.",
        )


def by_age() -> None:
    st.subheader("By age")
    buckets = data.unbilled_by(filters)
    if buckets.empty or buckets["total"].sum() == 0:
        ui.empty_state("no unbilled time or contract asset for the chosen filters")
        return
    figure = charts.stacked_bars(buckets, "bucket", charts.EXPOSURE_LABELS, charts.EXPOSURE_COLORS, currency)
    chart_event, table_event = ui.chart_with_table(
        figure,
        buckets,
        "unbilled by age",
        {"bucket": "Age (days)", **MEASURE_CONFIG},
        caption="Click a bar (or tick a row of the table) for the projects and time entries behind it.",
        selectable=True,
    )
    chosen = drill_view.selected_categories(chart_event, "x")
    chosen += [buckets["bucket"].iloc[i] for i in drill_view.selected_rows(table_event)]
    for bucket in dict.fromkeys(chosen):
        rows_behind([], str(bucket), f"the exposure aged {bucket} days")


def by_group() -> None:
    st.subheader("By customer, project or entity")
    group = (
        st.segmented_control(
            "Group by",
            list(data.EXPOSURE_GROUPINGS),
            default="customer_id",
            format_func=lambda g: data.EXPOSURE_GROUPINGS[g],
            key="unbilled_group",
        )
        or "customer_id"
    )
    frame = data.unbilled_by(filters, group)
    frame = frame[frame["total"] != 0]
    if frame.empty:
        ui.empty_state("no unbilled amounts for the chosen filters")
        return
    top = frame.head(15)
    figure = charts.stacked_bars(
        top, "label", charts.EXPOSURE_LABELS, charts.EXPOSURE_COLORS, currency, horizontal=True
    )
    config: ui.ColumnConfigs = {
        "id": f"{data.EXPOSURE_GROUPINGS[group]} id",
        "label": data.EXPOSURE_GROUPINGS[group],
        **MEASURE_CONFIG,
    }
    if group == "project_id":
        frame = frame.assign(link=[drill_view.project_link(str(pid)) for pid in frame["id"]])
        config["link"] = st.column_config.LinkColumn("Project forecast", display_text="open in a new tab")
    largest = f"Chart: the 15 largest of {len(frame)}; the table lists all. " if len(frame) > 15 else ""
    chart_event, table_event = ui.chart_with_table(
        figure,
        frame,
        f"unbilled by {group}",
        config,
        caption=largest + "Click a bar (or tick rows of the table) for the rows behind it.",
        selectable=True,
    )
    id_of_label = dict(zip(charts.texts(top["label"]), top["id"], strict=True))
    chosen = [id_of_label[c] for c in drill_view.selected_categories(chart_event, "y") if c in id_of_label]
    chosen += [frame["id"].iloc[i] for i in drill_view.selected_rows(table_event)]
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        return
    names = dict(zip(frame["id"], frame["label"], strict=True))
    what = ", ".join(str(names.get(i, i)) for i in chosen[:3]) + (
        f" and {len(chosen) - 3} more" if len(chosen) > 3 else ""
    )
    if group == "project_id":
        rows_behind(chosen, None, what)
    else:
        projects = list(dict.fromkeys(data.exposure_rows(filters, group=group, ids=tuple(chosen))["project_id"]))
        if projects:
            rows_behind(projects, None, what)
        else:
            ui.empty_state("no project carries unbilled amounts for this selection")


def receivables() -> None:
    st.subheader("Receivables ageing")
    frame = data.receivables_ageing(filters)
    if frame.empty:
        ui.empty_state("no open invoices for the chosen filters")
        return
    st.metric("Open receivables", money(frame["open_amount"].sum(), currency))
    figure = go.Figure(
        go.Bar(
            x=charts.texts(frame["bucket"]),
            y=frame["open_amount"],
            marker_color=palette.GOOD,
            hovertemplate="%{y:,.0f}",
        )
    )
    charts._money_axis(figure, currency)
    figure.update_layout(xaxis={"title": "Days past due"})
    chart_event, table_event = ui.chart_with_table(
        charts._layout(figure, 320),
        frame,
        "receivables ageing",
        {"bucket": "Days past due", "open_amount": money_column("Open amount", currency), "invoices": "Invoices"},
        caption="Click a bar (or tick a row) for its invoices.",
        selectable=True,
    )
    chosen = drill_view.selected_categories(chart_event, "x")
    chosen += [frame["bucket"].iloc[i] for i in drill_view.selected_rows(table_event)]
    for bucket in dict.fromkeys(chosen):
        invoices = data.receivable_rows(filters, bucket=str(bucket))
        drill_view.detail_table(
            f"Open invoices, {bucket} days past due",
            invoices,
            f"invoices {bucket}",
            DETAIL_CONFIG,
            "open_amount",
            currency,
        )


def dso() -> None:
    st.subheader("DSO trend")
    frame, ignored = data.dso_trend(filters)
    if frame.empty:
        ui.empty_state("no DSO history in the warehouse")
        return
    latest = frame.iloc[-1]
    st.metric(
        "DSO, latest month", days(latest["dso"]), help="Receivables at month end / trailing 3-month billings × 91"
    )
    figure = go.Figure(
        go.Scatter(
            x=frame["month"],
            y=frame["dso"],
            mode="lines+markers",
            line={"color": palette.GOOD, "width": 3},
            hovertemplate="%{y:.0f} days",
        )
    )
    figure.update_layout(yaxis={"title": "Days"})
    ui.chart_with_table(
        charts._layout(figure, 320),
        frame,
        "dso trend",
        {
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "receivables": money_column("Receivables", currency),
            "dso": st.column_config.NumberColumn("DSO (days)", format="%.1f"),
        },
    )
    ui.ignored_filters_note(ignored)


ui.guarded(tiles)
ui.guarded(by_age)
ui.guarded(by_group)
left, right = st.columns(2)
with left:
    ui.guarded(receivables)
with right:
    ui.guarded(dso)
