{{ config(
    materialized=('incremental' if history_is_incremental() else 'table'),
    incremental_strategy='delete+insert',
    unique_key='as_of_date',
    on_schema_change='fail',
    pre_hook=(
        "delete from " ~ this ~ " where as_of_date <> " ~ month_end('as_of_date')
        if is_incremental() else ""
    ),
) }}
-- Revenue "as reported at close": for each as-of date of int_as_of_dates' point-in-time views
-- (month ends, requested dates and the latest date), the project x month figures as they stood
-- with only what was recorded by the end of that day (see int_finance_time_entries_by_as_of for
-- the rules). mart_revenue_monthly is the same figures restated with everything known today.
-- Incremental: each close is computed once and kept; the latest date's rows are replaced on
-- every run, and an earlier latest date that was not a month end is dropped (pre-hook).
select
    {{ revenue_monthly_columns() }}
from {{ ref('int_finance_project_monthly_by_as_of') }} as monthly
inner join {{ ref('int_projects') }} as projects
    on projects.project_id = monthly.project_id
left join {{ ref('int_customers') }} as customers
    on customers.customer_id = projects.customer_id
where not monthly.is_current
