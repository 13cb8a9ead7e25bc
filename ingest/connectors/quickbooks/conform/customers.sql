-- QuickBooks customers (records without a parent; see _identity.sql) -> customers, for those the
-- identity map does not name. name: DisplayName (unique in QuickBooks), else the company name, else
-- the person's name. country: connectors.quickbooks.customers_file, else the billing address's
-- country when it is a two-letter code (QuickBooks keeps it as free text), else default_country.
-- region and industry: customers_file, else default_region (no industry). A QuickBooks-only customer
-- while another source holds customers is listed in ops.identity_exceptions (it still loads).
SELECT
    r.customer_id,
    coalesce(c.display_name, c.company_name, nullif(trim(concat_ws(' ', c.given_name, c.family_name)), '')) AS name,
    m.industry,
    coalesce(
        m.country,
        CASE
            WHEN regexp_matches(trim(coalesce(c.bill_country, '')), '^[A-Za-z]{2}$') THEN upper(trim(c.bill_country))
        END,
        d.default_country
    ) AS country,
    coalesce(m.region, d.default_region) AS region,
    CASE WHEN r.other_source THEN 'customers' END AS _unresolved_entity,
    CASE WHEN r.other_source THEN c.id END AS _unresolved_id,
    CAST(to_json(c) AS VARCHAR) AS _source_row,
    c._dlt_load_id AS _source_load_id
FROM qb_records AS c
INNER JOIN qb_customer AS r ON r.quickbooks_id = c.id
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_customers AS m ON m.quickbooks_customer_id = c.id
WHERE r.matched_id IS NULL
