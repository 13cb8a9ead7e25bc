-- Kantata workspace groups flagged `company` -> customers (Kantata's client companies; other groups
-- are only folders). A group holds no address: country, region and industry come from
-- connectors.kantata.customers_file (by kantata_group_id), else the defaults.
SELECT
    'kantata:' || g.id AS customer_id,
    g.name,
    m.industry,
    coalesce(m.country, d.default_country) AS country,
    coalesce(m.region, d.default_region) AS region,
    CAST(to_json(g) AS VARCHAR) AS _source_row,
    g._dlt_load_id AS _source_load_id
FROM raw_kantata.workspace_groups AS g
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_customers AS m ON m.kantata_group_id = g.id
WHERE g._wipcast_deleted_at IS NULL AND coalesce(g.company, false)
