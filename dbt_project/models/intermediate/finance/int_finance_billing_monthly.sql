-- Amounts billed per project and invoice month, in the project currency: every invoice line of
-- an invoice that is not void, dated on or before the as-of date. A line in another currency
-- than the project's is converted at the two currencies' average rates of the invoice month.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

lines as (
    select
        lines.project_id,
        {{ month_start('invoices.invoice_date') }} as month_start,
        invoices.currency as invoice_currency,
        projects.currency as project_currency,
        lines.amount
    from {{ ref('int_invoice_lines') }} as lines
    inner join {{ ref('int_invoices') }} as invoices
        on invoices.invoice_id = lines.invoice_id
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = lines.project_id
    cross join as_of
    where invoices.status <> 'void'
      and invoices.invoice_date <= as_of.as_of_date
)

select
    lines.project_id,
    lines.month_start,
    cast(sum({{ finance_convert(
        'lines.amount', 'lines.invoice_currency', 'lines.project_currency',
        'fx_invoice.rate_to_reporting', 'fx_project.rate_to_reporting'
    ) }}) as {{ finance_money_type() }}) as billed
from lines
left join {{ ref('int_fx_rates_monthly') }} as fx_invoice
    on fx_invoice.currency = lines.invoice_currency and fx_invoice.month_start = lines.month_start
left join {{ ref('int_fx_rates_monthly') }} as fx_project
    on fx_project.currency = lines.project_currency and fx_project.month_start = lines.month_start
group by lines.project_id, lines.month_start
