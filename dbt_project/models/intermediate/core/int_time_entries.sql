-- Union point of every source of time_entries, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('time_entries', [
    ['canonical', ref('stg_canonical__time_entries')],
    ['harvest', ref('stg_harvest__time_entries')],
    ['kantata', ref('stg_kantata__time_entries')],
    ['xero', ref('stg_xero__time_entries')],
]) }}
