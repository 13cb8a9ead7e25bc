-- One row per invoice, whichever systems hold it: the view of record (int_invoice_views). What the
-- firm billed and is owed (billing, receivables, DSO) reads this; reconciliation reads every view.
select
    invoices.*,
    invoice_views.view_count
from {{ ref('int_invoices') }} as invoices
inner join {{ ref('int_invoice_views') }} as invoice_views
    on invoice_views.invoice_id = invoices.invoice_id
where invoice_views.is_record_view
