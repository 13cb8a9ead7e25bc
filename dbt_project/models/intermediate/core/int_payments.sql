-- Union point of every source of payments, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('payments', [
    ['canonical', ref('stg_canonical__payments')],
    ['harvest', ref('stg_harvest__payments')],
    ['netsuite', ref('stg_netsuite__payments')],
    ['quickbooks', ref('stg_quickbooks__payments')],
    ['xero', ref('stg_xero__payments')],
]) }}
