"""Variance: actual earned revenue against the forecast made 1, 3 or 6 months earlier, and against target."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import charts, data, drill_view, palette, ui
from app.formatting import money, money_column, plain

filters = ui.current_filters()
currency = ui.reporting_currency()

st.title("Variance")

try:
    as_of = data.actuals_as_of()
except data.DataUnavailable as exc:
    ui.empty_state(f"{exc}. Build the warehouse with `make build`")
    st.stop()

months_before = st.segmented_control(
    "Compare actuals with the forecast made",
    [1, 3, 6],
    default=3,
    key="variance_months",
    format_func=lambda m: f"{m} month{'s' if m > 1 else ''} before",
)
months_before = months_before or 3

if not data.has_table("runs"):
    ui.empty_state("the warehouse has no forecast runs yet. Run `wipcast forecast` or `wipcast backtest`")
    st.stop()
early = data.earlier_run(as_of, months_before)
if early is None:
    ui.empty_state(
        f"no forecast was made {months_before} months or more before {as_of:%d %b %Y}. "
        "`wipcast backtest --from YYYY-MM --to YYYY-MM` fills the forecast history"
    )
    st.stop()
early_as_of = pd.Timestamp(early["as_of_date"]).date()
window = data.variance_window(early_as_of, as_of)
if window is None:
    ui.empty_state(f"no month has closed since the forecast made on {early_as_of:%d %b %Y}")
    st.stop()
start, end = window

# Actuals restated with everything known today, or each month as reported at its own close (the
# history mart); without that mart only the restated figures exist.
bases = [data.RESTATED, data.AS_REPORTED] if data.has_table("revenue_monthly_history") else [data.RESTATED]
basis = (
    st.segmented_control(
        "Actuals", bases, default=data.RESTATED, key="variance_basis", format_func=lambda b: data.BASES[b]
    )
    or data.RESTATED
)
missing_closes = data.months_without_close_report(start, end) if basis == data.AS_REPORTED else []
st.caption(
    f"Actual earned revenue ({start:%b %Y}–{end:%b %Y}, **{data.BASES[basis].lower()}**, data as of "
    f"{as_of:%d %b %Y}) versus the forecast run **{plain(early['run_id'])}** made with data as of "
    f"**{early_as_of:%d %b %Y}**."
)
if missing_closes:
    st.warning(
        f"{len(missing_closes)} month(s) have no close report ({', '.join(f'{m:%b %Y}' for m in missing_closes)}): "
        "their actuals show as 0. `wipcast transform` keeps the last 24 closes; older ones need "
        "`--vars` history_as_of_dates."
    )

result = data.variance(filters, early["run_id"], start, end, basis)
by_month = result["by_month"]
actual, forecast = by_month["actual"].sum(), by_month["forecast"].sum()


def tiles() -> None:
    target_frame, ignored = data.target_monthly(filters, start, end)
    target = None if ignored or target_frame.empty else float(target_frame["target"].sum())
    cols = st.columns(4)
    with cols[0], st.container(border=True):
        st.metric("Actual earned revenue", money(actual, currency))
    with cols[1], st.container(border=True):
        st.metric(f"Forecast made {early_as_of:%d %b %Y}", money(forecast, currency))
    with cols[2], st.container(border=True):
        st.metric(
            "Variance to forecast",
            money(actual - forecast, currency),
            delta=f"{(actual - forecast) / forecast:+.1%}" if forecast else None,
        )
    with cols[3], st.container(border=True):
        st.metric(
            "Variance to target",
            money(actual - target, currency) if target is not None else "—",
            delta=f"{(actual - target) / target:+.1%}" if target else None,
        )
        if target is None:
            st.caption("Targets are set by practice and region only." if ignored else "No target for these months.")


def monthly() -> None:
    st.subheader("By month")
    target_frame, ignored = data.target_monthly(filters, start, end)
    target_frame["month"] = pd.to_datetime(target_frame["month"]).astype("datetime64[ns]")
    frame = by_month.merge(target_frame, on="month", how="left") if not ignored else by_month.assign(target=None)
    figure = charts.actual_vs_lines(
        frame, "month", {"actual": "Actual", "forecast": "Forecast", "target": "Target"}, currency, bars="actual"
    )
    ui.chart_with_table(
        figure,
        frame,
        "variance by month",
        {
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            **{c: money_column(c.title(), currency) for c in ("actual", "forecast", "variance", "target")},
        },
    )
    ui.ignored_filters_note(ignored)


def practice() -> None:
    st.subheader("By practice")
    frame = result["by_practice"]
    if frame.empty:
        ui.empty_state("no revenue or forecast in this window for the chosen filters")
        return
    figure = go.Figure()
    practices = charts.texts(frame["practice"])
    figure.add_bar(
        x=practices, y=frame["forecast"], name="Forecast", marker={"color": "#56b4e9", "pattern": {"shape": "/"}}
    )
    figure.add_bar(x=practices, y=frame["actual"], name="Actual", marker_color=palette.GOOD)
    figure.update_layout(barmode="group")
    charts._money_axis(figure, currency)
    ui.chart_with_table(
        charts._layout(figure),
        frame,
        "variance by practice",
        {"practice": "Practice", **{c: money_column(c.title(), currency) for c in ("actual", "forecast", "variance")}},
    )


def bridge() -> None:
    st.subheader("Bridge from forecast to actual")
    frame = result["by_component"]
    steps = [
        (charts.COMPONENT_LABELS[component], float(variance))
        for component, variance in zip(frame["component"], frame["variance"], strict=True)
    ]
    figure = charts.bridge("Forecast", forecast, steps, "Actual", actual, currency)
    table = frame.assign(component=frame["component"].map(charts.COMPONENT_LABELS))
    ui.chart_with_table(
        figure,
        table,
        "variance bridge",
        {
            "component": "Component",
            **{c: money_column(c.title(), currency) for c in ("actual", "forecast", "variance")},
        },
        caption="Actual revenue of a project the earlier forecast had as booked work counts in that component; "
        "of a project won from a forecast opportunity, as pipeline; anything else as unplanned.",
    )


def projects() -> None:
    st.subheader("Projects with the largest variances")
    frame = result["by_project"]
    if frame.empty:
        ui.empty_state("no project-level revenue or forecast in this window")
        return
    frame = frame.assign(link=[drill_view.project_link(str(pid)) for pid in frame["id"]])
    event = ui.table_with_download(
        frame,
        "largest project variances",
        {
            "id": "Project id",
            "label": "Project",
            **{c: money_column(c.title(), currency) for c in ("actual", "forecast", "variance")},
            "link": st.column_config.LinkColumn("Forecast", display_text="open in a new tab"),
        },
        selectable=True,
    )
    st.caption("Tick a row to open that project on the Forecast page (filters kept).")
    rows = drill_view.selected_rows(event)
    if rows:
        drill_view.open_project(str(frame["id"].iloc[rows[0]]), "variance-projects")


ui.guarded(tiles)
left, right = st.columns(2)
with left:
    ui.guarded(monthly)
with right:
    ui.guarded(practice)
ui.guarded(bridge)
ui.guarded(projects)
