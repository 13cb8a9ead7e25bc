-- HubSpot companies -> customers. A company is a customer when its lifecyclestage is one of
-- connectors.hubspot.customer_lifecycle_stages (default: customer, evangelist); leads and open
-- opportunities are prospects. A company connectors.identity_map ties to another source's customer
-- is that customer already, so it is not a second one.
-- country: the company_country property (default: country), else default_country;
-- region: the company_region custom property, else default_region. Values pass on as text.
SELECT
    'hubspot:' || c.id AS customer_id,
    c.name,
    c.industry,
    coalesce(c.wipcast_company_country, d.default_country) AS country,
    coalesce(c.wipcast_company_region, d.default_region) AS region,
    CAST(to_json(c) AS VARCHAR) AS _source_row,
    c._dlt_load_id AS _source_load_id
FROM raw_hubspot.companies AS c
CROSS JOIN cfg_defaults AS d
WHERE c._wipcast_deleted_at IS NULL
    AND c.lifecyclestage IN (SELECT s.lifecyclestage FROM cfg_customer_stages AS s)
    AND c.id NOT IN (
        SELECT m.source_id FROM cfg_identity AS m
        WHERE m.entity = 'customers' AND m.source_system = 'hubspot'
    )
