{{ config(materialized='table') }}
-- Every time entry dated on or before the as-of date, with what reconciliation needs of it.
-- value: what the ERP should book for it, in the project currency: the bill value when the entry is
-- billable and a bill rate resolves, else its cost (int_time_entries_rated converts both).
-- approved_date: the UTC day it was approved, when that is on or before the as-of date (an approval
-- after the as-of date had not happened yet); posting_due_date: the day after which an approved entry
-- not yet in the ERP is overdue (the end of its approval month plus var posting_grace_days, 10).
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

rated as (
    select * from {{ ref('int_time_entries_rated') }}
),

entries as (
    select
        rated.time_entry_id,
        rated.employee_id,
        rated.project_id,
        rated.work_date,
        rated.work_month,
        rated.hours,
        rated.billable,
        rated.approval_status,
        case
            when rated.approval_status = 'approved' and cast(rated.approved_at as date) <= as_of.as_of_date
                then cast(rated.approved_at as date)
        end as approved_date,
        rated.erp_posted_at,
        rated.invoice_id,
        rated.source_system,
        rated.rate_source,
        rated.project_currency,
        case when rated.billable and rated.bill_value is not null then rated.bill_value else rated.cost_value end
            as entry_value,
        case
            when rated.billable and rated.bill_value is not null then rated.bill_value_reporting
            else rated.cost_value_reporting
        end as entry_value_reporting
    from rated
    cross join as_of
    where rated.work_date <= as_of.as_of_date
)

select
    entries.*,
    entries.approved_date is not null as is_approved,
    cast(
        {{ dbt.dateadd('day', var('posting_grace_days', 10), month_end('entries.approved_date')) }} as date
    ) as posting_due_date
from entries
