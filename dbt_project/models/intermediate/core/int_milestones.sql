-- Union point of every source of milestones, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('milestones', [
    ['canonical', ref('stg_canonical__milestones')],
    ['harvest_forecast', ref('stg_harvest_forecast__milestones')],
]) }}
