"""Variance attribution as SQL views beside the forecast tables: each run's forecast and the actual
earned revenue of the months it forecast that have closed since, the actuals attributed to the run's
components. The Variance page and the board pack read them, so analysts get the page's numbers.

`forecast.variance_attribution` compares with today's restated actuals (marts.mart_revenue_monthly);
`forecast.variance_attribution_as_reported` with each month as reported at its own close
(marts.mart_revenue_monthly_history at the month end). Two views, not a basis column: with a column,
every forecast row would appear once per basis, and a sum that forgot to filter on it would count
the forecast twice. Their columns are the same:

    run_id, run_as_of_date, month, source ('forecast' or 'actual'), component, project_id,
    opportunity_id, practice, region, entity_id, customer_id, forecast, actual, variance

- `source = 'forecast'`: the run's base-scenario rows of forecast.revenue_forecast (every component but
  `actual`), `forecast` = their mean, `actual` = 0.
- `source = 'actual'`: one row per run x project x month of actual revenue, `actual` = earned revenue
  (reporting currency), `forecast` = 0, and `component` attributed: a project the run had as booked work
  (a non-pipeline row with a project_id) keeps the component with the largest forecast for it over these
  months (ties: the first by name); a project born from an opportunity the run carried as pipeline counts
  as `pipeline`; anything else as `unplanned`. practice, entity and customer are the project's
  (marts.dim_project), region its customer's (marts.dim_customer), as the page's filters read them.
- `variance` = actual - forecast, so `sum(forecast), sum(actual), sum(variance) ... group by component`
  (or month, practice, project_id) is the page's table.

Months: only those after the run's as-of month whose month end is on or before the marts' as-of date
(marts.dim_as_of), the page's window, on both sides: a forecast month that has not closed has no actual
to compare with yet, and the largest-component rule must see the same months as the page.

The SQL keeps to what the dbt models may use on DuckDB, PostgreSQL and Spark: no `::` casts, no engine-only
date functions (month ends by interval arithmetic), no GROUP BY ALL. Forecasts are written to DuckDB (and
mirrored from Spark), where `double` is the type's name; PostgreSQL would spell it `double precision`.
"""

from __future__ import annotations

import duckdb

from wipcast.warehouse import table_exists

RESTATED_VIEW = "variance_attribution"
AS_REPORTED_VIEW = "variance_attribution_as_reported"


def _month_end(month_start: str) -> str:
    return f"cast({month_start} + interval '1' month - interval '1' day as date)"


# Actual earned revenue per project and month (project_id, month, earned), one query per basis.
RESTATED_ACTUALS = """
    select project_id, cast(month_start as date) as month,
           cast(sum(earned_revenue_reporting) as double) as earned
    from marts.mart_revenue_monthly
    group by project_id, month_start"""
AS_REPORTED_ACTUALS = f"""
    select project_id, cast(month_start as date) as month,
           cast(sum(earned_revenue_reporting) as double) as earned
    from marts.mart_revenue_monthly_history
    where as_of_date = {_month_end("month_start")}
    group by project_id, month_start"""

# What each view reads; a view whose relations are not all there is not created (a warehouse without
# marts yet, or the scratch copy a Spark forecast runs in, which holds only what the engine reads).
COMMON_INPUTS = (
    ("forecast", "runs"),
    ("forecast", "revenue_forecast"),
    ("marts", "dim_as_of"),
    ("marts", "dim_project"),
    ("marts", "dim_customer"),
)
# One view per basis (see the module docstring): the same statement over a different actuals query.
VIEWS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    RESTATED_VIEW: (RESTATED_ACTUALS, (*COMMON_INPUTS, ("marts", "mart_revenue_monthly"))),
    AS_REPORTED_VIEW: (AS_REPORTED_ACTUALS, (*COMMON_INPUTS, ("marts", "mart_revenue_monthly_history"))),
}


def view_sql(name: str) -> str:
    """The `create or replace view` statement of forecast.<name>."""
    actuals, _ = VIEWS[name]
    return f"""create or replace view forecast.{name} as
with runs as (
    select r.run_id, r.as_of_date as run_as_of_date, a.as_of_date as actuals_as_of_date
    from forecast.runs as r
    cross join (select max(as_of_date) as as_of_date from marts.dim_as_of) as a
),
forecast_rows as (
    select f.run_id, runs.run_as_of_date, cast(f.month as date) as month, f.component, f.project_id,
           f.opportunity_id, f.practice, f.region, f.entity_id, f.customer_id, f.mean
    from forecast.revenue_forecast as f
    inner join runs on runs.run_id = f.run_id
    where f.scenario_id = 'base'
        and f.component <> 'actual'
        and f.month > runs.run_as_of_date
        and {_month_end("f.month")} <= runs.actuals_as_of_date
),
booked as (
    select run_id, project_id, component,
           row_number() over (partition by run_id, project_id order by sum(mean) desc, component) as size_order
    from forecast_rows
    where project_id is not null and component <> 'pipeline'
    group by run_id, project_id, component
),
pipeline_opportunities as (
    select distinct run_id, opportunity_id
    from forecast_rows
    where component = 'pipeline' and opportunity_id is not null
),
monthly_actuals as ({actuals}
),
actuals as (
    select runs.run_id, runs.run_as_of_date, m.month, m.project_id, m.earned
    from monthly_actuals as m
    inner join runs
        on m.month > runs.run_as_of_date
        and {_month_end("m.month")} <= runs.actuals_as_of_date
)
select run_id, run_as_of_date, month, 'forecast' as source, component, project_id, opportunity_id,
       practice, region, entity_id, customer_id,
       mean as forecast, cast(0 as double) as actual, -mean as variance
from forecast_rows
union all
select a.run_id, a.run_as_of_date, a.month, 'actual' as source,
       coalesce(b.component, case when o.opportunity_id is not null then 'pipeline' else 'unplanned' end)
           as component,
       a.project_id, p.opportunity_id, p.practice, c.region, p.entity_id, p.customer_id,
       cast(0 as double) as forecast, a.earned as actual, a.earned as variance
from actuals as a
left join marts.dim_project as p on p.project_id = a.project_id
left join marts.dim_customer as c on c.customer_id = p.customer_id
left join booked as b on b.run_id = a.run_id and b.project_id = a.project_id and b.size_order = 1
left join pipeline_opportunities as o on o.run_id = a.run_id and o.opportunity_id = p.opportunity_id
"""


def create_variance_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create or replace every view whose inputs the warehouse holds; return the names created.

    Views, not tables: a view follows each rebuild of the marts and every run appended later, and
    publishing copies it with the tables."""
    created = []
    for name, (_, inputs) in VIEWS.items():
        if all(table_exists(con, schema, table) for schema, table in inputs):
            con.execute(view_sql(name))
            created.append(name)
    return created
