-- Xero projects -> projects. customer_id: the contact, none for connectors.xero.internal_contact_ids.
-- entity_id: the organisation's legal entity. Mapped per project in connectors.xero.projects_file
-- (xero_project_id), else derived:
-- practice: projects_file, else default_practice.
-- billing_type: projects_file, else from its tasks: any TIME task -> time_and_materials, else any
--   FIXED task -> fixed_fee, else non_billable (Xero has no milestone or retainer projects).
-- contract_value: projects_file, else the project estimate (none when 0).
-- budget_hours: projects_file, else the tasks' estimateMinutes / 60 (none when 0).
-- start_date: projects_file, else the day of its first time entry (Xero keeps no start date);
--   neither -> quarantined naming projects_file. end_date: the deadline's day (connectors.xero.timezone).
-- status: projects_file, else CLOSED -> closed, INPROGRESS -> planned when it starts after the
--   as-of date, else active.
WITH tasks AS (
    SELECT
        project_id,
        bool_or(charge_type = 'TIME') AS has_time,
        bool_or(charge_type = 'FIXED') AS has_fixed,
        sum(estimate_minutes) AS estimate_minutes
    FROM raw_xero.project_tasks
    GROUP BY project_id
),

first_time AS (
    SELECT
        t.project_id,
        min(CAST(timezone(d.timezone, t.date_utc) AS DATE)) AS first_day
    FROM raw_xero.project_time AS t
    CROSS JOIN cfg_defaults AS d
    GROUP BY t.project_id
),

base AS (
    SELECT
        p.*,
        m.practice AS mapped_practice,
        m.billing_type AS mapped_billing_type,
        m.contract_value AS mapped_contract_value,
        m.budget_hours AS mapped_budget_hours,
        m.status AS mapped_status,
        m.project_manager_id,
        coalesce(m.start_date, CAST(f.first_day AS VARCHAR)) AS start_text,
        k.has_time,
        k.has_fixed,
        k.estimate_minutes,
        lower(p.contact_id) IN (SELECT x.contact_id FROM cfg_internal_contacts AS x) AS internal
    FROM raw_xero.projects AS p
    LEFT JOIN cfg_projects AS m ON lower(m.xero_project_id) = lower(p.project_id)
    LEFT JOIN tasks AS k ON k.project_id = p.project_id
    LEFT JOIN first_time AS f ON f.project_id = p.project_id
    WHERE p._wipcast_deleted_at IS NULL
)

SELECT
    'xero:' || lower(p.project_id) AS project_id,
    p.name,
    CASE WHEN NOT p.internal THEN 'xero:' || lower(p.contact_id) END AS customer_id,
    o.entity_id,
    coalesce(p.mapped_practice, d.default_practice) AS practice,
    coalesce(
        p.mapped_billing_type,
        CASE WHEN p.has_time THEN 'time_and_materials' WHEN p.has_fixed THEN 'fixed_fee' ELSE 'non_billable' END
    ) AS billing_type,
    upper(p.currency_code) AS currency,
    coalesce(p.mapped_contract_value, CAST(nullif(p.estimate_value, 0) AS VARCHAR)) AS contract_value,
    coalesce(p.mapped_budget_hours, CAST(nullif(p.estimate_minutes, 0) / 60.0 AS VARCHAR)) AS budget_hours,
    p.start_text AS start_date,
    CAST(timezone(d.timezone, p.deadline_utc) AS DATE) AS end_date,
    coalesce(
        p.mapped_status,
        CASE
            WHEN p.status = 'CLOSED' THEN 'closed'
            WHEN try_cast(p.start_text AS DATE) > d.as_of THEN 'planned'
            ELSE 'active'
        END
    ) AS status,
    CAST(NULL AS VARCHAR) AS opportunity_id,
    p.project_manager_id,
    CAST(to_json(p) AS VARCHAR) AS _source_row,
    p._dlt_load_id AS _source_load_id
FROM base AS p
CROSS JOIN cfg_defaults AS d
CROSS JOIN xero_org AS o
