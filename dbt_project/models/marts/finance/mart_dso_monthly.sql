-- Days sales outstanding per month, firm-wide in the reporting currency (see the YAML):
-- DSO = receivables at the period end / billings of the trailing 3 months x 91.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

invoices as (
    select
        invoices.invoice_id,
        invoices.currency,
        invoices.invoice_date,
        invoices.amount
    from {{ ref('int_invoices_of_record') }} as invoices
    cross join as_of
    where invoices.status not in ('void', 'draft')
        and invoices.invoice_date <= as_of.as_of_date
),

payments as (
    select
        invoices.currency,
        payments.payment_date,
        payments.amount
    from {{ ref('int_payments_of_record') }} as payments
    inner join invoices
        on invoices.invoice_id = payments.invoice_id
    cross join as_of
    where payments.payment_date <= as_of.as_of_date
),

months as (
    select distinct
        calendar.month_start,
        calendar.month_end
    from {{ ref('int_calendar') }} as calendar
    cross join as_of
    where calendar.month_start >= (select {{ month_start('min(invoice_date)') }} from invoices)
        and calendar.month_start <= {{ month_start('as_of.as_of_date') }}
),

currencies as (
    select distinct currency from invoices
),

currency_months as (
    select
        currencies.currency,
        months.month_start,
        case when months.month_end > as_of.as_of_date then as_of.as_of_date else months.month_end end as period_end
    from currencies
    cross join months
    cross join as_of
),

billed_by_month as (
    select
        currency,
        {{ month_start('invoice_date') }} as month_start,
        sum(amount) as billed
    from invoices
    group by currency, {{ month_start('invoice_date') }}
),

paid_by_month as (
    select
        currency,
        {{ month_start('payment_date') }} as month_start,
        sum(amount) as paid
    from payments
    group by currency, {{ month_start('payment_date') }}
),

currency_balances as (
    select
        currency_months.currency,
        currency_months.month_start,
        currency_months.period_end,
        coalesce(billed_by_month.billed, 0) as billed,
        sum(coalesce(billed_by_month.billed, 0) - coalesce(paid_by_month.paid, 0)) over (
            partition by currency_months.currency order by currency_months.month_start
            rows between unbounded preceding and current row
        ) as receivables
    from currency_months
    left join billed_by_month
        on billed_by_month.currency = currency_months.currency
        and billed_by_month.month_start = currency_months.month_start
    left join paid_by_month
        on paid_by_month.currency = currency_months.currency
        and paid_by_month.month_start = currency_months.month_start
),

converted as (
    select
        currency_balances.month_start,
        currency_balances.period_end,
        sum(currency_balances.billed * fx.rate_to_reporting) as billings,
        sum(currency_balances.receivables * fx.rate_to_reporting) as receivables
    from currency_balances
    left join {{ ref('int_fx_rates_monthly') }} as fx
        on fx.currency = currency_balances.currency
        and fx.month_start = currency_balances.month_start
    group by currency_balances.month_start, currency_balances.period_end
),

with_trailing as (
    select
        converted.*,
        sum(converted.billings) over (
            order by converted.month_start rows between 2 preceding and current row
        ) as trailing_3_month_billings
    from converted
)

select
    with_trailing.month_start,
    with_trailing.period_end,
    as_of.as_of_date,
    cast('{{ var("reporting_currency", "USD") }}' as {{ type_varchar() }}) as reporting_currency,
    {{ finance_cents('with_trailing.billings') }} as billings,
    {{ finance_cents('with_trailing.trailing_3_month_billings') }} as trailing_3_month_billings,
    {{ finance_cents('with_trailing.receivables') }} as receivables,
    case
        when with_trailing.trailing_3_month_billings > 0
            then {{ decimal_ratio('with_trailing.receivables * 91', 'with_trailing.trailing_3_month_billings') }}
    end as dso_days
from with_trailing
cross join as_of
