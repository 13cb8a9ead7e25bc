-- Harvest users -> employees. Harvest has no practice, region, legal entity, hire date or
-- utilization target: they come from connectors.harvest.users_file (by harvest_user_id, or by
-- email when that is empty), else the defaults; a row still missing one is set aside naming the
-- setting. Mapped dates and numbers pass through as text so a bad value is reported as such.
WITH first_role AS (
    -- roles are names; the first one is the role on the ladder
    SELECT _dlt_parent_id, value AS role
    FROM raw_harvest.users__roles
    WHERE _dlt_list_idx = 0
),

current_rate AS (
    -- the open-ended cost rate, else the latest to start
    SELECT _users_id, arg_max(amount, (end_date IS NULL, start_date)) AS amount
    FROM raw_harvest.user_cost_rates
    WHERE _wipcast_deleted_at IS NULL
    GROUP BY _users_id
)

SELECT
    'harvest:' || u.id AS employee_id,
    trim(concat_ws(' ', u.first_name, u.last_name)) AS name,
    u.email,
    coalesce(m.role, r.role, d.default_role) AS role,
    coalesce(m.practice, d.default_practice) AS practice,
    coalesce(m.region, d.default_region) AS region,
    coalesce(m.entity_id, d.default_entity_id) AS entity_id,
    CASE WHEN u.is_contractor THEN 'contractor' ELSE 'employee' END AS employment_type,
    coalesce(
        m.hire_date, CASE WHEN d.hire_date_from_created_at THEN CAST(CAST(u.created_at AS DATE) AS VARCHAR) END
    ) AS hire_date,
    -- an archived user without a mapped termination date left when the account was archived
    coalesce(
        m.termination_date, CASE WHEN NOT u.is_active THEN CAST(CAST(u.updated_at AS DATE) AS VARCHAR) END
    ) AS termination_date,
    u.weekly_capacity / 3600.0 AS weekly_capacity_hours,
    coalesce(rate.amount, u.cost_rate) AS cost_rate,
    coalesce(m.utilization_target, CAST(d.default_utilization_target AS VARCHAR)) AS utilization_target,
    CAST(to_json(u) AS VARCHAR) AS _source_row,
    u._dlt_load_id AS _source_load_id
FROM raw_harvest.users AS u
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_users AS m
    ON m.harvest_user_id = CAST(u.id AS VARCHAR)
    OR (m.harvest_user_id IS NULL AND lower(m.email) = lower(u.email))
LEFT JOIN first_role AS r ON r._dlt_parent_id = u._dlt_id
LEFT JOIN current_rate AS rate ON rate._users_id = u.id
WHERE u._wipcast_deleted_at IS NULL
