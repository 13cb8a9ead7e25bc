-- Kantata users on the firm's own account -> employees. Users of a client's account (a workspace's
-- client-side participants) carry another account_id and are not employees.
-- Kantata holds no practice, region, legal entity, hire date, capacity or utilization target on a
-- user: connectors.kantata.users_file (by kantata_user_id, or by email when that is empty), else the
-- defaults. role: the mapped one, else the role of the user's latest workspace resource, else
-- default_role. cost_rate: the mapped one, else the cost rate of the user's latest time entry.
-- termination_date: the mapped one; a disabled user without one left on the last day they logged time.
-- Mapped dates and numbers pass through as text so a bad value is reported as such.
WITH firm_account AS (
    SELECT DISTINCT CAST(account_id AS VARCHAR) AS account_id
    FROM raw_kantata.workspaces
    WHERE _wipcast_deleted_at IS NULL AND account_id IS NOT NULL
),

latest_role AS (
    SELECT user_id, arg_max(role_name, (updated_at, id)) AS role
    FROM raw_kantata.workspace_resources
    WHERE _wipcast_deleted_at IS NULL AND user_id IS NOT NULL AND role_name IS NOT NULL
    GROUP BY user_id
),

logged AS (
    SELECT
        user_id,
        arg_max(cost_rate_in_cents, (date_performed, updated_at, id)) AS cost_rate_in_cents,
        max(date_performed) AS last_day
    FROM raw_kantata.time_entries
    WHERE _wipcast_deleted_at IS NULL
    GROUP BY user_id
)

SELECT
    'kantata:' || u.id AS employee_id,
    u.full_name AS name,
    u.email_address AS email,
    coalesce(m.role, r.role, d.default_role) AS role,
    coalesce(m.practice, d.default_practice) AS practice,
    coalesce(m.region, d.default_region) AS region,
    coalesce(m.entity_id, d.default_entity_id) AS entity_id,
    coalesce(m.employment_type, 'employee') AS employment_type,
    m.hire_date,
    coalesce(
        m.termination_date, CASE WHEN coalesce(u.disabled, false) THEN CAST(t.last_day AS VARCHAR) END
    ) AS termination_date,
    coalesce(m.weekly_capacity_hours, CAST(d.default_weekly_capacity_hours AS VARCHAR)) AS weekly_capacity_hours,
    coalesce(m.cost_rate, CAST(t.cost_rate_in_cents / 100.0 AS VARCHAR)) AS cost_rate,
    coalesce(m.utilization_target, CAST(d.default_utilization_target AS VARCHAR)) AS utilization_target,
    CAST(to_json(u) AS VARCHAR) AS _source_row,
    u._dlt_load_id AS _source_load_id
FROM raw_kantata.users AS u
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_users AS m
    ON m.kantata_user_id = u.id
    OR (m.kantata_user_id IS NULL AND lower(m.email) = lower(u.email_address))
LEFT JOIN latest_role AS r ON r.user_id = u.id
LEFT JOIN logged AS t ON t.user_id = u.id
WHERE u._wipcast_deleted_at IS NULL
    AND (NOT EXISTS (SELECT 1 FROM firm_account) OR u.account_id IN (SELECT account_id FROM firm_account))
