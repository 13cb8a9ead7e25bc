"""Project: one project in one place. Who it is for, its financials and money at stake, its forecast, its
time against its plan, its invoices and its open exceptions. Every project link of the app opens it
(`?project=ID`, the filters kept for the other pages)."""

import streamlit as st

from app import charts, data, ui
from app.formatting import days, hours, hours_column, money, money_column, percent, plain

currency = ui.reporting_currency()
filters = ui.current_filters()

st.title("Project")

choices = data.project_choices()
if choices.empty:
    ui.empty_state("the warehouse has no projects")
    st.stop()
ids = list(choices["id"])
names = dict(zip(choices["id"], choices["label"], strict=True))
wanted = st.query_params.get("project")
if wanted and wanted not in names:
    st.warning(f"The warehouse has no project {plain(wanted)}: choose one below.")
project_id = st.selectbox(
    "Project",
    ids,
    index=ids.index(wanted) if wanted in names else 0,
    key="project_page_project",
    format_func=lambda i: names[i] if names[i].endswith(f"({i})") else f"{names[i]} ({i})",
)
if wanted != project_id:  # the address bar names the project shown, for a copied link
    st.query_params["project"] = project_id

facts = data.project_facts(project_id)
parts = [
    f"customer {plain(facts['customer'])}" if facts.get("customer") else None,
    f"legal entity {plain(facts['entity'])}" if facts.get("entity") else None,
    plain(facts["practice"]) if facts.get("practice") else None,
    plain(str(facts["billing_type"]).replace("_", " ")) if facts.get("billing_type") else None,
    plain(facts["status"]) if facts.get("status") else None,
]
st.caption(" · ".join(p for p in parts if p) + f" · amounts in {plain(currency)}")


def figures() -> None:
    fin = data.project_financials(project_id)
    exposure = data.project_exposure(project_id)
    columns = st.columns(4)
    columns[0].metric("Contract value", money(fin.get("contract_value"), currency))
    columns[1].metric("Earned to date", money(fin.get("earned_to_date"), currency))
    columns[2].metric("Billed to date", money(fin.get("billed_to_date"), currency))
    columns[3].metric("Percent complete", percent(fin.get("percent_complete")))
    columns = st.columns(4)
    columns[0].metric("Estimate at completion", money(fin.get("eac"), currency))
    margin = fin.get("margin_at_completion")
    columns[1].metric(
        "Margin at completion",
        money(margin, currency),
        help="Expected revenue at completion less the estimated cost at completion.",
    )
    if fin.get("is_loss_contract"):
        columns[1].caption("Loss contract: the expected loss is provided for.")
    columns[2].metric(
        "Unbilled exposure",
        money(exposure.get("unbilled"), currency),
        help="Approved unbilled time, time pending approval and contract asset.",
    )
    columns[3].metric("Money at stake", money(exposure.get("money_at_stake"), currency))
    if exposure.get("risk_rank"):
        columns[3].caption(f"Rank {int(exposure['risk_rank'])} among the firm's projects")
    if fin.get("remaining_planned_hours") is not None:
        st.caption(f"Remaining planned hours: {hours(fin.get('remaining_planned_hours'))}")


def forecast() -> None:
    st.subheader("Forecast")
    if not filters.run_id:
        ui.empty_state("the warehouse has no forecast run yet")
        return
    detail = data.project_forecast(filters.run_id, project_id)
    if detail.empty:
        ui.empty_state("the forecast run has no rows for this project (closed, or no plan and no pipeline)")
        return
    ui.chart_with_table(
        charts.fan_chart(detail[["month", "component", "mean"]], None, currency),
        detail,
        f"project {project_id} forecast",
        {
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "component": "Component",
            **{c: money_column(c, currency) for c in ("mean", "p10", "p50", "p90")},
        },
        caption=f"Forecast run {plain(filters.run_id)}: expected revenue by component and month.",
    )


def time_and_plan() -> None:
    st.subheader("Time against plan")
    frame = data.project_time_and_plan(project_id)
    if frame.empty:
        ui.empty_state("the project has no time entries and no planned hours")
        return
    config: ui.ColumnConfigs = {"month": st.column_config.DateColumn("Month", format="MMM YYYY")}
    for column in frame.columns:
        if column.endswith("_hours"):
            config[column] = hours_column(column.removesuffix("_hours").replace("_", " ").capitalize() + " hours")
    config["bill_value"] = money_column("Bill value", currency)
    ui.chart_with_table(
        charts.hours_against_plan(frame),
        frame,
        f"project {project_id} time against plan",
        config,
        caption="Hours worked by approval status each month; the line is the current resource plan.",
    )


def invoices() -> None:
    st.subheader("Invoices")
    frame = data.project_invoices(project_id)
    if frame.empty:
        ui.empty_state("no invoice of this project as of the as-of date")
        return
    open_total = float(frame["open_amount"].sum()) if "open_amount" in frame else 0.0
    overdue = frame[frame["days_past_due"] > 90] if "days_past_due" in frame else frame.iloc[0:0]
    st.caption(
        f"{len(frame)} invoices · open {money(open_total, currency)}"
        + (f" · {len(overdue)} more than 90 days past due" if len(overdue) else "")
    )
    ui.table_with_download(
        frame,
        f"project {project_id} invoices",
        {
            "invoice_id": "Invoice",
            "invoice_date": st.column_config.DateColumn("Invoice date"),
            "due_date": st.column_config.DateColumn("Due date"),
            "status": "Status",
            "invoice_amount": money_column("Amount", currency),
            "open_amount": money_column("Open", currency),
            "days_past_due": st.column_config.NumberColumn("Days past due", format="%d"),
        },
    )


def exceptions() -> None:
    st.subheader("Reconciliation exceptions")
    if not data.has_table("exceptions"):
        ui.empty_state("the warehouse has no reconciliation exceptions (no ERP view of this firm)")
        return
    frame = data.project_exceptions(project_id)
    if frame.empty:
        st.caption("No open or accepted exception on this project.")
        return
    st.caption(
        f"{int((frame['status'] == 'open').sum())} open · at risk "
        f"{money(frame.loc[frame['status'] == 'open', 'amount_at_risk'].sum(), currency)}"
        f" · oldest {days(frame['age_days'].max())}"
    )
    ui.table_with_download(
        frame,
        f"project {project_id} exceptions",
        {
            "exception_id": "Exception",
            "exception_type": "Type",
            "status": "Status",
            "amount_at_risk": money_column("At risk", currency),
            "age_days": st.column_config.NumberColumn("Age (days)", format="%d"),
            "owner": "Owner",
            "detail": "Detail",
        },
    )


ui.guarded(figures)
ui.guarded(forecast)
ui.guarded(time_and_plan)
ui.guarded(invoices)
ui.guarded(exceptions)
