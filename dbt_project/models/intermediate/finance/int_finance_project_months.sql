{{ config(materialized='table') }}
-- Project x month spine of the finance models, for each as-of view of int_as_of_dates (the
-- current one and the point-in-time ones): one row per project and calendar month from the
-- project's first month (start date or first activity, whichever is earlier) to the month of
-- the as-of date. Every project has at least the as-of month, so point-in-time marts can read
-- "the as-of row" of any project. period_end is the month end, or the as-of date in its month.
with as_of as (
    select
        as_of_date,
        is_current
    from {{ ref('int_as_of_dates') }}
),

months as (
    select distinct
        month_start,
        month_end
    from {{ ref('int_calendar') }}
),

first_activity as (
    select
        project_id,
        start_date as first_date
    from {{ ref('int_projects') }}
    union all
    select
        project_id,
        min(work_date) as first_date
    from {{ ref('int_time_entries') }}
    group by project_id
    union all
    select
        invoice_lines.project_id,
        min(invoices.invoice_date) as first_date
    from {{ ref('int_invoice_lines') }} as invoice_lines
    inner join {{ ref('int_invoices') }} as invoices
        on invoices.invoice_id = invoice_lines.invoice_id
    group by invoice_lines.project_id
    union all
    select
        project_id,
        min(completed_date) as first_date
    from {{ ref('int_milestones') }}
    where completed_date is not null
    group by project_id
),

project_bounds as (
    select
        projects.project_id,
        {{ month_start('min(first_activity.first_date)') }} as first_month
    from {{ ref('int_projects') }} as projects
    inner join first_activity
        on first_activity.project_id = projects.project_id
    group by projects.project_id
)

select
    as_of.as_of_date,
    as_of.is_current,
    project_bounds.project_id,
    months.month_start,
    months.month_end,
    case
        when months.month_end > as_of.as_of_date then as_of.as_of_date
        else months.month_end
    end as period_end
from project_bounds
cross join as_of
inner join months
    on months.month_start <= {{ month_start('as_of.as_of_date') }}
    and (
        months.month_start >= project_bounds.first_month
        or months.month_start = {{ month_start('as_of.as_of_date') }}
    )
