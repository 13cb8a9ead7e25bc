-- NetSuite customers -> customers, for those no other source holds (see _identity.sql); a matched
-- customer is the other source's member and its invoices point there. name: the company name, else
-- the person's name, else the entity id. NetSuite's address book is not read: country, region and
-- industry come from connectors.netsuite.customers_file, else the defaults. A NetSuite-only customer
-- while another source holds customers is listed in ops.identity_exceptions (it still loads).
SELECT
    r.customer_id,
    coalesce(c.companyname, nullif(trim(concat_ws(' ', c.firstname, c.lastname)), ''), c.altname, c.entityid) AS name,
    m.industry,
    coalesce(m.country, d.default_country) AS country,
    coalesce(m.region, d.default_region) AS region,
    CASE WHEN r.other_source THEN 'customers' END AS _unresolved_entity,
    CASE WHEN r.other_source THEN c.id END AS _unresolved_id,
    CAST(to_json(c) AS VARCHAR) AS _source_row,
    c._dlt_load_id AS _source_load_id
FROM raw_netsuite.customers AS c
INNER JOIN ns_customer AS r ON r.netsuite_id = c.id
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_customers AS m ON m.netsuite_customer_id = c.id
WHERE c._wipcast_deleted_at IS NULL AND r.matched_id IS NULL
