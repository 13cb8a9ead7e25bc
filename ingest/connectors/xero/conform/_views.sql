-- Shared views, run before every Xero conform step (XeroConnector.sql).
-- xero_org: the organisation's legal entity ([connectors.xero.legal_entity]); one row, its columns
--   null when the setting is not made (rows needing entity_id are then quarantined naming it).
-- xero_invoices: the live sales invoices; DELETED ones (deleted drafts) are left out everywhere.
-- xero_lines: their lines, each with the Xero project it bills: the option of the tracking category
--   named by connectors.xero.project_tracking_category (default "Project"), matched to a Xero
--   project by its projectId, else by its name (case-insensitive, only when the name is unique).
CREATE OR REPLACE TEMP VIEW xero_org AS
SELECT
    (SELECT le.entity_id FROM cfg_legal_entity AS le) AS entity_id,
    (SELECT upper(le.currency) FROM cfg_legal_entity AS le) AS currency;

CREATE OR REPLACE TEMP VIEW xero_invoices AS
SELECT i.*
FROM raw_xero.invoices AS i
WHERE i._wipcast_deleted_at IS NULL AND i.type = 'ACCREC' AND i.status <> 'DELETED';

CREATE OR REPLACE TEMP VIEW xero_project_names AS
SELECT
    lower(name) AS name_key,
    any_value(project_id) AS project_id
FROM raw_xero.projects
GROUP BY lower(name)
HAVING count(*) = 1;

CREATE OR REPLACE TEMP VIEW xero_lines AS
WITH options AS (
    SELECT
        l.*,
        i.invoice_id,
        i.line_amount_types,
        i._dlt_load_id,
        CASE
            WHEN lower(l.tracking_category_1) = d.project_tracking_category THEN l.tracking_option_1
            WHEN lower(l.tracking_category_2) = d.project_tracking_category THEN l.tracking_option_2
        END AS project_option
    FROM raw_xero.invoices__line_items AS l
    INNER JOIN xero_invoices AS i ON i._dlt_id = l._dlt_parent_id
    CROSS JOIN cfg_defaults AS d
)

SELECT
    o.*,
    coalesce(by_id.project_id, by_name.project_id) AS xero_project_id
FROM options AS o
LEFT JOIN raw_xero.projects AS by_id ON lower(by_id.project_id) = lower(o.project_option)
LEFT JOIN xero_project_names AS by_name ON by_name.name_key = lower(o.project_option);
