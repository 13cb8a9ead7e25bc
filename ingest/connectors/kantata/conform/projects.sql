-- Kantata workspaces -> projects.
-- customer_id: the workspace's group flagged `company`; none -> internal work.
-- billing_type: tasks_default_non_billable -> non_billable; stories_are_fixed_fee_by_default ->
--   fixed_fee; else time_and_materials (Kantata has no milestone or retainer workspace).
-- contract_value: price_in_cents / 100 of a budgeted workspace. currency: the workspace's.
-- budget_hours: the time estimates of its top-level stories (tasks and milestones), minutes / 60.
-- practice and entity: connectors.kantata.workspaces_file (by kantata_workspace_id), else the defaults.
-- status: archived, or status Completed / Cancelled -> closed; status On Hold -> on_hold; starting
--   after the as-of date -> planned; else active. end_date: due_date (effective_due_date may be "").
-- project manager: primary_maven_id (the firm-side lead) when that user is a conformed employee.
WITH company AS (
    -- from raw, not from this run's customers: a project of a group set aside is set aside with it
    SELECT l._dlt_parent_id, min(l.value) AS group_id
    FROM raw_kantata.workspaces__workspace_group_ids AS l
    INNER JOIN raw_kantata.workspace_groups AS g ON g.id = l.value
    WHERE coalesce(g.company, false) AND g._wipcast_deleted_at IS NULL
    GROUP BY l._dlt_parent_id
),

estimate AS (
    SELECT workspace_id, sum(time_estimate_in_minutes) / 60.0 AS hours
    FROM raw_kantata.stories
    WHERE parent_id IS NULL AND deleted_at IS NULL AND _wipcast_deleted_at IS NULL
    GROUP BY workspace_id
),

base AS (
    SELECT
        w.*,
        coalesce(w.start_date, CAST(w.created_at AS DATE)) AS start_day,
        lower(coalesce(w.status__message, '')) AS status_text
    FROM raw_kantata.workspaces AS w
    WHERE w._wipcast_deleted_at IS NULL
)

SELECT
    'kantata:' || w.id AS project_id,
    w.title AS name,
    'kantata:' || co.group_id AS customer_id,
    coalesce(m.entity_id, d.default_entity_id) AS entity_id,
    coalesce(m.practice, d.default_practice) AS practice,
    CASE
        WHEN coalesce(w.tasks_default_non_billable, false) THEN 'non_billable'
        WHEN coalesce(w.stories_are_fixed_fee_by_default, false) THEN 'fixed_fee'
        ELSE 'time_and_materials'
    END AS billing_type,
    upper(w.currency) AS currency,
    CASE WHEN coalesce(w.budgeted, true) THEN w.price_in_cents / 100.0 END AS contract_value,
    e.hours AS budget_hours,
    w.start_day AS start_date,
    w.due_date AS end_date,
    CASE
        WHEN coalesce(w.archived, false) OR w.status_text IN ('completed', 'cancelled') THEN 'closed'
        WHEN w.status_text = 'on hold' THEN 'on_hold'
        WHEN w.start_day > d.as_of THEN 'planned'
        ELSE 'active'
    END AS status,
    CAST(NULL AS VARCHAR) AS opportunity_id,
    CASE
        WHEN 'kantata:' || w.primary_maven_id IN (SELECT employee_id FROM this_employees)
            THEN 'kantata:' || w.primary_maven_id
    END AS project_manager_id,
    CAST(to_json(w) AS VARCHAR) AS _source_row,
    w._dlt_load_id AS _source_load_id
FROM base AS w
CROSS JOIN cfg_defaults AS d
LEFT JOIN company AS co ON co._dlt_parent_id = w._dlt_id
LEFT JOIN estimate AS e ON e.workspace_id = w.id
LEFT JOIN cfg_workspaces AS m ON m.kantata_workspace_id = w.id
