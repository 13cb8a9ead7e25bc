-- Union point of every source of customers, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('customers', [
    ['canonical', ref('stg_canonical__customers')],
    ['harvest', ref('stg_harvest__customers')],
    ['kantata', ref('stg_kantata__customers')],
    ['salesforce', ref('stg_salesforce__customers')],
    ['hubspot', ref('stg_hubspot__customers')],
    ['netsuite', ref('stg_netsuite__customers')],
    ['quickbooks', ref('stg_quickbooks__customers')],
    ['xero', ref('stg_xero__customers')],
]) }}
