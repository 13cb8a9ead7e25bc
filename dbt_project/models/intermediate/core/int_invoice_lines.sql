-- Union point of every source of invoice_lines, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('invoice_lines', [
    ['canonical', ref('stg_canonical__invoice_lines')],
    ['harvest', ref('stg_harvest__invoice_lines')],
    ['netsuite', ref('stg_netsuite__invoice_lines')],
    ['quickbooks', ref('stg_quickbooks__invoice_lines')],
    ['xero', ref('stg_xero__invoice_lines')],
]) }}
