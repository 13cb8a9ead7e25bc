{{ config(materialized='table') }}
-- Time entries (work_date on or before the as-of date) classified for revenue recognition and
-- exposure, with the time-and-materials cap applied entry by entry.
--
-- exposure_class, first matching rule wins:
--   rejected             approval_status = rejected: neither cost nor revenue
--   non_billable         billable = false: cost only
--   at_risk_after_close  billable time after a closed project's end_date: at-risk exposure
--   at_risk_missing_rate billable time with no resolvable bill rate: at-risk (counted in hours)
--   pending_approval     billable draft or submitted time: not yet revenue
--   approved             approved billable time with a rate: revenue on time-and-materials
--
-- Cap: on a time-and-materials project with a contract_value, approved entries are taken in
-- order of (work_date, time_entry_id); each recognises what still fits under the cap and the
-- rest is over_cap_value. This equals capping the cumulative total at contract_value.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
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
        rated.invoice_id,
        rated.project_billing_type,
        rated.project_currency,
        rated.project_status,
        rated.project_end_date,
        rated.resolved_bill_rate,
        rated.rate_source,
        projects.contract_value,
        {{ finance_money('rated.bill_value') }} as bill_value,
        {{ finance_money('rated.cost_value') }} as cost_value,
        (
            rated.invoice_id is not null
            and invoices.invoice_id is not null
            and invoices.status <> 'void'
            and invoices.invoice_date <= as_of.as_of_date
        ) as is_invoiced,
        {{ dbt.datediff('rated.work_date', 'as_of.as_of_date', 'day') }} as age_days
    from {{ ref('int_time_entries_rated') }} as rated
    cross join as_of
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = rated.project_id
    left join {{ ref('int_invoices') }} as invoices
        on invoices.invoice_id = rated.invoice_id
    where rated.work_date <= as_of.as_of_date
),

classified as (
    select
        entries.*,
        case
            when entries.approval_status = 'rejected' then 'rejected'
            when not entries.billable then 'non_billable'
            when entries.project_status = 'closed' and entries.project_end_date is not null
                and entries.work_date > entries.project_end_date then 'at_risk_after_close'
            when entries.rate_source = 'missing' or entries.bill_value is null then 'at_risk_missing_rate'
            when entries.approval_status in ('draft', 'submitted') then 'pending_approval'
            else 'approved'
        end as exposure_class
    from entries
),

running as (
    select
        classified.*,
        sum(
            case
                when classified.project_billing_type = 'time_and_materials' and classified.exposure_class = 'approved'
                    then classified.bill_value
                else 0
            end
        ) over (
            partition by classified.project_id
            order by classified.work_date, classified.time_entry_id
            rows between unbounded preceding and current row
        ) as running_approved_value
    from classified
),

capped as (
    select
        running.*,
        case
            when running.project_billing_type <> 'time_and_materials' or running.exposure_class <> 'approved'
                then cast(0 as {{ finance_money_type() }})
            when running.contract_value is null then running.bill_value
            else
                greatest(
                    cast(0 as {{ finance_money_type() }}),
                    least(
                        running.bill_value,
                        running.contract_value - (running.running_approved_value - running.bill_value)
                    )
                )
        end as recognised_value
    from running
)

select
    time_entry_id,
    employee_id,
    project_id,
    work_date,
    work_month,
    age_days,
    hours,
    billable,
    approval_status,
    invoice_id,
    is_invoiced,
    project_billing_type,
    project_currency,
    resolved_bill_rate,
    rate_source,
    bill_value,
    cost_value,
    approval_status <> 'rejected' as counts_as_cost,
    exposure_class,
    cast(recognised_value as {{ finance_money_type() }}) as recognised_value,
    cast(
        case
            when project_billing_type = 'time_and_materials' and exposure_class = 'approved'
                then bill_value - recognised_value
            else 0
        end as {{ finance_money_type() }}
    ) as over_cap_value
from capped
