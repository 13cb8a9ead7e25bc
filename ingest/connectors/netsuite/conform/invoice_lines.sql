-- NetSuite invoice lines (transactionline, not the main line or tax lines) -> invoice_lines.
-- Only the lines read with their invoice's current version (same lastmodified): a line removed in
-- NetSuite stays in raw from an older read and is left out here.
-- amount: NetSuite books income lines as credits (negative foreignamount); the sign is turned so the
--   lines add up with the sign of the invoice total (kept as is when they already do).
-- project_id: the line's project (its entity, a job), else the invoice's project.
-- line_type: the item (display name) through connectors.netsuite.item_line_types; hours: the quantity
--   of time lines.
WITH lines AS (
    SELECT l.*, i.foreigntotal AS invoice_total, i.entity AS invoice_entity
    FROM raw_netsuite.invoice_lines AS l
    INNER JOIN raw_netsuite.invoices AS i ON i.id = l.transaction AND i.lastmodified = l.lastmodified
    WHERE i._wipcast_deleted_at IS NULL AND l._wipcast_deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM ns_deleted AS x WHERE x.recordtype = 'invoice' AND x.recordid = i.id)
),

signs AS (
    SELECT
        transaction,
        CASE
            WHEN sum(CAST(foreignamount AS DECIMAL(18, 4))) <> 0
                AND sign(sum(CAST(foreignamount AS DECIMAL(18, 4)))) = sign(any_value(CAST(invoice_total AS DECIMAL(18, 4))))
                THEN 1
            ELSE -1
        END AS factor
    FROM lines
    GROUP BY transaction
)

SELECT
    'netsuite:' || l.transaction || ':' || l.line AS invoice_line_id,
    'netsuite:' || l.transaction AS invoice_id,
    coalesce(lj.project_id, hj.project_id) AS project_id,
    k.line_type,
    CASE WHEN k.line_type = 'time' THEN CAST(l.quantity AS DOUBLE) END AS hours,
    CAST(l.foreignamount AS DECIMAL(18, 4)) * s.factor AS amount,
    CASE WHEN coalesce(lj.project_id, hj.project_id) IS NULL THEN 'project_id' END AS _problem_column,
    CASE
        WHEN coalesce(lj.project_id, hj.project_id) IS NULL
            THEN 'project_id: neither the line nor its invoice names a NetSuite project (job)'
    END AS _problem_reason,
    CAST(to_json(l) AS VARCHAR) AS _source_row,
    l._dlt_load_id AS _source_load_id
FROM lines AS l
INNER JOIN signs AS s ON s.transaction = l.transaction
LEFT JOIN ns_job AS lj ON lj.netsuite_id = l.entity
LEFT JOIN ns_job AS hj ON hj.netsuite_id = l.invoice_entity
LEFT JOIN cfg_item_line_types AS k ON k.item = coalesce(l.item_name, l.item)
