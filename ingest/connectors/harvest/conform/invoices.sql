-- Harvest invoices -> invoices.
-- project_id: the one project all line items bill, empty when they span projects.
-- entity_id: the legal entity of the first line's project (as conformed in this run), else
--   connectors.harvest.default_entity_id. status: closed (written off) -> void.
WITH line_projects AS (
    SELECT
        _dlt_parent_id,
        CASE WHEN count(DISTINCT project__id) = 1 THEN any_value(project__id) END AS only_project,
        arg_min(project__id, id) AS first_project
    FROM raw_harvest.invoices__line_items
    WHERE project__id IS NOT NULL
    GROUP BY _dlt_parent_id
)

SELECT
    'harvest:' || i.id AS invoice_id,
    'harvest:' || i.client__id AS customer_id,
    'harvest:' || lp.only_project AS project_id,
    coalesce(tp.entity_id, d.default_entity_id) AS entity_id,
    i.issue_date AS invoice_date,
    i.due_date,
    upper(i.currency) AS currency,
    i.amount,
    CASE lower(i.state) WHEN 'closed' THEN 'void' ELSE lower(i.state) END AS status,
    i.updated_at,
    i.created_at,  -- entered in Harvest: an invoice dated before a close but created after it
    i.number AS invoice_number,  -- the number the client sees, which the ERP's copy carries too
    CAST(to_json(i) AS VARCHAR) AS _source_row,
    i._dlt_load_id AS _source_load_id
FROM raw_harvest.invoices AS i
CROSS JOIN cfg_defaults AS d
LEFT JOIN line_projects AS lp ON lp._dlt_parent_id = i._dlt_id
LEFT JOIN this_projects AS tp ON tp.project_id = 'harvest:' || lp.first_project
WHERE i._wipcast_deleted_at IS NULL
