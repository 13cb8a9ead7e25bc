-- Kantata workspace allocations (+ their workspace resource) -> assignments.
-- An allocation books `minutes` on a resource over [start_date, end_date]: the total over the
-- range's working days (the documented example: 2400 minutes over the 10 weekdays of 24 Mar - 4 Apr
-- at 50% is 4 h a day). hours_per_week = minutes / 60 / weekdays in the range x 5.
-- employee_id: the resource's user; an unnamed resource (no user) is an unnamed assignment.
-- role: the resource's role_name, else the employee's role, else connectors.kantata.default_role.
WITH alloc AS (
    SELECT
        a.*,
        (
            SELECT count(*) FROM generate_series(a.start_date, a.end_date, INTERVAL 1 DAY) AS g (d)
            WHERE isodow(g.d) <= 5
        ) AS weekdays
    FROM raw_kantata.workspace_allocations AS a
    WHERE a._wipcast_deleted_at IS NULL
)

SELECT
    'kantata:' || a.id AS assignment_id,
    'kantata:' || a.workspace_id AS project_id,
    'kantata:' || r.user_id AS employee_id,
    coalesce(r.role_name, e.role, d.default_role) AS role,
    a.start_date,
    a.end_date,
    round(a.minutes * d.working_days / (60.0 * nullif(a.weekdays, 0)), 4) AS hours_per_week,
    a.updated_at,
    CASE
        WHEN r.id IS NULL THEN 'employee_id'
        WHEN a.minutes IS NULL THEN 'hours_per_week'
        WHEN a.weekdays = 0 THEN 'hours_per_week'
    END AS _problem_column,
    CASE
        WHEN r.id IS NULL THEN 'employee_id: the allocation''s workspace resource was not read from Kantata'
        WHEN a.minutes IS NULL THEN 'hours_per_week: Kantata sent no minutes for the allocation'
        WHEN a.weekdays = 0 THEN 'hours_per_week: the allocation covers no Monday-Friday day'
    END AS _problem_reason,
    CAST(to_json(a) AS VARCHAR) AS _source_row,
    a._dlt_load_id AS _source_load_id
FROM alloc AS a
CROSS JOIN cfg_defaults AS d
LEFT JOIN raw_kantata.workspace_resources AS r ON r.id = a.workspace_resource_id AND r._wipcast_deleted_at IS NULL
LEFT JOIN this_employees AS e ON e.employee_id = 'kantata:' || r.user_id
