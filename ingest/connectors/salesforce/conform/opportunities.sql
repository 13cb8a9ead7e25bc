-- Salesforce opportunities -> opportunities (deleted ones, IsDeleted from queryAll, are left out).
-- customer_id: empty when the opportunity's Type is one of connectors.salesforce.new_customer_types
--   (default: New Customer) or its account is not a customer (a prospect); else the identity map's
--   customer for the account, else the account itself. account_name: the account's name.
-- probability: Probability / 100 (Salesforce keeps percent), else the stage's DefaultProbability.
-- status: IsWon -> won; IsClosed -> lost; else open.
-- currency: CurrencyIsoCode (multi-currency orgs, multi_currency = true), else org_currency.
-- practice, region, expected start and duration: the custom fields of [connectors.salesforce.fields]
--   (passed on as text, so a bad value is reported by the validator), else the defaults.
-- created_date: the UTC day of CreatedDate; updated_at: SystemModstamp (the sync cursor).
WITH customer_account AS (
    SELECT
        a.id,
        coalesce(
            m.canonical_id,
            CASE WHEN a.type IN (SELECT t.account_type FROM cfg_customer_types AS t) THEN 'salesforce:' || a.id END
        ) AS customer_id
    FROM raw_salesforce.accounts AS a
    LEFT JOIN cfg_identity AS m
        ON m.entity = 'customers' AND m.source_system = 'salesforce' AND left(m.source_id, 15) = left(a.id, 15)
    WHERE a._wipcast_deleted_at IS NULL AND NOT coalesce(a.is_deleted, false)
),

stage AS (
    -- a stage by its API name, else by its label
    SELECT stage_name AS api_name, default_probability
    FROM (
        SELECT api_name AS stage_name, default_probability, 0 AS pick
        FROM raw_salesforce.opportunity_stages WHERE _wipcast_deleted_at IS NULL
        UNION ALL
        SELECT master_label, default_probability, 1 AS pick
        FROM raw_salesforce.opportunity_stages WHERE _wipcast_deleted_at IS NULL
    )
    QUALIFY row_number() OVER (PARTITION BY stage_name ORDER BY pick) = 1
)

SELECT
    'salesforce:' || o.id AS opportunity_id,
    CASE
        WHEN o.type IN (SELECT n.opportunity_type FROM cfg_new_customer_types AS n) THEN NULL
        ELSE ca.customer_id
    END AS customer_id,
    o.account__name AS account_name,
    o.name,
    coalesce(o.wipcast_practice, d.default_practice) AS practice,
    coalesce(o.wipcast_region, d.default_region) AS region,
    upper(coalesce(o.currency_iso_code, d.org_currency)) AS currency,
    o.amount,
    o.stage_name AS stage,
    coalesce(o.probability, s.default_probability) / 100.0 AS probability,
    CAST(o.created_date AS DATE) AS created_date,
    o.close_date,
    o.wipcast_expected_start_date AS expected_start_date,
    o.wipcast_expected_duration_weeks AS expected_duration_weeks,
    CASE WHEN o.is_won THEN 'won' WHEN o.is_closed THEN 'lost' ELSE 'open' END AS status,
    o.wipcast_project_id AS project_id,
    o.system_modstamp AS updated_at,
    CAST(to_json(o) AS VARCHAR) AS _source_row,
    o._dlt_load_id AS _source_load_id
FROM raw_salesforce.opportunities AS o
CROSS JOIN cfg_defaults AS d
LEFT JOIN customer_account AS ca ON ca.id = o.account_id
LEFT JOIN stage AS s ON s.api_name = o.stage_name
WHERE o._wipcast_deleted_at IS NULL AND NOT coalesce(o.is_deleted, false)
