-- Salesforce OpportunityHistory -> opportunity_history: one row per saved change of stage, amount,
-- probability or close date, timed by its CreatedDate. Probability / 100 as on the opportunity.
-- status: from the stage's OpportunityStage row (IsWon -> won, IsClosed -> lost, else open), since a
--   history row carries neither flag; a stage the org's stage list lacks is set aside, named.
-- expected_start_date: the opportunity's current value (OpportunityHistory records no custom fields).
-- Rows of deleted opportunities are left out with them.
WITH stage AS (
    -- a stage by its API name, else by its label (the two differ only once an admin renames a label)
    SELECT stage_name AS api_name, is_closed, is_won, default_probability
    FROM (
        SELECT api_name AS stage_name, is_closed, is_won, default_probability, 0 AS pick
        FROM raw_salesforce.opportunity_stages WHERE _wipcast_deleted_at IS NULL
        UNION ALL
        SELECT master_label, is_closed, is_won, default_probability, 1 AS pick
        FROM raw_salesforce.opportunity_stages WHERE _wipcast_deleted_at IS NULL
    )
    QUALIFY row_number() OVER (PARTITION BY stage_name ORDER BY pick) = 1
)

SELECT
    'salesforce:' || h.opportunity_id AS opportunity_id,
    h.created_date AS changed_at,
    h.stage_name AS stage,
    coalesce(h.probability, s.default_probability) / 100.0 AS probability,
    h.amount,
    h.close_date,
    o.wipcast_expected_start_date AS expected_start_date,
    CASE WHEN s.is_won THEN 'won' WHEN s.is_closed THEN 'lost' WHEN s.api_name IS NOT NULL THEN 'open' END AS status,
    CASE WHEN s.api_name IS NULL THEN 'status' END AS _problem_column,
    CASE
        WHEN s.api_name IS NULL
            THEN 'status: stage ' || coalesce(h.stage_name, '(empty)') || ' is not in the org''s OpportunityStage list'
    END AS _problem_reason,
    CAST(to_json(h) AS VARCHAR) AS _source_row,
    h._dlt_load_id AS _source_load_id
FROM raw_salesforce.opportunity_history AS h
INNER JOIN raw_salesforce.opportunities AS o
    ON o.id = h.opportunity_id AND o._wipcast_deleted_at IS NULL AND NOT coalesce(o.is_deleted, false)
LEFT JOIN stage AS s ON s.api_name = h.stage_name
WHERE h._wipcast_deleted_at IS NULL AND NOT coalesce(h.is_deleted, false)
