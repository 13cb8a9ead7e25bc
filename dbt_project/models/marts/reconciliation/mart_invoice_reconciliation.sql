-- One row per invoice dated on or before the as-of date: its header against its lines, against what
-- the PSA says it billed on it, against the firm's other view of the same invoice, and its status
-- against its payments.
--   PSA billed value: bill value of the time entries that name the invoice plus the milestones that
--     name it (project currency, as the PSA prices them), compared with the invoice's time and
--     milestone lines (fixed-fee, retainer, expense and other lines have no PSA counterpart).
--   Other view: rows of invoices with the same invoice number (else id) and entity but another
--     invoice_id, e.g. the ERP's row of a PSA invoice (source_system says whose). The view of
--     record (int_invoice_views) is the one billing, receivables and DSO count.
--   Status: paid means payments to the as-of date cover the amount; open means they do not; void
--     means no payment.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

invoices as (
    select
        invoices.*,
        coalesce(invoices.invoice_number, invoices.invoice_id) as invoice_key
    from {{ ref('int_invoices') }} as invoices
    cross join as_of
    where invoices.invoice_date <= as_of.as_of_date
),

line_totals as (
    select
        invoice_id,
        count(*) as line_count,
        sum(amount) as lines_amount,
        sum(case when line_type in ('time', 'milestone') then amount else 0 end) as psa_lines_amount
    from {{ ref('int_invoice_lines') }}
    group by invoice_id
),

billed_time as (
    select
        invoice_id,
        sum(bill_value) as billed_value
    from {{ ref('int_time_entries_rated') }}
    where invoice_id is not null
    group by invoice_id
),

billed_milestones as (
    select
        invoice_id,
        sum(amount) as billed_value
    from {{ ref('int_milestones') }}
    where invoice_id is not null
    group by invoice_id
),

payments as (
    select
        payments.invoice_id,
        sum(payments.amount) as paid_amount
    from {{ ref('int_payments') }} as payments
    cross join as_of
    where payments.payment_date <= as_of.as_of_date
    group by payments.invoice_id
),

other_views as (
    select
        invoices.invoice_id,
        count(other_rows.invoice_id) as other_views,
        sum(other_rows.amount) as other_view_amount
    from invoices
    inner join invoices as other_rows
        on other_rows.invoice_key = invoices.invoice_key
        and other_rows.entity_id = invoices.entity_id
        and other_rows.invoice_id <> invoices.invoice_id
    group by invoices.invoice_id
),

compared as (
    select
        invoices.*,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.lines_amount, 0) as lines_amount,
        coalesce(line_totals.psa_lines_amount, 0) as psa_lines_amount,
        coalesce(billed_time.billed_value, 0) + coalesce(billed_milestones.billed_value, 0) as psa_billed_value,
        coalesce(payments.paid_amount, 0) as paid_amount,
        coalesce(other_views.other_views, 0) as other_views,
        other_views.other_view_amount,
        invoice_views.is_record_view
    from invoices
    inner join {{ ref('int_invoice_views') }} as invoice_views on invoice_views.invoice_id = invoices.invoice_id
    left join line_totals on line_totals.invoice_id = invoices.invoice_id
    left join billed_time on billed_time.invoice_id = invoices.invoice_id
    left join billed_milestones on billed_milestones.invoice_id = invoices.invoice_id
    left join payments on payments.invoice_id = invoices.invoice_id
    left join other_views on other_views.invoice_id = invoices.invoice_id
)

select
    cast(compared.invoice_id as {{ type_varchar() }}) as invoice_id,
    cast(compared.invoice_key as {{ type_varchar() }}) as invoice_number,
    cast(compared.source_system as {{ type_varchar() }}) as source_system,
    cast(compared.entity_id as {{ type_varchar() }}) as entity_id,
    cast(compared.customer_id as {{ type_varchar() }}) as customer_id,
    cast(compared.project_id as {{ type_varchar() }}) as project_id,
    cast(compared.invoice_date as date) as invoice_date,
    cast(compared.currency as {{ type_varchar() }}) as currency,
    cast(compared.status as {{ type_varchar() }}) as status,
    {{ finance_cents('compared.amount') }} as header_amount,
    cast(compared.line_count as {{ dbt.type_bigint() }}) as line_count,
    {{ finance_cents('compared.lines_amount') }} as lines_amount,
    {{ finance_cents('compared.amount - compared.lines_amount') }} as header_minus_lines,
    {{ finance_cents('compared.psa_lines_amount') }} as time_and_milestone_lines_amount,
    {{ finance_cents('compared.psa_billed_value') }} as psa_billed_value,
    {{ finance_cents('compared.psa_lines_amount - compared.psa_billed_value') }} as lines_minus_psa_billed,
    cast(compared.other_views as {{ dbt.type_bigint() }}) as other_views,
    {{ finance_cents('compared.other_view_amount') }} as other_view_amount,
    {{ finance_cents('compared.amount - compared.other_view_amount') }} as minus_other_view,
    compared.is_record_view as is_invoice_of_record,
    {{ finance_cents('compared.paid_amount') }} as paid_amount,
    {{ finance_cents('compared.amount - compared.paid_amount') }} as open_amount,
    cast(
        case
            when compared.status in ('void', 'draft') then compared.status
            when compared.paid_amount >= compared.amount then 'paid'
            else 'open'
        end as {{ type_varchar() }}
    ) as status_from_payments,
    case
        when compared.status = 'void' then compared.paid_amount = 0
        when compared.status = 'draft' then compared.paid_amount = 0
        when compared.status = 'paid' then compared.paid_amount >= compared.amount
        else compared.paid_amount < compared.amount
    end as status_matches_payments,
    as_of.as_of_date
from compared
cross join as_of
