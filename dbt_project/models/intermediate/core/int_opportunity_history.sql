-- Union point of every source of opportunity_history, in the contract's column names (union_entity).
-- The canonical files and each vendor connector that produces the entity (its staging model
-- is empty until the connector has synced); another source is another [source_system, staging model] pair.
{{ union_entity('opportunity_history', [
    ['canonical', ref('stg_canonical__opportunity_history')],
    ['salesforce', ref('stg_salesforce__opportunity_history')],
    ['hubspot', ref('stg_hubspot__opportunity_history')],
]) }}
