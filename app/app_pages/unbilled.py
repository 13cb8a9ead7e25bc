"""Unbilled exposure: work done and not yet billed, by age, customer, project and entity; receivables and DSO."""

from urllib.parse import quote

import plotly.graph_objects as go
import streamlit as st

from app import charts, data, ui
from app.formatting import days, money, money_column

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


def by_age() -> None:
    st.subheader("By age")
    buckets = data.unbilled_by(filters)
    if buckets.empty or buckets["total"].sum() == 0:
        ui.empty_state("no unbilled time or contract asset for the chosen filters")
        return
    figure = charts.stacked_bars(buckets, "bucket", charts.EXPOSURE_LABELS, charts.EXPOSURE_COLORS, currency)
    ui.chart_with_table(figure, buckets, "unbilled by age", {"bucket": "Age (days)", **MEASURE_CONFIG})


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
        frame = frame.assign(link=[f"forecast?project={quote(str(pid), safe='')}" for pid in frame["id"]])
        config["link"] = st.column_config.LinkColumn("Project forecast", display_text="open")
    ui.chart_with_table(
        figure,
        frame,
        f"unbilled by {group}",
        config,
        caption=f"Chart: the 15 largest of {len(frame)}; the table lists all." if len(frame) > 15 else None,
    )


def receivables() -> None:
    st.subheader("Receivables ageing")
    frame = data.receivables_ageing(filters)
    if frame.empty:
        ui.empty_state("no open invoices for the chosen filters")
        return
    st.metric("Open receivables", money(frame["open_amount"].sum(), currency))
    figure = go.Figure(
        go.Bar(
            x=charts.texts(frame["bucket"]), y=frame["open_amount"], marker_color="#2f6fb5", hovertemplate="%{y:,.0f}"
        )
    )
    charts._money_axis(figure, currency)
    figure.update_layout(xaxis={"title": "Days past due"})
    ui.chart_with_table(
        charts._layout(figure, 320),
        frame,
        "receivables ageing",
        {"bucket": "Days past due", "open_amount": money_column("Open amount", currency), "invoices": "Invoices"},
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
            line={"color": "#1f3b73"},
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
