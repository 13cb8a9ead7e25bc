-- Amounts billed per as-of view, project and invoice month, in the project currency: every
-- invoice line of an invoice that is not void, dated on or before the as-of date, once per invoice
-- (int_invoices_of_record, int_invoice_lines_of_record): an invoice two systems hold is billed once. A
-- line in another currency than the project's is converted at the two currencies' average rates of the
-- invoice month. Point in time (a view that is not current): only invoices entered by then (created_at,
-- else the invoice date), and a void invoice still counts when it was voided (updated_at) later.
--
-- billed_unlinked_time: the part billed on time lines of invoices that no time entry names, nor any
-- other view of them (same invoice number and entity). That is how an ERP bills the time a separate
-- PSA tracks (NetSuite, Xero or QuickBooks invoicing Harvest's time): the lines name the project,
-- not the entries, so int_finance_time_entries_by_as_of settles them against the project's
-- unbilled time, oldest first.
with as_of as (
    select
        as_of_date,
        is_current
    from {{ ref('int_as_of_dates') }}
),

invoices_naming_time as (
    select distinct
        coalesce(invoices.invoice_number, invoices.invoice_id) as invoice_key,
        invoices.entity_id
    from {{ ref('int_invoices') }} as invoices
    inner join {{ ref('int_time_entries_rated') }} as entries
        on entries.invoice_id = invoices.invoice_id
),

billed_lines as (
    select
        as_of.as_of_date,
        as_of.is_current,
        invoice_lines.project_id,
        {{ month_start('invoices.invoice_date') }} as month_start,
        invoice_lines.currency as invoice_currency,
        projects.currency as project_currency,
        invoice_lines.amount,
        invoice_lines.line_type = 'time' and naming.invoice_key is null as is_unlinked_time
    from {{ ref('int_invoice_lines_of_record') }} as invoice_lines
    inner join {{ ref('int_invoices_of_record') }} as invoices
        on invoices.invoice_id = invoice_lines.invoice_id
    left join invoices_naming_time as naming
        on naming.invoice_key = coalesce(invoices.invoice_number, invoices.invoice_id)
        and naming.entity_id = invoices.entity_id
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = invoice_lines.project_id
    inner join as_of
        on as_of.as_of_date >= invoices.invoice_date
    where {{ known_by('coalesce(invoices.created_at, invoices.invoice_date)', 'as_of') }}
        and (invoices.status <> 'void' or not {{ known_by('invoices.updated_at', 'as_of') }})
)

select
    billed_lines.as_of_date,
    billed_lines.is_current,
    billed_lines.project_id,
    billed_lines.month_start,
    cast(sum({{ finance_convert(
        'billed_lines.amount', 'billed_lines.invoice_currency', 'billed_lines.project_currency',
        'fx_invoice.rate_to_reporting', 'fx_project.rate_to_reporting'
    ) }}) as {{ finance_money_type() }}) as billed,
    cast(sum(case when billed_lines.is_unlinked_time then {{ finance_convert(
        'billed_lines.amount', 'billed_lines.invoice_currency', 'billed_lines.project_currency',
        'fx_invoice.rate_to_reporting', 'fx_project.rate_to_reporting'
    ) }} else 0 end) as {{ finance_money_type() }}) as billed_unlinked_time
from billed_lines
left join {{ ref('int_fx_rates_monthly') }} as fx_invoice
    on fx_invoice.currency = billed_lines.invoice_currency and fx_invoice.month_start = billed_lines.month_start
left join {{ ref('int_fx_rates_monthly') }} as fx_project
    on fx_project.currency = billed_lines.project_currency and fx_project.month_start = billed_lines.month_start
group by billed_lines.as_of_date, billed_lines.is_current, billed_lines.project_id, billed_lines.month_start
