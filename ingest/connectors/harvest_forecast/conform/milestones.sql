-- Forecast milestones -> milestones. Forecast milestones are dated markers without an amount:
-- the amount comes from connectors.harvest_forecast.milestones_file (forecast_milestone_id,
-- amount); one without an amount is set aside naming that setting. Forecast records no
-- completion or invoice. The project resolves as in assignments.sql.
WITH resolved AS (
    SELECT
        m.*,
        coalesce(
            (SELECT canonical_id FROM cfg_identity AS x WHERE x.entity = 'projects'
                AND x.source_system = 'harvest_forecast' AND x.source_id = CAST(m.project_id AS VARCHAR)),
            'harvest:' || fp.harvest_id
        ) AS canonical_project
    FROM raw_harvest_forecast.milestones AS m
    LEFT JOIN raw_harvest_forecast.projects AS fp ON fp.id = m.project_id AND fp._wipcast_deleted_at IS NULL
    WHERE m._wipcast_deleted_at IS NULL
)

SELECT
    'harvest_forecast:' || m.id AS milestone_id,
    m.canonical_project AS project_id,
    m.name,
    a.amount,
    m.date AS due_date,
    CAST(NULL AS DATE) AS completed_date,
    CAST(NULL AS VARCHAR) AS invoice_id,
    CASE WHEN m.canonical_project IS NULL THEN 'project_id' END AS _problem_column,
    CASE
        WHEN m.canonical_project IS NULL
            THEN 'project_id: the Forecast project has no harvest_id and no entry in connectors.identity_map'
    END AS _problem_reason,
    CASE WHEN m.canonical_project IS NULL THEN 'projects' END AS _unresolved_entity,
    CASE WHEN m.canonical_project IS NULL THEN m.project_id END AS _unresolved_id,
    CAST(to_json(m) AS VARCHAR) AS _source_row,
    m._dlt_load_id AS _source_load_id
FROM resolved AS m
LEFT JOIN cfg_milestones AS a ON a.forecast_milestone_id = CAST(m.id AS VARCHAR)
