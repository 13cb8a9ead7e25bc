-- Harvest clients -> customers. Harvest keeps only a free-text address: country, region and
-- industry come from connectors.harvest.clients_file, else the defaults. The firm's own
-- internal clients (internal_client_ids) are not customers: their projects are internal work.
SELECT
    'harvest:' || c.id AS customer_id,
    c.name,
    m.industry,
    coalesce(m.country, d.default_country) AS country,
    coalesce(m.region, d.default_region) AS region,
    CAST(to_json(c) AS VARCHAR) AS _source_row,
    c._dlt_load_id AS _source_load_id
FROM raw_harvest.clients AS c
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_clients AS m ON m.harvest_client_id = CAST(c.id AS VARCHAR)
WHERE c._wipcast_deleted_at IS NULL
    AND c.id NOT IN (SELECT client_id FROM cfg_internal_clients)
