-- Accounts receivable per invoice as of the as-of date (see the YAML). Issued invoices only:
-- draft and void invoices are not receivables; invoices dated after the as-of date and
-- payments received after it are ignored.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

invoices as (
    select invoices.*
    from {{ ref('int_invoices_of_record') }} as invoices
    cross join as_of
    where invoices.status not in ('void', 'draft')
        and invoices.invoice_date <= as_of.as_of_date
),

paid as (
    select
        payments.invoice_id,
        sum(payments.amount) as paid_amount
    from {{ ref('int_payments_of_record') }} as payments
    cross join as_of
    where payments.payment_date <= as_of.as_of_date
    group by payments.invoice_id
),

open_amounts as (
    select
        invoices.*,
        coalesce(paid.paid_amount, 0) as paid_amount,
        invoices.amount - coalesce(paid.paid_amount, 0) as open_amount,
        {{ dbt.datediff('invoices.invoice_date', 'as_of.as_of_date', 'day') }} as days_outstanding,
        {{ dbt.datediff('invoices.due_date', 'as_of.as_of_date', 'day') }} as days_after_due
    from invoices
    cross join as_of
    left join paid
        on paid.invoice_id = invoices.invoice_id
)

select
    as_of.as_of_date,
    open_amounts.invoice_id,
    open_amounts.customer_id,
    open_amounts.project_id,
    open_amounts.entity_id,
    open_amounts.invoice_date,
    open_amounts.due_date,
    open_amounts.status,
    open_amounts.currency,
    cast('{{ var("reporting_currency", "USD") }}' as {{ type_varchar() }}) as reporting_currency,
    {{ finance_cents('open_amounts.amount') }} as invoice_amount,
    {{ finance_cents('open_amounts.paid_amount') }} as paid_amount,
    {{ finance_cents('open_amounts.open_amount') }} as open_amount,
    open_amounts.open_amount > 0 as is_open,
    open_amounts.days_outstanding,
    case
        when open_amounts.open_amount > 0 and open_amounts.days_after_due > 0 then open_amounts.days_after_due
        else 0
    end as days_past_due,
    case
        when open_amounts.open_amount <= 0 then 'settled'
        when open_amounts.days_after_due <= 0 then 'not_due'
        when open_amounts.days_after_due <= 30 then '1-30'
        when open_amounts.days_after_due <= 60 then '31-60'
        when open_amounts.days_after_due <= 90 then '61-90'
        else 'over_90'
    end as ageing_bucket,
    fx.rate_to_reporting as fx_rate_to_reporting,
    {{ finance_cents('open_amounts.amount * fx.rate_to_reporting') }} as invoice_amount_reporting,
    {{ finance_cents('open_amounts.open_amount * fx.rate_to_reporting') }} as open_amount_reporting
from open_amounts
cross join as_of
left join {{ ref('int_fx_rates_monthly') }} as fx
    on fx.currency = open_amounts.currency
    and fx.month_start = {{ month_start('as_of.as_of_date') }}
