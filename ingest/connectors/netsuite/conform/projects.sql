-- NetSuite projects (jobs) -> projects, for those no other source holds (see _identity.sql).
-- customer_id: the parent customer (resolved the same way). entity_id: the subsidiary (mapped).
-- billing_type: jobbillingtype through connectors.netsuite.billing_types (TM and CB time and
--   materials, FBM milestone, FBI fixed fee); none -> non_billable; an unmapped code is set aside.
-- status: inactive -> closed; else entitystatus through connectors.netsuite.project_statuses; else
--   planned when it starts after the as-of date, active otherwise.
-- practice, contract_value: connectors.netsuite.jobs_file (else default_practice; no contract value).
-- budget_hours: jobs_file, else estimatedtimeoverride. currency: the project's, else its subsidiary's.
WITH base AS (
    SELECT
        j.*,
        r.project_id,
        r.customer_id,
        r.matched_id,
        r.other_source,
        CAST(try_strptime(j.startdate, ['%Y-%m-%d', '%m/%d/%Y']) AS DATE) AS start_day,
        CAST(try_strptime(j.projectedenddate, ['%Y-%m-%d', '%m/%d/%Y']) AS DATE) AS end_day
    FROM raw_netsuite.jobs AS j
    INNER JOIN ns_job AS r ON r.netsuite_id = j.id
    WHERE j._wipcast_deleted_at IS NULL
)

SELECT
    j.project_id,
    coalesce(j.companyname, j.altname, j.entityid) AS name,
    j.customer_id,
    coalesce(sm.entity_id, 'netsuite:' || j.subsidiary) AS entity_id,
    coalesce(m.practice, d.default_practice) AS practice,
    CASE WHEN j.jobbillingtype IS NULL THEN 'non_billable' ELSE bt.billing_type END AS billing_type,
    upper(coalesce(j.currency_symbol, cur.symbol, s.currency_symbol)) AS currency,
    m.contract_value,
    coalesce(m.budget_hours, j.estimatedtimeoverride) AS budget_hours,
    j.start_day AS start_date,
    j.end_day AS end_date,
    CASE
        WHEN j.isinactive = 'T' THEN 'closed'
        WHEN st.status IS NOT NULL THEN st.status
        WHEN j.start_day > d.as_of THEN 'planned'
        ELSE 'active'
    END AS status,
    CAST(NULL AS VARCHAR) AS opportunity_id,
    CAST(NULL AS VARCHAR) AS project_manager_id,
    CASE WHEN j.jobbillingtype IS NOT NULL AND bt.billing_type IS NULL THEN 'billing_type' END AS _problem_column,
    CASE
        WHEN j.jobbillingtype IS NOT NULL AND bt.billing_type IS NULL
            THEN 'billing_type: NetSuite billing type ' || j.jobbillingtype
            || ' is not in connectors.netsuite.billing_types'
    END AS _problem_reason,
    CASE WHEN j.other_source THEN 'projects' END AS _unresolved_entity,
    CASE WHEN j.other_source THEN j.id END AS _unresolved_id,
    CAST(to_json(j) AS VARCHAR) AS _source_row,
    j._dlt_load_id AS _source_load_id
FROM base AS j
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_jobs AS m ON m.netsuite_job_id = j.id
LEFT JOIN cfg_subsidiaries AS sm ON sm.subsidiary_id = j.subsidiary
LEFT JOIN raw_netsuite.subsidiaries AS s ON s.id = j.subsidiary
LEFT JOIN raw_netsuite.currencies AS cur ON cur.id = j.currency
LEFT JOIN cfg_billing_types AS bt ON bt.code = j.jobbillingtype
LEFT JOIN cfg_project_statuses AS st ON st.name = j.entitystatus
WHERE j.matched_id IS NULL
