"""Forecast: the monthly fan chart by component, the same by practice / region / customer, and a project drill-down."""

import pandas as pd
import streamlit as st

from app import charts, data, drill_view, ui
from app.formatting import hours, money, money_column, percent, plain

MAX_LINES = 7  # lines with a colour and dash of their own; the rest are summed into an eighth
filters = ui.current_filters()
currency = ui.reporting_currency()

st.title("Forecast")

if not filters.run_id:
    ui.empty_state("the warehouse has no forecast run yet. Run `wipcast forecast` (or `make build`) to make one")
    st.stop()
run_id = filters.run_id

run_as_of = data.run_as_of(run_id)
st.caption(
    f"Forecast run **{plain(run_id)}**, made with data as of **{run_as_of:%d %b %Y}**. "
    "Bars: expected revenue by component; band and line: p10-p90 and p50 of the simulated totals."
)


def headline() -> None:
    components, ignored = data.forecast_by_component(filters, run_id)
    future = components[components["component"] != "actual"]
    if future.empty:
        ui.empty_state("this run has no forecast months for the chosen filters")
        return
    first, last = future["month"].min(), future["month"].max()
    by_component = future.groupby("component")["mean"].sum()
    booked = sum(
        by_component.get(c, 0.0) for c in ("booked_time_and_materials", "booked_fixed_fee", "milestone", "retainer")
    )
    columns = st.columns(4)
    with columns[0], st.container(border=True):
        try:
            q = data.forecast_quantiles(filters, run_id, start=first, end=last, per_month=False)
            st.metric(
                f"Revenue {pd.Timestamp(first):%b %Y}–{pd.Timestamp(last):%b %Y} (p50)",
                money(q["p50"].iloc[0], currency),
            )
            st.caption(f"80% range {money(q['p10'].iloc[0], currency)} – {money(q['p90'].iloc[0], currency)}")
        except data.DataUnavailable as exc:
            st.metric(
                f"Revenue {pd.Timestamp(first):%b %Y}–{pd.Timestamp(last):%b %Y} (mean)",
                money(future["mean"].sum(), currency),
            )
            st.caption(f"Range not available: {exc}.")
    with columns[1], st.container(border=True):
        st.metric("Booked work", money(booked, currency), help="T&M, fixed fee, milestones and retainers")
        st.caption(f"{percent(booked / future['mean'].sum()) if future['mean'].sum() else '—'} of the forecast")
    with columns[2], st.container(border=True):
        st.metric("Pipeline (weighted)", money(by_component.get("pipeline", 0.0), currency))
    with columns[3], st.container(border=True):
        st.metric("Unplanned (run-rate)", money(by_component.get("unplanned", 0.0), currency))
    ui.ignored_filters_note(ignored)


def fan() -> None:
    st.subheader("Monthly revenue forecast")
    components, _ = data.forecast_by_component(filters, run_id)
    if components.empty:
        ui.empty_state("this run has no rows for the chosen filters")
        return
    note = None
    try:
        quantiles = data.forecast_quantiles(filters, run_id)
    except data.DataUnavailable as exc:
        quantiles, note = None, f"No p10-p90 band: {exc}."
    figure = charts.fan_chart(components, quantiles, currency)
    table = components.pivot_table(index="month", columns="component", values="mean", aggfunc="sum").reset_index()
    table = table[["month"] + [c for c in charts.COMPONENT_LABELS if c in table.columns]]
    if quantiles is not None:
        table = table.merge(quantiles[["month", "p10", "p50", "p90"]], on="month", how="left")
    config = {
        "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
        **{c: money_column(label, currency) for c, label in charts.COMPONENT_LABELS.items()},
        **{q: money_column(q, currency) for q in ("p10", "p50", "p90")},
    }
    hint = "Click a bar (or tick a month in the table) for the forecast rows behind it."
    chart_event, table_event = ui.chart_with_table(
        figure, table, "forecast by month", config, caption=f"{note} {hint}" if note else hint, selectable=True
    )
    drawn = [c for c in charts.COMPONENT_COLORS if c in set(components["component"])]  # the bar traces, in order
    picks: list[tuple[pd.Timestamp, str | None]] = []
    for point in (chart_event or {}).get("selection", {}).get("points", []):
        curve = point.get("curve_number")
        if isinstance(curve, int) and curve < len(drawn) and "x" in point:
            picks.append((pd.Timestamp(point["x"]), drawn[curve]))
    picks += [(pd.Timestamp(table["month"].iloc[i]), None) for i in drill_view.selected_rows(table_event)]
    for month, component in dict.fromkeys(picks):
        rows = data.forecast_rows(filters, run_id, month.date(), component)
        what = charts.COMPONENT_LABELS.get(component, "all components") if component else "all components"
        drill_view.detail_table(
            f"Forecast rows, {month:%b %Y}, {what}",
            rows,
            f"forecast rows {month:%Y-%m} {component or 'all'}",
            {
                "component": "Component",
                "project_id": "Project id",
                "project": "Project",
                "opportunity_id": "Opportunity",
                "practice": "Practice",
                "mean": money_column("Expected revenue", currency),
            },
            "mean",
            currency,
            note="Run-rate (unplanned) lines and pipeline have no project: they show their practice.",
        )


def by_group() -> None:
    st.subheader("By practice, region, customer or entity")
    group = st.segmented_control(
        "Group by",
        list(data.FORECAST_GROUPINGS),
        key="forecast_group",
        format_func=lambda g: data.FORECAST_GROUPINGS[g],
        default="practice",
    )
    group = group or "practice"
    frame = data.forecast_by_group(filters, run_id, group)
    if frame.empty:
        ui.empty_state("this run has no rows for the chosen filters")
        return
    label = data.FORECAST_GROUPINGS[group]
    frame = frame.rename(columns={"grp": label})
    unattributed = frame[frame[label] == data.NO_GROUP]
    frame = frame[frame[label] != data.NO_GROUP]
    if not unattributed.empty:
        st.caption(
            f"{money(unattributed['mean'].sum(), currency)} of the forecast (run-rate work and pipeline not yet "
            f"tied to a {label.lower()}) has no {label.lower()} and is left out here."
        )
    # A line per group stays readable up to about ten: the rest are summed into one line (the table has all).
    totals = frame.groupby(label)["mean"].sum().sort_values(ascending=False)
    rank = {name: i for i, name in enumerate(totals.index)}
    charted = frame.sort_values(label, key=lambda s: s.map(rank), kind="stable")  # largest first
    if len(totals) > MAX_LINES:
        others = ~frame[label].isin(totals.index[:MAX_LINES])
        charted = pd.concat(
            [
                charted[~charted[label].isin(frame.loc[others, label])],
                frame[others]
                .groupby("month", as_index=False)["mean"]
                .sum()
                .assign(**{label: f"All other {len(totals) - MAX_LINES}"}),
            ]
        )
    figure = charts.grouped_lines(charted, "month", "mean", label, currency)
    table = frame.pivot_table(index=label, columns="month", values="mean", aggfunc="sum")
    table.columns = [pd.Timestamp(c).strftime("%b %Y") for c in table.columns]
    table = table.reset_index()
    table.insert(1, "Total", table.iloc[:, 1:].sum(axis=1))
    config = {c: money_column(c, currency) for c in table.columns if c != label}
    ui.chart_with_table(figure, table, f"forecast by {group}", config)


def pick_delivery_factor(factors: pd.DataFrame, practice: object) -> tuple[str | None, float | None]:
    """The factor closest to this project: its practice at the shortest horizon, else the firm's, else the mean."""
    if factors.empty:
        return None, None
    names = list(factors["name"])
    for wanted in (f"practice.{practice}.h1", "firm.h1"):
        for name in names:
            if str(name).endswith(wanted):
                return str(name), float(factors.loc[factors["name"] == name, "value"].iloc[0])
    return None, float(factors["value"].mean())


def with_id(label: object, project_id: str) -> str:
    """'Name (id)' once: a name shared by two projects already carries its id."""
    text = str(label)
    return text if text.endswith(f"({project_id})") else f"{text} ({project_id})"


def drill() -> None:
    st.subheader("A project's forecast and its inputs", anchor="project")
    projects = data.forecast_projects(filters, run_id)
    if projects.empty:
        ui.empty_state("no project-level forecast rows for the chosen filters")
        return
    ids = list(projects["id"])
    names = dict(zip(projects["id"], projects["label"], strict=True))
    wanted = st.query_params.get("project")
    index = ids.index(wanted) if wanted in ids else 0
    project_id = st.selectbox(
        "Project", ids, index=index, key="forecast_project", format_func=lambda i: with_id(names.get(i, i), i)
    )
    if wanted and wanted != project_id:  # the address bar names the project shown, for a copied link
        st.query_params["project"] = project_id
    inputs = data.project_inputs(project_id)
    rate = data.project_bill_rate(project_id)
    factors = data.model_factors(run_id, "delivery") if data.has_table("diagnostics") else pd.DataFrame()
    cols = st.columns(4)
    cols[0].metric("Remaining planned hours", hours(inputs.get("remaining_planned_hours")))
    cols[1].metric(
        "Average bill rate",
        money(rate, currency, 2) if rate is not None else "—",
        help="Billable value / billable hours of the project's time entries, reporting currency.",
    )
    factor_name, factor = pick_delivery_factor(factors, inputs.get("practice"))
    cols[2].metric(
        "Delivery factor (learned)",
        f"{factor:.2f}" if factor is not None else "—",
        help="Hours later worked per hour planned, learned from past plans"
        + (f" ({plain(factor_name)})" if factor_name else "")
        + ". All of the run's factors are listed below.",
    )
    cols[3].metric("Percent complete", percent(inputs.get("percent_complete")))
    detail = data.project_forecast(run_id, project_id)
    if detail.empty:
        ui.empty_state("the forecast has no rows for this project")
        return
    figure = charts.fan_chart(detail[["month", "component", "mean"]], None, currency)
    ui.chart_with_table(
        figure,
        detail,
        f"project {project_id} forecast",
        {
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            **{c: money_column(c, currency) for c in ("mean", "p10", "p50", "p90")},
        },
    )
    facts = [plain(str(inputs[k]).replace("_", " ")) for k in ("practice", "billing_type", "status") if inputs.get(k)]
    if facts:
        st.caption(f"{plain(inputs.get('project_name', project_id))}: " + " · ".join(facts))
    if not factors.empty:
        with st.expander("Learned delivery factors of this run"):
            ui.table_with_download(factors, f"delivery factors {run_id}")


if st.query_params.get("project"):  # opened for one project (a risk, a bar): it comes first
    ui.guarded(drill)
    ui.guarded(headline)
    ui.guarded(fan)
    ui.guarded(by_group)
else:
    ui.guarded(headline)
    ui.guarded(fan)
    ui.guarded(by_group)
    ui.guarded(drill)
