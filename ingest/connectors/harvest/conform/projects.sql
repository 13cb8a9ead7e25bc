-- Harvest projects -> projects.
-- billing_type: not billable (or bill_by none) -> non_billable; is_fixed_fee -> fixed_fee; else
--   time_and_materials (Harvest has no milestone or retainer billing).
-- contract_value: the fee of a fixed-fee project, the money budget (budget_by project_cost) of a
--   capped one, else empty. budget_hours: the hours budget (budget_by project/task/person).
-- currency: the client's. practice and entity: the longest matching code prefix in
--   connectors.harvest.project_prefixes_file, else the defaults.
-- status: archived -> closed; starting after the as-of date -> planned; else active.
-- project manager: the earliest active user assignment flagged is_project_manager.
WITH prefix AS (
    SELECT p.id, x.practice, x.entity_id
    FROM raw_harvest.projects AS p
    INNER JOIN cfg_project_prefixes AS x ON starts_with(p.code, x.code_prefix)
    QUALIFY row_number() OVER (PARTITION BY p.id ORDER BY length(x.code_prefix) DESC) = 1
),

manager AS (
    SELECT project__id, arg_min(user__id, (created_at, id)) AS user_id
    FROM raw_harvest.user_assignments
    WHERE is_project_manager AND coalesce(is_active, true) AND _wipcast_deleted_at IS NULL
    GROUP BY project__id
),

base AS (
    SELECT
        p.*,
        coalesce(p.starts_on, CAST(p.created_at AS DATE)) AS start_day,
        p.client__id IN (SELECT client_id FROM cfg_internal_clients) AS internal
    FROM raw_harvest.projects AS p
    WHERE p._wipcast_deleted_at IS NULL
)

SELECT
    'harvest:' || p.id AS project_id,
    p.name,
    CASE WHEN NOT p.internal THEN 'harvest:' || p.client__id END AS customer_id,
    coalesce(x.entity_id, d.default_entity_id) AS entity_id,
    coalesce(x.practice, d.default_practice) AS practice,
    CASE
        WHEN NOT coalesce(p.is_billable, false) OR lower(p.bill_by) = 'none' THEN 'non_billable'
        WHEN p.is_fixed_fee THEN 'fixed_fee'
        ELSE 'time_and_materials'
    END AS billing_type,
    upper(coalesce(p.client__currency, c.currency)) AS currency,
    CASE WHEN p.is_fixed_fee THEN p.fee WHEN p.budget_by = 'project_cost' THEN p.cost_budget END AS contract_value,
    CASE WHEN p.budget_by IN ('project', 'task', 'person') THEN p.budget END AS budget_hours,
    p.start_day AS start_date,
    p.ends_on AS end_date,
    CASE WHEN NOT p.is_active THEN 'closed' WHEN p.start_day > d.as_of THEN 'planned' ELSE 'active' END AS status,
    CAST(NULL AS VARCHAR) AS opportunity_id,
    'harvest:' || mgr.user_id AS project_manager_id,
    CAST(to_json(p) AS VARCHAR) AS _source_row,
    p._dlt_load_id AS _source_load_id
FROM base AS p
CROSS JOIN cfg_defaults AS d
LEFT JOIN prefix AS x ON x.id = p.id
LEFT JOIN manager AS mgr ON mgr.project__id = p.id
LEFT JOIN raw_harvest.clients AS c ON c.id = p.client__id
