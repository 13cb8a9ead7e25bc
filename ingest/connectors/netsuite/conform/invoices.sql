-- NetSuite invoices (transaction type CustInvc) -> invoices.
-- customer_id / project_id: an invoice's entity is a customer or a project (job); for a project, the
--   customer is its parent. Both resolved through _identity.sql. An invoice to a customer bills the
--   one project all its lines name, else none.
-- entity_id: the subsidiary of the main line (mapped). amount: foreigntotal (transaction currency).
-- status: voided -> void; else the status name (BUILTIN.DF, "Invoice : Open" or "Open"): Open -> open,
--   Paid In Full -> paid, Pending Approval -> draft, Rejected / Voided -> void; any other is set aside.
-- due_date: the invoice date when NetSuite has none. updated_at: lastmodifieddate, read in
--   connectors.netsuite.timezone.
WITH line_projects AS (
    -- the lines of the invoice's current version only (see invoice_lines.sql)
    SELECT l.transaction, CASE WHEN count(DISTINCT jl.project_id) = 1 THEN any_value(jl.project_id) END AS only_project
    FROM raw_netsuite.invoice_lines AS l
    INNER JOIN raw_netsuite.invoices AS i ON i.id = l.transaction AND i.lastmodified = l.lastmodified
    INNER JOIN ns_job AS jl ON jl.netsuite_id = l.entity
    GROUP BY l.transaction
),

base AS (
    SELECT
        t.*,
        lower(regexp_replace(coalesce(t.status, ''), '^.*:\s*', '')) AS status_name,
        CAST(try_strptime(t.trandate, ['%Y-%m-%d', '%m/%d/%Y']) AS DATE) AS invoice_day,
        CAST(try_strptime(t.duedate, ['%Y-%m-%d', '%m/%d/%Y']) AS DATE) AS due_day
    FROM raw_netsuite.invoices AS t
    WHERE t._wipcast_deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM ns_deleted AS x WHERE x.recordtype = 'invoice' AND x.recordid = t.id)
),

mapped AS (
    SELECT
        t.*,
        CASE
            WHEN t.voided = 'T' THEN 'void'
            WHEN t.status_name = 'open' THEN 'open'
            WHEN t.status_name = 'paid in full' THEN 'paid'
            WHEN t.status_name = 'pending approval' THEN 'draft'
            WHEN t.status_name IN ('rejected', 'voided') THEN 'void'
        END AS canonical_status
    FROM base AS t
)

SELECT
    'netsuite:' || t.id AS invoice_id,
    coalesce(j.customer_id, c.customer_id) AS customer_id,
    coalesce(j.project_id, lp.only_project) AS project_id,
    coalesce(sm.entity_id, 'netsuite:' || t.subsidiary) AS entity_id,
    t.invoice_day AS invoice_date,
    coalesce(t.due_day, t.invoice_day) AS due_date,
    upper(coalesce(t.currency_symbol, cur.symbol)) AS currency,
    CAST(t.foreigntotal AS DECIMAL(18, 4)) AS amount,
    t.canonical_status AS status,
    timezone(d.timezone, CAST(try_strptime(t.lastmodified, '%Y-%m-%dT%H:%M:%S') AS TIMESTAMP)) AS updated_at,
    CASE WHEN t.canonical_status IS NULL THEN 'status' END AS _problem_column,
    CASE
        WHEN t.canonical_status IS NULL
            THEN 'status: NetSuite invoice status ' || coalesce(t.status, '(none)') || ' has no canonical meaning'
    END AS _problem_reason,
    CAST(to_json(t) AS VARCHAR) AS _source_row,
    t._dlt_load_id AS _source_load_id
FROM mapped AS t
CROSS JOIN cfg_defaults AS d
LEFT JOIN ns_job AS j ON j.netsuite_id = t.entity
LEFT JOIN ns_customer AS c ON c.netsuite_id = t.entity
LEFT JOIN line_projects AS lp ON lp.transaction = t.id
LEFT JOIN cfg_subsidiaries AS sm ON sm.subsidiary_id = t.subsidiary
LEFT JOIN raw_netsuite.currencies AS cur ON cur.id = t.currency
