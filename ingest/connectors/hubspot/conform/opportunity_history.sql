-- HubSpot propertiesWithHistory -> opportunity_history. A deal's history is the union of the change
-- times of its tracked properties (dealstage, amount, closedate, the probabilities and the
-- expected start property); at each time every property is carried forward from its latest
-- change at or before it. stage and status from the stage in force (its label; isClosed with
-- probability 1 -> won, isClosed -> lost, else open); probability as on the deal (forecast, else
-- stage probability, else the stage's metadata). Archived deals are left out with their history.
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

changes AS (
    SELECT dd.id AS deal_id, c.property, c.value, CAST(c.timestamp AS TIMESTAMPTZ) AS ts
    FROM raw_hubspot.deal_details__changes AS c
    INNER JOIN raw_hubspot.deal_details AS dd ON dd._dlt_id = c._dlt_parent_id
    WHERE dd._wipcast_deleted_at IS NULL
),

wide AS (
    SELECT
        deal_id,
        ts,
        max(value) FILTER (WHERE property = 'dealstage') AS dealstage,
        max(value) FILTER (WHERE property = 'amount') AS amount,
        max(value) FILTER (WHERE property = 'closedate') AS closedate,
        max(value) FILTER (WHERE property = 'hs_forecast_probability') AS forecast_probability,
        max(value) FILTER (WHERE property = 'hs_deal_stage_probability') AS stage_probability,
        max(value) FILTER (WHERE property = 'wipcast_expected_start_date') AS expected_start
    FROM changes
    GROUP BY deal_id, ts
),

carried AS (
    SELECT
        deal_id,
        ts,
        last_value(dealstage IGNORE NULLS) OVER w AS dealstage,
        last_value(amount IGNORE NULLS) OVER w AS amount,
        last_value(closedate IGNORE NULLS) OVER w AS closedate,
        last_value(forecast_probability IGNORE NULLS) OVER w AS forecast_probability,
        last_value(stage_probability IGNORE NULLS) OVER w AS stage_probability,
        last_value(expected_start IGNORE NULLS) OVER w AS expected_start
    FROM wide
    WINDOW w AS (PARTITION BY deal_id ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)

SELECT
    'hubspot:' || h.deal_id AS opportunity_id,
    h.ts AS changed_at,
    coalesce(s.label, h.dealstage) AS stage,
    coalesce(nullif(h.forecast_probability, ''), nullif(h.stage_probability, ''), s.probability) AS probability,
    nullif(h.amount, '') AS amount,
    CASE
        WHEN regexp_full_match(h.closedate, '[0-9]+') THEN strftime(epoch_ms(CAST(h.closedate AS BIGINT)), '%Y-%m-%d')
        ELSE left(h.closedate, 10)
    END AS close_date,
    CASE
        WHEN regexp_full_match(coalesce(h.expected_start, d.wipcast_expected_start_date), '[0-9]+')
            THEN strftime(epoch_ms(CAST(coalesce(h.expected_start, d.wipcast_expected_start_date) AS BIGINT)), '%Y-%m-%d')
        ELSE left(coalesce(h.expected_start, d.wipcast_expected_start_date), 10)
    END AS expected_start_date,
    CASE
        WHEN s.is_closed AND try_cast(s.probability AS DOUBLE) = 1 THEN 'won'
        WHEN s.is_closed THEN 'lost'
        WHEN s.stage_id IS NOT NULL THEN 'open'
    END AS status,
    CASE WHEN s.stage_id IS NULL THEN 'status' END AS _problem_column,
    CASE
        WHEN s.stage_id IS NULL
            THEN 'status: dealstage ' || coalesce(h.dealstage, '(empty)') || ' is not a stage of pipeline '
            || coalesce(d.pipeline, '(empty)') || ' in crm/v3/pipelines/deals'
    END AS _problem_reason,
    CAST(to_json(h) AS VARCHAR) AS _source_row,
    d._dlt_load_id AS _source_load_id
FROM carried AS h
INNER JOIN raw_hubspot.deals AS d
    ON d.id = h.deal_id
    AND d._wipcast_deleted_at IS NULL
    AND d.id NOT IN (SELECT a.id FROM raw_hubspot.deals_archived AS a)
LEFT JOIN stage AS s ON s.pipeline_id = d.pipeline AND s.stage_id = h.dealstage
