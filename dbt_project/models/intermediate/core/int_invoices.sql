-- Union point of every source of invoices, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('invoices', [
    ['canonical', ref('stg_canonical__invoices')],
    ['harvest', ref('stg_harvest__invoices')],
    ['netsuite', ref('stg_netsuite__invoices')],
    ['quickbooks', ref('stg_quickbooks__invoices')],
    ['xero', ref('stg_xero__invoices')],
]) }}
