-- Union point of every source of assignments, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('assignments', [
    ['canonical', ref('stg_canonical__assignments')],
    ['harvest_forecast', ref('stg_harvest_forecast__assignments')],
    ['kantata', ref('stg_kantata__assignments')],
]) }}
