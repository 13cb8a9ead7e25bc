-- The Xero organisation -> legal_entities: one row, from [connectors.xero.legal_entity] when it gives
-- a name (with country and currency). With entity_id alone the entity is the files' (or another
-- source's) and no row is added here; its id is the firm's own, so every source names the same one.
SELECT
    entity_id,
    name,
    upper(country) AS country,
    upper(currency) AS currency,
    CAST(NULL AS VARCHAR) AS _source_row,
    CAST(NULL AS VARCHAR) AS _source_load_id
FROM cfg_legal_entity
WHERE name IS NOT NULL
