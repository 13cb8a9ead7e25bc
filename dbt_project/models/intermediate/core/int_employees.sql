-- Union point of every source of employees, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('employees', [
    ['canonical', ref('stg_canonical__employees')],
    ['harvest', ref('stg_harvest__employees')],
    ['kantata', ref('stg_kantata__employees')],
    ['xero', ref('stg_xero__employees')],
]) }}
