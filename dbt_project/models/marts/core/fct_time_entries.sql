-- Time entries (grain: entry) with their resolved bill rate and values, and, for work on or before the
-- as-of date, how the finance rules classify them (int_finance_time_entries): the rows behind
-- mart_unbilled_exposure and mart_billing_backlog, so readers list them without restating the rules.
with rated as (
    select * from {{ ref('int_time_entries_rated') }}
),

finance as (
    select * from {{ ref('int_finance_time_entries') }}
),

projects as (
    select
        project_id,
        customer_id
    from {{ ref('int_projects') }}
)

select
    cast(rated.time_entry_id as {{ type_varchar() }}) as time_entry_id,
    cast(rated.employee_id as {{ type_varchar() }}) as employee_id,
    cast(rated.project_id as {{ type_varchar() }}) as project_id,
    cast(projects.customer_id as {{ type_varchar() }}) as customer_id,
    cast(rated.work_date as date) as work_date,
    cast(rated.work_month as date) as work_month,
    cast(rated.hours as {{ type_double() }}) as hours,
    cast(rated.billable as boolean) as billable,
    cast(rated.approval_status as {{ type_varchar() }}) as approval_status,
    cast(rated.approved_at as {{ type_timestamp_tz() }}) as approved_at,
    cast({{ dbt.datediff('rated.work_date', 'cast(rated.approved_at as date)', 'day') }} as integer) as days_to_approve,
    cast(rated.employee_role as {{ type_varchar() }}) as employee_role,
    cast(rated.project_billing_type as {{ type_varchar() }}) as project_billing_type,
    cast(rated.project_currency as {{ type_varchar() }}) as project_currency,
    cast(rated.resolved_bill_rate as {{ type_double() }}) as resolved_bill_rate,
    cast(rated.rate_source as {{ type_varchar() }}) as rate_source,
    cast(rated.cost_rate_project_ccy as {{ type_double() }}) as cost_rate_project_ccy,
    cast(rated.bill_value as {{ type_money() }}) as bill_value,
    cast(rated.cost_value as {{ type_money() }}) as cost_value,
    cast(rated.fx_rate_to_reporting as {{ type_double() }}) as fx_rate_to_reporting,
    cast(rated.bill_value_reporting as {{ type_money() }}) as bill_value_reporting,
    cast(rated.cost_value_reporting as {{ type_money() }}) as cost_value_reporting,
    cast(rated.invoice_id as {{ type_varchar() }}) as invoice_id,
    cast(rated.invoice_id is not null as boolean) as is_invoiced,
    cast(rated.erp_posted_at as {{ type_timestamp_tz() }}) as erp_posted_at,
    cast(rated.erp_posted_at is not null as boolean) as is_posted_to_erp,
    cast(rated.source_system as {{ type_varchar() }}) as source_system,
    cast(finance.exposure_class as {{ type_varchar() }}) as exposure_class,
    cast(finance.age_days as integer) as age_days,
    cast(finance.is_invoiced as boolean) as is_invoiced_by_as_of,
    cast(finance.recognised_value as {{ type_money() }}) as recognised_value,
    cast(finance.over_cap_value as {{ type_money() }}) as over_cap_value,
    cast(finance.billed_unlinked_value as {{ type_money() }}) as billed_unlinked_value,
    cast(finance.unbilled_value as {{ type_money() }}) as unbilled_value,
    cast(finance.unbilled_hours as {{ type_double() }}) as unbilled_hours
from rated
left join projects
    on projects.project_id = rated.project_id
left join finance
    on finance.time_entry_id = rated.time_entry_id
