"""Utilization: actual and planned billable utilization by practice and week, capacity versus demand, bench."""

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from app import charts, data, palette, ui
from app.formatting import chart_text, hours, hours_column, percent, percent_column, points

filters = ui.current_filters()

st.title("Utilization")

try:
    as_of = data.actuals_as_of()
except data.DataUnavailable as exc:
    ui.empty_state(f"{exc}. Build the warehouse with `make build`")
    st.stop()

past_start, past_end = data.last_complete_weeks(as_of, 12)
next_start = (
    past_end + dt.timedelta(days=7)
    if as_of.weekday() == 6
    else as_of - dt.timedelta(days=as_of.weekday()) + dt.timedelta(days=7)
)
next_end = next_start + dt.timedelta(days=7 * 11)
st.caption(
    f"Actual: the 12 complete weeks to {past_end + dt.timedelta(days=6):%d %b %Y}. Planned: the 12 weeks from "
    f"{next_start:%d %b %Y}. Utilization = billable hours / capacity hours (holidays and employment dates "
    "taken out of capacity)."
)

CONFIG: ui.ColumnConfigs = {
    "week": st.column_config.DateColumn("Week starting", format="DD MMM YYYY"),
    "practice": "Practice",
    "capacity": hours_column("Capacity"),
    "billable": hours_column("Billable"),
    "planned": hours_column("Planned"),
    "bench": hours_column("Bench"),
    "unassigned": hours_column("Bench (unassigned)"),
    "utilization": percent_column("Billable utilization"),
    "planned_utilization": percent_column("Planned utilization"),
}


def tiles() -> None:
    recent_start, recent_end = data.last_complete_weeks(as_of, 4)
    recent, _ = data.utilization_summary(filters, recent_start, recent_end)
    future, _ = data.utilization_by_practice_week(filters, next_start, next_end)
    capacity, planned = future["capacity"].sum(), future["planned"].sum()
    cols = st.columns(4)
    with cols[0], st.container(border=True):
        delta = (
            points(recent["utilization"] - recent["target"]) + " vs target"
            if recent["utilization"] is not None and recent["target"] is not None
            else None
        )
        st.metric("Billable utilization, last 4 weeks", percent(recent["utilization"]), delta=delta)
    with cols[1], st.container(border=True):
        st.metric("Planned utilization, next 12 weeks", percent(planned / capacity if capacity else None))
    with cols[2], st.container(border=True):
        st.metric(
            "Bench hours, next 12 weeks",
            hours(future["unassigned"].sum()),
            help="Capacity not covered by any assignment, summed person by person and week by week.",
        )
    with cols[3], st.container(border=True):
        st.metric("Planned hours, next 12 weeks", hours(planned), help="Demand from assignments.")
        st.caption(f"of {hours(capacity)} capacity")


def heatmap(title: str, start: dt.date, end: dt.date, measure: str, columns: list[str], empty: str) -> None:
    st.subheader(title)
    frame, _ = data.utilization_by_practice_week(filters, start, end)
    if frame.empty:
        ui.empty_state(empty)
        return
    figure = charts.heatmap(frame, "week", "practice", measure, targets=data.practice_targets(frame))
    ui.chart_with_table(
        figure, frame[["week", "practice", *columns, measure]], f"{title.lower()} by practice and week", CONFIG
    )


def heatmaps() -> None:
    """Full width, one above the other: twelve weeks of cells each need the room to show their values."""
    heatmap(
        "Actual billable utilization",
        past_start,
        past_end,
        "utilization",
        ["capacity", "billable"],
        "no time recorded in the last 12 weeks for the chosen filters",
    )
    heatmap(
        "Planned billable utilization",
        next_start,
        next_end,
        "planned_utilization",
        ["capacity", "planned"],
        "no capacity or plan in the next 12 weeks for the chosen filters",
    )


def capacity_demand() -> None:
    st.subheader("Capacity versus demand, next 12 weeks")
    future, _ = data.utilization_by_practice_week(filters, next_start, next_end)
    if future.empty:
        ui.empty_state("no capacity or plan in the next 12 weeks for the chosen filters")
        return
    weekly = future.groupby("week")[["capacity", "planned", "unassigned"]].sum().reset_index()
    ui.chart_with_table(charts.capacity_vs_demand(weekly), weekly, "capacity vs demand", CONFIG)


def bench() -> None:
    st.subheader("Bench hours by practice, next 12 weeks")
    st.caption("Capacity no assignment covers yet.")
    future, _ = data.utilization_by_practice_week(filters, next_start, next_end)
    if future.empty:
        ui.empty_state("no capacity in the next 12 weeks for the chosen filters")
        return
    figure = go.Figure()
    for index, (practice, part) in enumerate(future.groupby("practice", sort=True)):
        figure.add_bar(
            x=part["week"],
            y=part["unassigned"],
            name=chart_text(practice),
            marker_color=palette.SERIES[index % len(palette.SERIES)],
            hovertemplate="%{y:,.0f} h",
        )
    figure.update_layout(barmode="stack", yaxis={"title": "Hours", "tickformat": ",.0f"})
    ui.chart_with_table(
        charts._layout(figure), future[["week", "practice", "capacity", "planned", "unassigned"]], "bench hours", CONFIG
    )


ui.guarded(tiles)
ui.guarded(heatmaps)
left, right = st.columns(2)
with left:
    ui.guarded(capacity_demand)
with right:
    ui.guarded(bench)
