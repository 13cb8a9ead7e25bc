-- Union point of every source of opportunities, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('opportunities', [
    ['canonical', ref('stg_canonical__opportunities')],
    ['salesforce', ref('stg_salesforce__opportunities')],
    ['hubspot', ref('stg_hubspot__opportunities')],
]) }}
