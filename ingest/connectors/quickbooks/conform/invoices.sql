-- QuickBooks invoices -> invoices.
-- customer_id: CustomerRef resolved through _identity.sql; when it names a sub-customer or project,
--   the top of its parent chain. project_id: ProjectRef, else CustomerRef when that is a project
--   (a sub-customer billed directly); else none.
-- entity_id: the company's (connectors.quickbooks.entity_id). amount: TotalAmt, in the invoice
--   currency: CurrencyRef when the company has multi-currency, else connectors.quickbooks.home_currency.
-- status: QuickBooks has none. TotalAmt and Balance both 0 -> void (voiding zeroes an invoice);
--   Balance 0 -> paid; else open. Never draft: QuickBooks holds issued invoices only.
-- due_date: DueDate, else TxnDate. updated_at, created_at: MetaData.LastUpdatedTime and CreateTime
--   in UTC (they carry the company's offset). invoice_number: DocNumber.
WITH base AS (
    SELECT
        i.*,
        CAST(i.total_amt AS DECIMAL(18, 4)) AS total,
        CAST(i.balance AS DECIMAL(18, 4)) AS open_balance
    FROM raw_quickbooks.invoices AS i
    WHERE i._wipcast_deleted_at IS NULL
),

resolved AS (
    SELECT
        i.*,
        coalesce(cu.customer_id, pj.customer_id) AS resolved_customer,
        coalesce(pr.project_id, pj.project_id) AS resolved_project,
        pr.project_id IS NULL AND i.project_id IS NOT NULL AS unknown_project
    FROM base AS i
    LEFT JOIN qb_customer AS cu ON cu.quickbooks_id = i.customer_id
    LEFT JOIN qb_project AS pj ON pj.quickbooks_id = i.customer_id
    LEFT JOIN qb_project AS pr ON pr.quickbooks_id = i.project_id
)

SELECT
    'quickbooks:' || i.id AS invoice_id,
    i.resolved_customer AS customer_id,
    i.resolved_project AS project_id,
    d.entity_id,
    try_cast(i.txn_date AS DATE) AS invoice_date,
    try_cast(coalesce(i.due_date, i.txn_date) AS DATE) AS due_date,
    upper(coalesce(i.currency, d.home_currency)) AS currency,
    i.total AS amount,
    CASE
        WHEN i.total = 0 AND i.open_balance = 0 THEN 'void'
        WHEN i.open_balance = 0 THEN 'paid'
        ELSE 'open'
    END AS status,
    CAST(i.wipcast_updated_at AS TIMESTAMPTZ) AS updated_at,
    CAST(i.created_at AS TIMESTAMPTZ) AS created_at,
    i.doc_number AS invoice_number,
    'quickbooks' AS source_system,
    CASE
        WHEN i.resolved_customer IS NULL THEN 'customer_id'
        WHEN i.unknown_project THEN 'project_id'
    END AS _problem_column,
    CASE
        WHEN i.resolved_customer IS NULL
            THEN 'customer_id: CustomerRef ' || coalesce(i.customer_id, '(none)')
                || ' is not a customer the QuickBooks customers query returned'
        WHEN i.unknown_project
            THEN 'project_id: ProjectRef ' || i.project_id
                || ' is not a project the QuickBooks customers query returned'
    END AS _problem_reason,
    CAST(to_json(i) AS VARCHAR) AS _source_row,
    i._dlt_load_id AS _source_load_id
FROM resolved AS i
CROSS JOIN cfg_defaults AS d
