-- Salesforce accounts -> customers. An account is a customer when its Type is one of
-- connectors.salesforce.customer_account_types (default: Customer - Direct, Customer - Channel);
-- prospects and partners are not. An account connectors.identity_map ties to another source's
-- customer is that customer already (its opportunities point there), so it is not a second one.
-- Ids are compared on their first 15 characters: the 18-character API id adds only a checksum.
-- country: the account_country field (default BillingCountryCode), else default_country;
-- region: the account_region custom field, else default_region.
SELECT
    'salesforce:' || a.id AS customer_id,
    a.name,
    a.industry,
    coalesce(a.wipcast_account_country, d.default_country) AS country,
    coalesce(a.wipcast_account_region, d.default_region) AS region,
    CAST(to_json(a) AS VARCHAR) AS _source_row,
    a._dlt_load_id AS _source_load_id
FROM raw_salesforce.accounts AS a
CROSS JOIN cfg_defaults AS d
WHERE a._wipcast_deleted_at IS NULL
    AND NOT coalesce(a.is_deleted, false)
    AND a.type IN (SELECT t.account_type FROM cfg_customer_types AS t)
    AND left(a.id, 15) NOT IN (
        SELECT left(m.source_id, 15) FROM cfg_identity AS m
        WHERE m.entity = 'customers' AND m.source_system = 'salesforce'
    )
