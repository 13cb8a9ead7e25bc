-- Union point of every source of projects, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('projects', [
    ['canonical', ref('stg_canonical__projects')],
    ['harvest', ref('stg_harvest__projects')],
    ['kantata', ref('stg_kantata__projects')],
    ['netsuite', ref('stg_netsuite__projects')],
    ['quickbooks', ref('stg_quickbooks__projects')],
    ['xero', ref('stg_xero__projects')],
]) }}
