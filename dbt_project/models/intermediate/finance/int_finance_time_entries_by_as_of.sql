{{ config(materialized='table') }}
-- Time entries (work_date on or before the as-of date) classified for revenue recognition and
-- exposure, with the time-and-materials cap applied entry by entry, for each as-of view of
-- int_as_of_dates.
--
-- Point in time (a view that is not current, "as reported at close"): time is recorded as it
-- is worked, so an entry is in every view from its work date on; what the knowledge date
-- changes is what was decided about it by then:
--   approval_status: approved only if approved_at is on or before the knowledge date, rejected
--     only if that change (updated_at) was; before the decision the entry was submitted;
--   is_invoiced: its invoice was dated and entered (created_at, else the invoice date) by then
--     and not yet voided (a void invoice's updated_at is after the knowledge date);
--   a closed project counts as closed only once its end date has passed.
-- The current view (no knowledge date) takes every status as recorded today ("restated").
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
--
-- Unbilled: approved time-and-materials value on no invoice (is_invoiced false), less what the
-- project's invoices billed on time lines without naming entries (billed_unlinked_time of
-- int_finance_billing_monthly: an ERP billing a separate PSA's time). That billing settles the
-- oldest open entries first, in the cap's order, the last one in part (its unbilled hours in
-- proportion); billing beyond the open value settles nothing more. unbilled_value and
-- unbilled_hours are what the exposure and billing-backlog marts count.
with as_of as (
    select
        as_of_date,
        is_current
    from {{ ref('int_as_of_dates') }}
),

entries as (
    select
        as_of.as_of_date,
        as_of.is_current,
        rated.time_entry_id,
        rated.employee_id,
        rated.project_id,
        rated.work_date,
        rated.work_month,
        rated.hours,
        rated.billable,
        case
            when rated.approval_status = 'approved'
                and {{ known_by('rated.approved_at', 'as_of') }} then 'approved'
            when rated.approval_status = 'rejected'
                and {{ known_by('rated.updated_at', 'as_of') }} then 'rejected'
            when rated.approval_status in ('approved', 'rejected') then 'submitted'
            else rated.approval_status
        end as approval_status,
        rated.invoice_id,
        rated.project_billing_type,
        rated.project_currency,
        case
            when rated.project_status = 'closed' and not as_of.is_current
                and (rated.project_end_date is null or rated.project_end_date > as_of.as_of_date)
                then 'active'
            else rated.project_status
        end as project_status,
        rated.project_end_date,
        rated.resolved_bill_rate,
        rated.rate_source,
        projects.contract_value,
        {{ finance_money('rated.bill_value') }} as bill_value,
        {{ finance_money('rated.cost_value') }} as cost_value,
        (
            rated.invoice_id is not null
            and invoices.invoice_id is not null
            and invoices.invoice_date <= as_of.as_of_date
            and {{ known_by('coalesce(invoices.created_at, invoices.invoice_date)', 'as_of') }}
            and (invoices.status <> 'void' or not {{ known_by('invoices.updated_at', 'as_of') }})
        ) as is_invoiced,
        {{ dbt.datediff('rated.work_date', 'as_of.as_of_date', 'day') }} as age_days
    from {{ ref('int_time_entries_rated') }} as rated
    inner join as_of
        on as_of.as_of_date >= rated.work_date
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = rated.project_id
    left join {{ ref('int_invoices') }} as invoices
        on invoices.invoice_id = rated.invoice_id
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
            partition by classified.as_of_date, classified.is_current, classified.project_id
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
),

unlinked_billing as (
    select
        as_of_date,
        is_current,
        project_id,
        sum(billed_unlinked_time) as billed_unlinked_time
    from {{ ref('int_finance_billing_monthly') }}
    group by as_of_date, is_current, project_id
),

open_to_bill as (
    select
        capped.*,
        case
            when capped.project_billing_type = 'time_and_materials' and capped.exposure_class = 'approved'
                and not capped.is_invoiced then capped.recognised_value
            else cast(0 as {{ finance_money_type() }})
        end as open_value,
        coalesce(unlinked_billing.billed_unlinked_time, 0) as billed_unlinked_time
    from capped
    left join unlinked_billing
        on unlinked_billing.as_of_date = capped.as_of_date
        and unlinked_billing.is_current = capped.is_current
        and unlinked_billing.project_id = capped.project_id
),

settled as (
    select
        open_to_bill.*,
        greatest(
            cast(0 as {{ finance_money_type() }}),
            least(
                open_to_bill.open_value,
                open_to_bill.billed_unlinked_time - (
                    sum(open_to_bill.open_value) over (
                        partition by open_to_bill.as_of_date, open_to_bill.is_current, open_to_bill.project_id
                        order by open_to_bill.work_date, open_to_bill.time_entry_id
                        rows between unbounded preceding and current row
                    ) - open_to_bill.open_value
                )
            )
        ) as billed_unlinked_value
    from open_to_bill
)

select
    as_of_date,
    is_current,
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
    ) as over_cap_value,
    cast(billed_unlinked_value as {{ finance_money_type() }}) as billed_unlinked_value,
    cast(open_value - billed_unlinked_value as {{ finance_money_type() }}) as unbilled_value,
    case
        when project_billing_type <> 'time_and_materials' or exposure_class <> 'approved' or is_invoiced then 0
        when open_value > 0
            then hours * cast(open_value - billed_unlinked_value as {{ type_double() }})
                / cast(open_value as {{ type_double() }})
        else hours
    end as unbilled_hours
from settled
