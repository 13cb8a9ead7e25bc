-- HubSpot deals -> opportunities; archived deals (the list API's archived=true) are left out.
-- Every property arrives as text and passes on as text: the validator casts amount, probability,
-- dates, durations and timestamps with the contract's rules (a bad value is quarantined as such).
-- customer_id: empty when dealtype is one of connectors.hubspot.new_business_types (default:
--   newbusiness) or the deal's company is not a customer; else the identity map's customer for the
--   company, else the company. account_name: the company's name (the deal's primary company).
-- stage: the dealstage id's label in its pipeline. probability: hs_forecast_probability (the
--   rep's), else hs_deal_stage_probability, else the stage's metadata (all 0 to 1 already).
-- status: hs_is_closed_won -> won; hs_is_closed (else the stage's isClosed) -> lost; else open.
-- currency: deal_currency_code (multi-currency portals), else company_currency.
-- dates: the UTC day of a datetime text, or of epoch milliseconds (legacy date properties).
WITH stage AS (
    SELECT
        p.id AS pipeline_id,
        s.id AS stage_id,
        s.label,
        s.probability,
        lower(s.is_closed) = 'true' AS is_closed
    FROM raw_hubspot.pipelines__stages AS s
    INNER JOIN raw_hubspot.pipelines AS p ON p._dlt_id = s._dlt_parent_id
),

company AS (
    SELECT
        c.id,
        c.name,
        coalesce(
            m.canonical_id,
            CASE
                WHEN c.lifecyclestage IN (SELECT s.lifecyclestage FROM cfg_customer_stages AS s)
                    THEN 'hubspot:' || c.id
            END
        ) AS customer_id
    FROM raw_hubspot.companies AS c
    LEFT JOIN cfg_identity AS m ON m.entity = 'customers' AND m.source_system = 'hubspot' AND m.source_id = c.id
    WHERE c._wipcast_deleted_at IS NULL
),

deal AS (
    SELECT
        d.*,
        lower(
            coalesce(d.hs_is_closed_won, CASE WHEN s.is_closed AND try_cast(s.probability AS DOUBLE) = 1 THEN 'true' END)
        ) = 'true' AS won,
        lower(coalesce(d.hs_is_closed, CAST(s.is_closed AS VARCHAR))) = 'true' AS closed,
        s.label AS stage_label,
        s.probability AS stage_probability
    FROM raw_hubspot.deals AS d
    LEFT JOIN stage AS s ON s.pipeline_id = d.pipeline AND s.stage_id = d.dealstage
    WHERE d._wipcast_deleted_at IS NULL
        AND d.id NOT IN (SELECT a.id FROM raw_hubspot.deals_archived AS a)
)

SELECT
    'hubspot:' || d.id AS opportunity_id,
    CASE WHEN d.dealtype IN (SELECT n.dealtype FROM cfg_new_business AS n) THEN NULL ELSE co.customer_id END AS customer_id,
    co.name AS account_name,
    d.dealname AS name,
    coalesce(d.wipcast_practice, cfg.default_practice) AS practice,
    coalesce(d.wipcast_region, cfg.default_region) AS region,
    upper(coalesce(d.deal_currency_code, cfg.company_currency)) AS currency,
    nullif(d.amount, '') AS amount,
    coalesce(d.stage_label, d.dealstage) AS stage,
    coalesce(
        nullif(d.hs_forecast_probability, ''), nullif(d.hs_deal_stage_probability, ''), d.stage_probability
    ) AS probability,
    CASE
        WHEN regexp_full_match(d.createdate, '[0-9]+') THEN strftime(epoch_ms(CAST(d.createdate AS BIGINT)), '%Y-%m-%d')
        ELSE left(d.createdate, 10)
    END AS created_date,
    CASE
        WHEN regexp_full_match(d.closedate, '[0-9]+') THEN strftime(epoch_ms(CAST(d.closedate AS BIGINT)), '%Y-%m-%d')
        ELSE left(d.closedate, 10)
    END AS close_date,
    CASE
        WHEN regexp_full_match(d.wipcast_expected_start_date, '[0-9]+')
            THEN strftime(epoch_ms(CAST(d.wipcast_expected_start_date AS BIGINT)), '%Y-%m-%d')
        ELSE left(d.wipcast_expected_start_date, 10)
    END AS expected_start_date,
    d.wipcast_expected_duration_weeks AS expected_duration_weeks,
    CASE WHEN d.won THEN 'won' WHEN d.closed THEN 'lost' ELSE 'open' END AS status,
    d.wipcast_project_id AS project_id,
    d.hs_lastmodifieddate AS updated_at,
    CAST(to_json(d) AS VARCHAR) AS _source_row,
    d._dlt_load_id AS _source_load_id
FROM deal AS d
CROSS JOIN cfg_defaults AS cfg
LEFT JOIN raw_hubspot.deal_details AS dd ON dd.id = d.id
LEFT JOIN company AS co ON co.id = dd.company_id
