-- QuickBooks projects and sub-customers (records with a parent; see _identity.sql) -> projects, for
-- those the identity map does not name. customer_id: the top of the parent chain.
-- entity_id: the company's (connectors.quickbooks.entity_id). currency: the record's CurrencyRef
--   (multi-currency companies), else connectors.quickbooks.home_currency.
-- practice, billing_type, contract_value, budget_hours, start_date, end_date: the row of
--   connectors.quickbooks.projects_file, else default_practice / default_billing_type (QuickBooks
--   holds none of them). start_date without a row: the day QuickBooks created the record (UTC).
-- status: inactive -> closed; starting after the as-of date -> planned; else active.
WITH base AS (
    SELECT
        p.*,
        r.project_id,
        r.customer_id,
        r.matched_id,
        r.other_source,
        m.practice AS file_practice,
        m.billing_type AS file_billing_type,
        m.contract_value,
        m.budget_hours,
        coalesce(m.start_date, left(p.created_at, 10)) AS start_text,
        m.end_date
    FROM qb_records AS p
    INNER JOIN qb_project AS r ON r.quickbooks_id = p.id
    LEFT JOIN cfg_projects AS m ON m.quickbooks_customer_id = p.id
)

SELECT
    p.project_id,
    coalesce(p.display_name, p.fully_qualified_name) AS name,
    p.customer_id,
    d.entity_id,
    coalesce(p.file_practice, d.default_practice) AS practice,
    coalesce(p.file_billing_type, d.default_billing_type) AS billing_type,
    upper(coalesce(p.currency, d.home_currency)) AS currency,
    p.contract_value,
    p.budget_hours,
    p.start_text AS start_date,
    p.end_date,
    CASE
        WHEN NOT coalesce(p.active, true) THEN 'closed'
        WHEN try_cast(p.start_text AS DATE) > d.as_of THEN 'planned'
        ELSE 'active'
    END AS status,
    CAST(NULL AS VARCHAR) AS opportunity_id,
    CAST(NULL AS VARCHAR) AS project_manager_id,
    CASE WHEN p.other_source THEN 'projects' END AS _unresolved_entity,
    CASE WHEN p.other_source THEN p.id END AS _unresolved_id,
    CAST(to_json(p) AS VARCHAR) AS _source_row,
    p._dlt_load_id AS _source_load_id
FROM base AS p
CROSS JOIN cfg_defaults AS d
WHERE p.matched_id IS NULL
