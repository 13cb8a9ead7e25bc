-- Forecast assignments -> assignments. Forecast ids are linked to Harvest's: a project through its
-- harvest_id, a person through harvest_user_id; connectors.identity_map (entity, source_system
-- harvest_forecast, source_id, canonical_id) is consulted first and covers anything else. A
-- reference neither resolves is set aside and listed in ops.identity_exceptions.
-- hours_per_week: allocation is seconds per working day -> x the person's working days / 3600.
-- A placeholder is an unnamed assignment (no employee) with the placeholder's first role.
-- The same mapping conforms the daily plan snapshots (raw_harvest_forecast.assignment_snapshots: each
-- sync appends the plan as it stands that day) into assignment_snapshots: {{ plan_table }} is the raw
-- table and {{ snapshot_columns }} the snapshot's date. Names and roles resolve through today's people
-- and placeholders (Forecast keeps no history of them).
WITH person AS (
    SELECT
        p.*,
        (SELECT value FROM raw_harvest_forecast.people__roles AS r WHERE r._dlt_parent_id = p._dlt_id
            ORDER BY r._dlt_list_idx LIMIT 1) AS first_role,
        nullif(
            coalesce(p.working_days__monday::INT, 0) + coalesce(p.working_days__tuesday::INT, 0)
            + coalesce(p.working_days__wednesday::INT, 0) + coalesce(p.working_days__thursday::INT, 0)
            + coalesce(p.working_days__friday::INT, 0) + coalesce(p.working_days__saturday::INT, 0)
            + coalesce(p.working_days__sunday::INT, 0),
            0
        ) AS days_per_week
    FROM raw_harvest_forecast.people AS p
    WHERE p._wipcast_deleted_at IS NULL
),

placeholder AS (
    SELECT
        p.*,
        (SELECT value FROM raw_harvest_forecast.placeholders__roles AS r WHERE r._dlt_parent_id = p._dlt_id
            ORDER BY r._dlt_list_idx LIMIT 1) AS first_role
    FROM raw_harvest_forecast.placeholders AS p
    WHERE p._wipcast_deleted_at IS NULL
),

resolved AS (
    SELECT
        a.*,
        coalesce(
            (SELECT canonical_id FROM cfg_identity AS m WHERE m.entity = 'projects'
                AND m.source_system = 'harvest_forecast' AND m.source_id = CAST(a.project_id AS VARCHAR)),
            'harvest:' || fp.harvest_id
        ) AS canonical_project,
        CASE WHEN a.person_id IS NOT NULL THEN coalesce(
            (SELECT canonical_id FROM cfg_identity AS m WHERE m.entity = 'employees'
                AND m.source_system = 'harvest_forecast' AND m.source_id = CAST(a.person_id AS VARCHAR)),
            'harvest:' || pe.harvest_user_id
        ) END AS canonical_employee,
        pe.first_role AS person_role,
        pe.days_per_week,
        ph.first_role AS placeholder_role,
        ph.name AS placeholder_name
    FROM raw_harvest_forecast.{{ plan_table }} AS a
    LEFT JOIN raw_harvest_forecast.projects AS fp ON fp.id = a.project_id AND fp._wipcast_deleted_at IS NULL
    LEFT JOIN person AS pe ON pe.id = a.person_id
    LEFT JOIN placeholder AS ph ON ph.id = a.placeholder_id
    WHERE a._wipcast_deleted_at IS NULL
)

SELECT
    {{ snapshot_columns }}
    'harvest_forecast:' || a.id AS assignment_id,
    a.canonical_project AS project_id,
    a.canonical_employee AS employee_id,
    CASE
        WHEN a.person_id IS NOT NULL THEN coalesce(a.person_role, he.role, d.default_role)
        ELSE coalesce(a.placeholder_role, a.placeholder_name, d.default_role)
    END AS role,
    a.start_date,
    a.end_date,
    a.allocation * coalesce(a.days_per_week, d.working_days) / 3600.0 AS hours_per_week,
    a.updated_at,
    CASE
        WHEN a.canonical_project IS NULL THEN 'project_id'
        WHEN a.person_id IS NOT NULL AND a.canonical_employee IS NULL THEN 'employee_id'
        WHEN a.allocation IS NULL THEN 'hours_per_week'
    END AS _problem_column,
    CASE
        WHEN a.canonical_project IS NULL
            THEN 'project_id: the Forecast project has no harvest_id and no entry in connectors.identity_map'
        WHEN a.person_id IS NOT NULL AND a.canonical_employee IS NULL
            THEN 'employee_id: the Forecast person has no harvest_user_id and no entry in connectors.identity_map'
        WHEN a.allocation IS NULL THEN 'hours_per_week: Forecast sent no allocation (its meaning is undocumented)'
    END AS _problem_reason,
    CASE
        WHEN a.canonical_project IS NULL THEN 'projects'
        WHEN a.person_id IS NOT NULL AND a.canonical_employee IS NULL THEN 'employees'
    END AS _unresolved_entity,
    CASE
        WHEN a.canonical_project IS NULL THEN a.project_id
        WHEN a.person_id IS NOT NULL AND a.canonical_employee IS NULL THEN a.person_id
    END AS _unresolved_id,
    CAST(to_json(a) AS VARCHAR) AS _source_row,
    a._dlt_load_id AS _source_load_id
FROM resolved AS a
CROSS JOIN cfg_defaults AS d
LEFT JOIN conformed_harvest.employees AS he ON he.employee_id = a.canonical_employee
