-- Harvest invoice line items -> invoice_lines. line_type from the item kind through
-- connectors.harvest.line_kinds (Service -> time, Product -> other, ...); an unmapped kind is set
-- aside naming that setting. hours: the quantity of time lines. A line without a project bills
-- the invoice's only project.
WITH only_project AS (
    SELECT _dlt_parent_id, CASE WHEN count(DISTINCT project__id) = 1 THEN any_value(project__id) END AS project_id
    FROM raw_harvest.invoices__line_items
    GROUP BY _dlt_parent_id
)

SELECT
    'harvest:' || l.id AS invoice_line_id,
    'harvest:' || i.id AS invoice_id,
    'harvest:' || coalesce(l.project__id, op.project_id) AS project_id,
    k.line_type,
    CASE WHEN k.line_type = 'time' THEN l.quantity END AS hours,
    l.amount,
    CAST(to_json(l) AS VARCHAR) AS _source_row,
    i._dlt_load_id AS _source_load_id
FROM raw_harvest.invoices__line_items AS l
INNER JOIN raw_harvest.invoices AS i ON i._dlt_id = l._dlt_parent_id
LEFT JOIN only_project AS op ON op._dlt_parent_id = l._dlt_parent_id
LEFT JOIN cfg_line_kinds AS k ON k.kind = l.kind
WHERE i._wipcast_deleted_at IS NULL
