-- Time per project and work month in each system, as of the as-of date (reporting currency).
-- PSA side (approved entries): approved, invoiced (on a non-void invoice dated by the as-of date),
-- paid (on an invoice its payments up to the as-of date cover), and approved but not posted.
-- ERP side (live postings, on the project the ERP booked): posted, posted without an approved PSA
-- entry (unmatched, or matched to an entry that is not approved), duplicates (later postings of an
-- entry already posted), and posted but not invoiced (first posting of an approved billable entry
-- not invoiced).
-- Differences are ERP minus PSA. Posting counts say how each was matched.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

entries as (
    select * from {{ ref('int_recon_entry_postings') }}
    where is_approved
),

postings as (
    select * from {{ ref('int_recon_postings') }}
    where is_live
),

-- An entry names its own system's invoice; whether that is paid is the invoice of record's
-- business (int_payments_of_record), so a PSA invoice the ERP collected reads as paid.
invoices as (
    select
        invoices.invoice_id,
        records.amount,
        coalesce(sum(case when payments.payment_date <= as_of.as_of_date then payments.amount end), 0) as paid
    from {{ ref('int_invoices') }} as invoices
    cross join as_of
    inner join {{ ref('int_invoice_views') }} as invoice_views
        on invoice_views.invoice_id = invoices.invoice_id
    inner join {{ ref('int_invoices_of_record') }} as records
        on records.invoice_id = invoice_views.record_invoice_id
    left join {{ ref('int_payments_of_record') }} as payments
        on payments.invoice_id = invoice_views.record_invoice_id
    where invoices.status <> 'void' and invoices.invoice_date <= as_of.as_of_date
    group by invoices.invoice_id, records.amount
),

entry_side as (
    select
        entries.project_id,
        entries.work_month,
        sum(entries.hours) as approved_hours,
        sum(entries.entry_value_reporting) as approved_value,
        sum(case when invoices.invoice_id is not null then entries.hours else 0 end) as invoiced_hours,
        sum(case when invoices.invoice_id is not null then entries.entry_value_reporting else 0 end) as invoiced_value,
        sum(case when invoices.paid >= invoices.amount then entries.hours else 0 end) as paid_hours,
        sum(case when invoices.paid >= invoices.amount then entries.entry_value_reporting else 0 end) as paid_value,
        sum(case when entries.is_posting_known and not entries.is_posted then entries.hours else 0 end)
            as approved_not_posted_hours,
        sum(case when entries.is_posting_known and not entries.is_posted then entries.entry_value_reporting else 0 end)
            as approved_not_posted_value
    from entries
    left join invoices
        on invoices.invoice_id = entries.invoice_id
    group by entries.project_id, entries.work_month
),

posting_side as (
    select
        postings.project_id,
        postings.work_month,
        sum(postings.hours) as posted_hours,
        sum(postings.amount_reporting) as posted_value,
        sum(
            case
                when postings.posting_rank = 1 and postings.is_entry_approved then 0 when
                    postings.posting_rank > 1
                    then 0
                else postings.hours
            end
        )
            as posted_not_approved_hours,
        sum(
            case
                when postings.posting_rank = 1 and postings.is_entry_approved then 0 when
                    postings.posting_rank > 1
                    then 0
                else postings.amount_reporting
            end
        )
            as posted_not_approved_value,
        sum(case when postings.posting_rank > 1 then postings.hours else 0 end) as duplicate_hours,
        sum(case when postings.posting_rank > 1 then postings.amount_reporting else 0 end) as duplicate_value,
        sum(
            case
                when
                    postings.posting_rank = 1
                    and postings.is_entry_approved
                    and entries.billable
                    and invoices.invoice_id is null
                    then postings.hours
                else 0
            end
        )
            as posted_not_invoiced_hours,
        sum(
            case
                when
                    postings.posting_rank = 1
                    and postings.is_entry_approved
                    and entries.billable
                    and invoices.invoice_id is null
                    then postings.amount_reporting
                else 0
            end
        )
            as posted_not_invoiced_value,
        sum(case when postings.match_method = 'entry_id' then 1 else 0 end) as postings_matched_by_entry_id,
        sum(case when postings.match_method = 'project_employee_date' then 1 else 0 end)
            as postings_matched_by_project_employee_date,
        sum(case when postings.match_method is null then 1 else 0 end) as postings_unmatched
    from postings
    left join {{ ref('int_recon_time_entries') }} as entries
        on entries.time_entry_id = postings.matched_time_entry_id
    left join invoices
        on invoices.invoice_id = entries.invoice_id
    group by postings.project_id, postings.work_month
),

grain as (
    select
        project_id,
        work_month
    from entry_side
    union
    select
        project_id,
        work_month
    from posting_side
)

select
    cast(grain.project_id as {{ type_varchar() }}) as project_id,
    cast(grain.work_month as date) as work_month,
    cast({{ reporting_currency_literal() }} as {{ type_varchar() }}) as reporting_currency,
    cast(coalesce(entry_side.approved_hours, 0) as {{ type_double() }}) as approved_hours,
    {{ finance_cents('coalesce(entry_side.approved_value, 0)') }} as approved_value,
    cast(coalesce(posting_side.posted_hours, 0) as {{ type_double() }}) as posted_hours,
    {{ finance_cents('coalesce(posting_side.posted_value, 0)') }} as posted_value,
    cast(coalesce(entry_side.invoiced_hours, 0) as {{ type_double() }}) as invoiced_hours,
    {{ finance_cents('coalesce(entry_side.invoiced_value, 0)') }} as invoiced_value,
    cast(coalesce(entry_side.paid_hours, 0) as {{ type_double() }}) as paid_hours,
    {{ finance_cents('coalesce(entry_side.paid_value, 0)') }} as paid_value,
    cast(coalesce(entry_side.approved_not_posted_hours, 0) as {{ type_double() }}) as approved_not_posted_hours,
    {{ finance_cents('coalesce(entry_side.approved_not_posted_value, 0)') }} as approved_not_posted_value,
    cast(coalesce(posting_side.posted_not_approved_hours, 0) as {{ type_double() }}) as posted_not_approved_hours,
    {{ finance_cents('coalesce(posting_side.posted_not_approved_value, 0)') }} as posted_not_approved_value,
    cast(coalesce(posting_side.duplicate_hours, 0) as {{ type_double() }}) as duplicate_posted_hours,
    {{ finance_cents('coalesce(posting_side.duplicate_value, 0)') }} as duplicate_posted_value,
    cast(coalesce(posting_side.posted_not_invoiced_hours, 0) as {{ type_double() }}) as posted_not_invoiced_hours,
    {{ finance_cents('coalesce(posting_side.posted_not_invoiced_value, 0)') }} as posted_not_invoiced_value,
    cast(coalesce(posting_side.posted_hours, 0) - coalesce(entry_side.approved_hours, 0) as {{ type_double() }})
        as hours_difference,
    {{ finance_cents('coalesce(posting_side.posted_value, 0) - coalesce(entry_side.approved_value, 0)') }}
        as value_difference,
    cast(coalesce(posting_side.postings_matched_by_entry_id, 0) as {{ dbt.type_bigint() }})
        as postings_matched_by_entry_id,
    cast(coalesce(posting_side.postings_matched_by_project_employee_date, 0) as {{ dbt.type_bigint() }})
        as postings_matched_by_project_employee_date,
    cast(coalesce(posting_side.postings_unmatched, 0) as {{ dbt.type_bigint() }}) as postings_unmatched,
    as_of.as_of_date
from grain
cross join as_of
left join entry_side
    on entry_side.project_id = grain.project_id and entry_side.work_month = grain.work_month
left join posting_side
    on posting_side.project_id = grain.project_id and posting_side.work_month = grain.work_month
