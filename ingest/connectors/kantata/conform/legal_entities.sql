-- Kantata has no legal entities: they are declared in wipcast.toml as [[connectors.kantata.legal_entities]].
-- Their ids are the firm's own (no kantata: prefix), so every source can name the same entity.
SELECT
    entity_id,
    name,
    country,
    currency,
    CAST(NULL AS VARCHAR) AS _source_row,
    CAST(NULL AS VARCHAR) AS _source_load_id
FROM cfg_legal_entities
