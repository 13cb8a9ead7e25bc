"""The allow-list of what the dashboard may read: logical table -> (schema, table, logical column ->
candidate physical names or expressions over them, first present wins). Names come from the marts'
enforced dbt contracts; a query never takes an identifier from anywhere else (app/queries/tables.py
resolves them against the published file)."""

from __future__ import annotations

TABLES: dict[str, tuple[str, str, dict[str, tuple[str, ...]]]] = {
    "as_of": (
        "marts",
        "dim_as_of",
        {
            "as_of_date": ("as_of_date",),
        },
    ),
    "dim_entity": (
        "marts",
        "dim_entity",
        {
            "entity_id": ("entity_id",),
            "entity_name": ("entity_name",),
        },
    ),
    "dim_customer": (
        "marts",
        "dim_customer",
        {
            "customer_id": ("customer_id",),
            "customer_name": ("customer_name",),
            "region": ("region",),
        },
    ),
    "dim_project": (
        "marts",
        "dim_project",
        {
            "project_id": ("project_id",),
            "project_name": ("project_name",),
            "customer_id": ("customer_id",),
            "entity_id": ("entity_id",),
            "practice": ("practice",),
            "billing_type": ("billing_type",),
            "status": ("status",),
            "opportunity_id": ("opportunity_id",),
            "end_date": ("end_date",),
            "contract_value": ("contract_value",),  # in the project currency: the T&M cap
        },
    ),
    "dim_employee": (
        "marts",
        "dim_employee",
        {
            "employee_id": ("employee_id",),
            "employee_name": ("employee_name",),
            "practice": ("practice",),
            "region": ("region",),
            "entity_id": ("entity_id",),
        },
    ),
    "revenue_monthly": (
        "marts",
        "mart_revenue_monthly",
        {
            "project_id": ("project_id",),
            "month": ("month_start",),
            "earned": ("earned_revenue_reporting",),
            "cost": ("cost_reporting",),
            # margin = earned - cost - loss provision change; without the column, earned - cost.
            "margin": ("margin_reporting", "{earned_revenue_reporting} - {cost_reporting}"),
            "billed": ("billed_reporting",),
            "reporting_currency": ("reporting_currency",),
        },
    ),
    # The same figures "as reported at close": one row per as-of date, project and month.
    "revenue_monthly_history": (
        "marts",
        "mart_revenue_monthly_history",
        {
            "as_of_date": ("as_of_date",),
            "project_id": ("project_id",),
            "month": ("month_start",),
            "earned": ("earned_revenue_reporting",),
        },
    ),
    "revenue_vs_target": (
        "marts",
        "mart_revenue_vs_target",
        {
            "practice": ("practice",),
            "region": ("region",),
            "month": ("month_start",),
            "target": ("target_amount",),
            "earned": ("earned_revenue",),  # reporting currency, by the project's practice and customer's region
        },
    ),
    "project_financials": (
        "marts",
        "mart_project_financials",
        {
            "project_id": ("project_id",),
            "as_of_date": ("as_of_date",),
            "contract_value": ("contract_value_reporting",),
            "remaining_planned_hours": ("remaining_planned_hours",),
            "eac": ("estimate_at_completion_reporting",),
            "percent_complete": ("percent_complete",),
            "earned_to_date": ("earned_to_date_reporting",),
            "billed_to_date": ("billed_to_date_reporting",),
            "margin_at_completion": ("margin_at_completion_reporting",),
            "is_loss_contract": ("is_loss_contract",),
            "is_over_budget": ("is_over_budget",),
            # The mart keeps overdue milestones in the project currency with the as-of month's rate alongside.
            "overdue_milestone_amount": ("{overdue_milestone_amount} * {fx_rate_to_reporting}",),
        },
    ),
    "unbilled": (
        "marts",
        "mart_unbilled_exposure",
        {
            "project_id": ("project_id",),
            "as_of_date": ("as_of_date",),
            "bucket": ("ageing_bucket",),
            # The mart keeps these in the project currency with the as-of month's rate alongside.
            "approved_unbilled": ("{approved_unbilled_value} * {fx_rate_to_reporting}",),
            "pending_approval": ("{pending_approval_value} * {fx_rate_to_reporting}",),
            "at_risk": (
                "(coalesce({at_risk_after_close_value}, 0) + coalesce({over_cap_value}, 0)) * {fx_rate_to_reporting}",
            ),
            "contract_asset": ("{contract_asset} * {fx_rate_to_reporting}",),
            "fx_rate": ("fx_rate_to_reporting",),
            "at_risk_hours_no_rate": ("at_risk_missing_rate_hours",),
        },
    ),
    # Money at stake per project, ranked (the Overview's largest risks): every amount in the reporting
    # currency. Filtered through dim_project like the other project-grain tables.
    "project_risks": (
        "marts",
        "mart_project_risks",
        {
            "project_id": ("project_id",),
            "as_of_date": ("as_of_date",),
            "at_risk": ("at_risk",),
            "unbilled": ("unbilled",),
            "expected_loss": ("expected_loss",),
            "overdue_milestones": ("overdue_milestones",),
            "money_at_stake": ("money_at_stake",),
            "why": ("risk_reasons",),
            "rank": ("risk_rank",),
        },
    ),
    "receivables": (
        "marts",
        "mart_receivables",
        {
            "invoice_id": ("invoice_id",),
            "as_of_date": ("as_of_date",),
            "project_id": ("project_id",),
            "customer_id": ("customer_id",),
            "entity_id": ("entity_id",),
            "open_amount": ("open_amount_reporting",),
            "invoice_amount": ("invoice_amount_reporting",),
            "invoice_date": ("invoice_date",),
            "due_date": ("due_date",),
            "status": ("status",),
            "days_past_due": ("days_past_due",),
            "bucket": ("ageing_bucket",),
        },
    ),
    "dso_monthly": (
        "marts",
        "mart_dso_monthly",
        {
            "month": ("month_start",),
            "receivables": ("receivables",),
            "dso": ("dso_days",),
        },
    ),
    "utilization": (
        "marts",
        "mart_utilization_weekly",
        {
            "employee_id": ("employee_id",),
            "week": ("week_start",),
            "capacity": ("capacity_hours",),
            "billable": ("billable_hours",),
            "planned": ("planned_hours",),
            "target": ("utilization_target",),
            "bench": ("bench_hours",),
        },
    ),
    "resource_plan": (
        "marts",
        "fct_resource_plan_weekly",
        {
            "project_id": ("project_id",),
            "employee_id": ("employee_id",),
            "week_start": ("week_start",),
            "planned_hours": ("planned_hours",),
        },
    ),
    # Reconciliation exceptions with their owner and state across runs (the Project page lists a project's).
    "exceptions": (
        "marts",
        "fct_sync_exceptions",
        {
            "exception_id": ("exception_id",),
            "exception_type": ("exception_type",),
            "project_id": ("project_id",),
            "status": ("status",),
            "amount_at_risk": ("amount_at_risk_reporting",),
            "age_days": ("age_days",),
            "owner": ("owner",),
            "detail": ("detail",),
        },
    ),
    "time_entries": (
        "marts",
        "fct_time_entries",
        {
            "time_entry_id": ("time_entry_id",),
            "employee_id": ("employee_id",),
            "work_date": ("work_date",),
            "project_id": ("project_id",),
            "hours": ("hours",),
            "billable": ("billable",),
            "bill_value": ("bill_value_reporting",),
            # For the rows behind unbilled exposure: the mart values them in the project currency at the
            # as-of month's rate, so the drill does too.
            "bill_value_project_ccy": ("bill_value",),
            "approval_status": ("approval_status",),
            "is_invoiced": ("is_invoiced",),
            "invoice_id": ("invoice_id",),
            "rate_source": ("rate_source",),
            "billing_type": ("project_billing_type",),
            # The finance rules' verdict on each entry (int_finance_time_entries): the rows behind exposure.
            "exposure_class": ("exposure_class",),
            "age_days": ("age_days",),
            "over_cap_value": ("over_cap_value",),
            "unbilled_value": ("unbilled_value",),
            "unbilled_hours": ("unbilled_hours",),
        },
    ),
    "runs": (
        "forecast",
        "runs",
        {
            "run_id": ("run_id",),
            "as_of_date": ("as_of_date",),
            "created_at": ("created_at",),
            "kind": ("json_extract_string({parameters}, '$.kind')",),
        },
    ),
    "forecast": (
        "forecast",
        "revenue_forecast",
        {
            "run_id": ("run_id",),
            "scenario_id": ("scenario_id",),
            "month": ("month",),
            "project_id": ("project_id",),
            "opportunity_id": ("opportunity_id",),
            "customer_id": ("customer_id",),
            "practice": ("practice",),
            "region": ("region",),
            "entity_id": ("entity_id",),
            "component": ("component",),
            "mean": ("mean",),
            "p10": ("p10",),
            "p50": ("p50",),
            "p90": ("p90",),
        },
    ),
    "draws": (
        "forecast",
        "revenue_forecast_draws",
        {
            "run_id": ("run_id",),
            "scenario_id": ("scenario_id",),
            "month": ("month",),
            "practice": ("practice",),
            "region": ("region",),
            "entity_id": ("entity_id",),
            "draw": ("draw",),
            "value": ("value",),
        },
    ),
    "backtest": (
        "forecast",
        "backtest_metrics",
        {
            "method": ("method",),
            "level": ("level",),
            "horizon": ("horizon",),
            "metric": ("metric",),
            "value": ("value",),
            "run_id": ("run_id",),
        },
    ),
    "diagnostics": (
        "forecast",
        "model_diagnostics",
        {
            "run_id": ("run_id",),
            "name": ("name",),
            "value": ("value",),
        },
    ),
    "calibration": (
        "forecast",
        "win_probability_calibration",
        {
            "run_id": ("run_id",),
            "source": ("source",),
            "bin": ("bin",),
            "predicted": ("predicted",),
            "observed": ("observed",),
            "count": ("n",),
        },
    ),
    "run_log": (
        "ops",
        "run_log",
        {
            "run_id": ("run_id",),
            "step": ("step",),
            "started_at": ("started_at",),
            "finished_at": ("finished_at",),
            "status": ("status",),
            "rows": ("rows",),
            "message": ("message",),
        },
    ),
    "load_log": (
        "ops",
        "load_log",
        {
            "entity": ("entity",),
            "loaded_at": ("loaded_at",),
            "rows": ("rows_loaded",),
            "rows_quarantined": ("rows_quarantined",),
        },
    ),
    "quarantine": (
        "ops",
        "quarantine",
        {
            "entity": ("entity",),
            "reason": ("reason",),
        },
    ),
}

# The variance attribution views the forecast step creates (forecasting/variance_view.py): one per basis,
# the same columns, each read under its own name.
_VARIANCE_COLUMNS: tuple[str, ...] = ("run_id", "month", "component", "project_id", "practice", "region")
_VARIANCE_COLUMNS += ("entity_id", "customer_id", "forecast", "actual", "variance")
for _key, _view in (
    ("variance_restated", "variance_attribution"),
    ("variance_as_reported", "variance_attribution_as_reported"),
):
    TABLES[_key] = ("forecast", _view, {column: (column,) for column in _VARIANCE_COLUMNS})
