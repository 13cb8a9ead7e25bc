-- Every system's row of every invoice, tied to the one invoice it is a view of. Views of one invoice
-- share its number (else its id) and legal entity, as mart_invoice_reconciliation matches them.
-- The view of record is the ERP's (is_erp_source), then the lowest invoice_id, so a firm whose PSA
-- invoices sync to its ERP counts each invoice once.
with ranked as (
    select
        invoice_id,
        entity_id,
        source_system,
        coalesce(invoice_number, invoice_id) as invoice_key,
        row_number() over (
            partition by entity_id, coalesce(invoice_number, invoice_id)
            order by case when {{ is_erp_source('source_system') }} then 0 else 1 end, invoice_id
        ) as view_rank,
        count(*) over (partition by entity_id, coalesce(invoice_number, invoice_id)) as view_count
    from {{ ref('int_invoices') }}
)

select
    ranked.invoice_id,
    ranked.entity_id,
    ranked.source_system,
    ranked.invoice_key,
    ranked.view_rank,
    ranked.view_count,
    records.invoice_id as record_invoice_id,
    ranked.view_rank = 1 as is_record_view
from ranked
inner join ranked as records
    on records.entity_id = ranked.entity_id
    and records.invoice_key = ranked.invoice_key
    and records.view_rank = 1
