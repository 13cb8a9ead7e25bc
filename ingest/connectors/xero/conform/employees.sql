-- Xero project users -> employees. Xero holds a user's name and e-mail only: role, practice, region,
-- employment type, hire and termination dates, weekly capacity, cost rate and utilization target come
-- from connectors.xero.users_file (by xero_user_id, or by email when that is empty), else the defaults
-- (none for the dates and the cost rate); a row still missing one is quarantined naming the setting.
-- entity_id: the organisation's legal entity. Mapped values pass as text so a bad one is reported.
SELECT
    'xero:' || lower(u.user_id) AS employee_id,
    u.name,
    u.email,
    coalesce(m.role, d.default_role) AS role,
    coalesce(m.practice, d.default_practice) AS practice,
    coalesce(m.region, d.default_region) AS region,
    o.entity_id,
    coalesce(m.employment_type, d.default_employment_type) AS employment_type,
    m.hire_date,
    m.termination_date,
    coalesce(m.weekly_capacity_hours, CAST(d.default_weekly_capacity_hours AS VARCHAR)) AS weekly_capacity_hours,
    m.cost_rate,
    coalesce(m.utilization_target, CAST(d.default_utilization_target AS VARCHAR)) AS utilization_target,
    CAST(to_json(u) AS VARCHAR) AS _source_row,
    u._dlt_load_id AS _source_load_id
FROM raw_xero.project_users AS u
CROSS JOIN cfg_defaults AS d
CROSS JOIN xero_org AS o
LEFT JOIN cfg_users AS m
    ON lower(m.xero_user_id) = lower(u.user_id)
    OR (m.xero_user_id IS NULL AND lower(m.email) = lower(u.email))
WHERE u._wipcast_deleted_at IS NULL
QUALIFY row_number() OVER (PARTITION BY u.user_id ORDER BY m.xero_user_id IS NULL) = 1
