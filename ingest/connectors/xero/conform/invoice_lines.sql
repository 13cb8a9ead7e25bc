-- Xero invoice line items -> invoice_lines (lines of the invoices invoices.sql keeps).
-- project_id: the Xero project the line's project tracking option names (_views.sql); none ->
--   quarantined naming connectors.xero.project_tracking_category.
-- line_type: ItemCode, else AccountCode, through connectors.xero.item_line_types; unmapped ->
--   quarantined naming the setting. hours: the quantity of time lines.
-- amount: LineAmount without tax: less TaxAmount when LineAmountTypes is Inclusive (Exclusive and
--   NoTax lines are already net), so billed revenue never includes tax.
SELECT
    'xero:' || coalesce(lower(l.line_item_id), lower(l.invoice_id) || ':' || l._dlt_list_idx) AS invoice_line_id,
    'xero:' || lower(l.invoice_id) AS invoice_id,
    'xero:' || lower(l.xero_project_id) AS project_id,
    coalesce(bi.line_type, ba.line_type) AS line_type,
    CASE WHEN coalesce(bi.line_type, ba.line_type) = 'time' THEN l.quantity END AS hours,
    CAST(
        round(
            CASE
                WHEN l.line_amount_types = 'Inclusive' THEN l.line_amount - coalesce(l.tax_amount, 0)
                ELSE l.line_amount
            END,
            4
        ) AS DECIMAL(18, 4)
    ) AS amount,
    CASE WHEN l.xero_project_id IS NULL THEN 'project_id' END AS _problem_column,
    CASE
        WHEN l.xero_project_id IS NULL
            THEN 'project_id: the line names no Xero project in its ' || d.project_tracking_category
            || ' tracking category (option ' || coalesce(l.project_option, 'none')
            || '); set connectors.xero.project_tracking_category'
    END AS _problem_reason,
    CAST(to_json(l) AS VARCHAR) AS _source_row,
    l._dlt_load_id AS _source_load_id
FROM xero_lines AS l
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_item_line_types AS bi ON bi.item = l.item_code
LEFT JOIN cfg_item_line_types AS ba ON ba.item = l.account_code
