-- Xero sales invoices (Type ACCREC; ACCPAY bills never reach raw) -> invoices.
-- status: DRAFT and SUBMITTED (awaiting approval) -> draft, AUTHORISED -> open, PAID -> paid,
--   VOIDED -> void; DELETED (a deleted draft) is left out (xero_invoices); any other is quarantined.
-- amount: Total, tax included, as issued, in CurrencyCode; credit notes applied to it are
--   settlements (payments.sql), so the open amount is Xero's AmountDue.
-- project_id: the one Xero project all its lines name (xero_lines), else none.
-- entity_id: the organisation's legal entity. due_date: the invoice date when Xero has none.
-- updated_at: UpdatedDateUTC. invoice_number: InvoiceNumber.
WITH line_projects AS (
    SELECT
        invoice_id,
        CASE WHEN count(DISTINCT xero_project_id) = 1 THEN any_value(xero_project_id) END AS only_project
    FROM xero_lines
    WHERE xero_project_id IS NOT NULL
    GROUP BY invoice_id
),

mapped AS (
    SELECT
        i.*,
        CASE i.status
            WHEN 'DRAFT' THEN 'draft'
            WHEN 'SUBMITTED' THEN 'draft'
            WHEN 'AUTHORISED' THEN 'open'
            WHEN 'PAID' THEN 'paid'
            WHEN 'VOIDED' THEN 'void'
        END AS canonical_status
    FROM xero_invoices AS i
)

SELECT
    'xero:' || lower(i.invoice_id) AS invoice_id,
    'xero:' || lower(i.contact_id) AS customer_id,
    'xero:' || lower(lp.only_project) AS project_id,
    o.entity_id,
    i."date" AS invoice_date,
    coalesce(i.due_date, i."date") AS due_date,
    upper(i.currency_code) AS currency,
    CAST(round(i.total, 4) AS DECIMAL(18, 4)) AS amount,
    i.canonical_status AS status,
    i.updated_at,
    i.invoice_number,
    CASE WHEN i.canonical_status IS NULL THEN 'status' END AS _problem_column,
    CASE
        WHEN i.canonical_status IS NULL
            THEN 'status: Xero invoice status ' || coalesce(i.status, '(none)') || ' has no canonical meaning'
    END AS _problem_reason,
    CAST(to_json(i) AS VARCHAR) AS _source_row,
    i._dlt_load_id AS _source_load_id
FROM mapped AS i
CROSS JOIN xero_org AS o
LEFT JOIN line_projects AS lp ON lp.invoice_id = i.invoice_id
