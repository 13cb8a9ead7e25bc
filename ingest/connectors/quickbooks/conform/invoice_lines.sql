-- QuickBooks invoice lines (Line[] of each invoice, polymorphic by DetailType) -> invoice_lines.
-- Read: SalesItemLineDetail (an item sold), GroupLineDetail (a bundle, as one line at its total) and
-- DiscountLineDetail (its Amount is what it takes off: the sign is turned). Left out: the
-- SubTotalLineDetail line (the sum of the lines above it: counting it would bill them twice),
-- DescriptionOnly lines (no amount) and any other kind.
-- invoice_line_id: quickbooks:<invoice>:<line Id> (LineNum, else its place in Line[], when it has none).
-- project_id: the invoice's (invoices.sql: ProjectRef, else a project as CustomerRef); QuickBooks
--   lines name no project. line_type: the item name through connectors.quickbooks.item_line_types;
--   a discount: connectors.quickbooks.discount_line_type. hours: Qty of time lines.
WITH invoices AS (
    SELECT
        i.*,
        coalesce(pr.project_id, pj.project_id) AS resolved_project
    FROM raw_quickbooks.invoices AS i
    LEFT JOIN qb_project AS pj ON pj.quickbooks_id = i.customer_id
    LEFT JOIN qb_project AS pr ON pr.quickbooks_id = i.project_id
    WHERE i._wipcast_deleted_at IS NULL
),

lines AS (
    SELECT
        i.id AS invoice,
        i.resolved_project,
        i._dlt_load_id,
        l.line,
        l.line_no,
        l.line ->> 'DetailType' AS detail_type,
        coalesce(
            l.line -> 'SalesItemLineDetail' -> 'ItemRef' ->> 'name',
            l.line -> 'GroupLineDetail' -> 'GroupItemRef' ->> 'name'
        ) AS item
    FROM invoices AS i,
        unnest(CAST(CAST(i.lines AS JSON) AS JSON[])) WITH ORDINALITY AS l (line, line_no)
),

typed AS (
    SELECT
        l.*,
        CASE WHEN l.detail_type = 'DiscountLineDetail' THEN d.discount_line_type ELSE k.line_type END AS line_type,
        CAST(l.line ->> 'Amount' AS DECIMAL(18, 4))
        * CASE WHEN l.detail_type = 'DiscountLineDetail' THEN -1 ELSE 1 END AS amount
    FROM lines AS l
    CROSS JOIN cfg_defaults AS d
    LEFT JOIN cfg_item_line_types AS k ON k.item = l.item
    WHERE l.detail_type IN ('SalesItemLineDetail', 'GroupLineDetail', 'DiscountLineDetail')
)

SELECT
    'quickbooks:' || l.invoice || ':' || coalesce(l.line ->> 'Id', l.line ->> 'LineNum', '#' || l.line_no)
        AS invoice_line_id,
    'quickbooks:' || l.invoice AS invoice_id,
    l.resolved_project AS project_id,
    l.line_type,
    CASE WHEN l.line_type = 'time' THEN CAST(l.line -> 'SalesItemLineDetail' ->> 'Qty' AS DOUBLE) END AS hours,
    l.amount,
    'quickbooks' AS source_system,
    CASE
        WHEN l.resolved_project IS NULL THEN 'project_id'
        WHEN l.line_type IS NULL THEN 'line_type'
    END AS _problem_column,
    CASE
        WHEN l.resolved_project IS NULL
            THEN 'project_id: the invoice names no QuickBooks project (ProjectRef) and bills no sub-customer'
        WHEN l.line_type IS NULL AND l.detail_type = 'DiscountLineDetail'
            THEN 'line_type: a discount line; set connectors.quickbooks.discount_line_type'
        WHEN l.line_type IS NULL
            THEN 'line_type: item ' || coalesce(l.item, '(none)')
                || ' is not in connectors.quickbooks.item_line_types'
    END AS _problem_reason,
    CAST(l.line AS VARCHAR) AS _source_row,
    l._dlt_load_id AS _source_load_id
FROM typed AS l
