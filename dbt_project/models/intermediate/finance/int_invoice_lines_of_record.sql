-- Invoice lines per invoice of record, each billed once. Two systems that hold one invoice usually
-- both itemise it; adding both would bill it twice. So the lines of one view count: the view of
-- record's when it has any, else the next view's by view_rank (an ERP that holds only the header of
-- an invoice its PSA itemised still bills what the PSA's lines say). invoice_id is the invoice of
-- record; currency is the currency of the view the lines came from, which billing converts from.
with line_views as (
    select
        invoice_lines.invoice_line_id,
        invoice_views.record_invoice_id,
        invoice_views.view_rank,
        invoice_lines.project_id,
        invoice_lines.line_type,
        invoice_lines.hours,
        invoice_lines.amount,
        invoices.currency,
        invoice_lines.source_system
    from {{ ref('int_invoice_lines') }} as invoice_lines
    inner join {{ ref('int_invoice_views') }} as invoice_views
        on invoice_views.invoice_id = invoice_lines.invoice_id
    inner join {{ ref('int_invoices') }} as invoices
        on invoices.invoice_id = invoice_lines.invoice_id
),

itemising_view as (
    select
        record_invoice_id,
        min(view_rank) as view_rank
    from line_views
    group by record_invoice_id
)

select
    line_views.invoice_line_id,
    line_views.record_invoice_id as invoice_id,
    line_views.project_id,
    line_views.line_type,
    line_views.hours,
    line_views.amount,
    line_views.currency,
    line_views.source_system
from line_views
inner join itemising_view
    on itemising_view.record_invoice_id = line_views.record_invoice_id
    and itemising_view.view_rank = line_views.view_rank
