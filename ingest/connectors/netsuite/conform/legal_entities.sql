-- NetSuite subsidiaries -> legal_entities. A subsidiary named in connectors.netsuite.subsidiaries
-- takes the firm's own entity id (the one the files and the PSA use); any other is netsuite:<id>.
-- Elimination subsidiaries are consolidation bookkeeping, not legal entities: left out.
SELECT
    coalesce(m.entity_id, 'netsuite:' || s.id) AS entity_id,
    coalesce(s.name, s.fullname) AS name,
    upper(s.country) AS country,
    upper(coalesce(s.currency_symbol, cur.symbol)) AS currency,
    CAST(to_json(s) AS VARCHAR) AS _source_row,
    s._dlt_load_id AS _source_load_id
FROM raw_netsuite.subsidiaries AS s
LEFT JOIN cfg_subsidiaries AS m ON m.subsidiary_id = s.id
LEFT JOIN raw_netsuite.currencies AS cur ON cur.id = s.currency
WHERE s._wipcast_deleted_at IS NULL AND coalesce(s.iselimination, 'F') <> 'T'
