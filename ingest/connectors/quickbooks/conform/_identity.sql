-- QuickBooks keeps customers, sub-customers (Job) and projects (IsProject) in one Customer list.
-- Run before every QuickBooks conform step:
-- - a record without a parent (ParentRef) is a customer; any record with one is a project, whose
--   customer is the top of its parent chain (QuickBooks nests sub-customers up to five levels);
-- - a customer or project named in connectors.identity_map (entity, source_system = quickbooks,
--   source_id = the QuickBooks id, canonical_id) is that member of another source and adds no row
--   of its own; any other is quickbooks:<id>. QuickBooks has no external id to match on.
CREATE OR REPLACE TEMP VIEW qb_records AS
SELECT * FROM raw_quickbooks.customers
WHERE _wipcast_deleted_at IS NULL;

CREATE OR REPLACE TEMP VIEW qb_top AS
WITH RECURSIVE chain (id, ancestor, depth) AS (
    SELECT
        id,
        id AS ancestor,
        0 AS depth
    FROM qb_records
    UNION ALL
    SELECT
        ch.id,
        p.parent_id,
        ch.depth + 1
    FROM chain AS ch
    INNER JOIN qb_records AS p ON p.id = ch.ancestor
    WHERE p.parent_id IS NOT NULL AND ch.depth < 10
)

SELECT
    id,
    arg_max(ancestor, depth) AS top_id
FROM chain
GROUP BY id;

CREATE OR REPLACE TEMP VIEW qb_known AS
SELECT
    'customers' AS entity,
    customer_id AS id
FROM raw_canonical.customers
UNION
SELECT
    'customers' AS entity,
    customer_id AS id
FROM conformed_harvest.customers
UNION
SELECT
    'projects' AS entity,
    project_id AS id
FROM raw_canonical.projects
UNION
SELECT
    'projects' AS entity,
    project_id AS id
FROM conformed_harvest.projects;

CREATE OR REPLACE TEMP VIEW qb_customer AS
SELECT
    c.id AS quickbooks_id,
    m.canonical_id AS matched_id,
    coalesce(m.canonical_id, 'quickbooks:' || c.id) AS customer_id,
    EXISTS(
        SELECT 1 FROM qb_known AS k
        WHERE k.entity = 'customers'
    ) AS other_source
FROM qb_records AS c
LEFT JOIN cfg_identity AS m
    ON m.entity = 'customers' AND m.source_system = 'quickbooks' AND m.source_id = c.id
WHERE c.parent_id IS NULL;

CREATE OR REPLACE TEMP VIEW qb_project AS
SELECT
    p.id AS quickbooks_id,
    m.canonical_id AS matched_id,
    coalesce(m.canonical_id, 'quickbooks:' || p.id) AS project_id,
    c.customer_id,
    EXISTS(
        SELECT 1 FROM qb_known AS k
        WHERE k.entity = 'projects'
    ) AS other_source
FROM qb_records AS p
INNER JOIN qb_top AS t ON t.id = p.id
LEFT JOIN qb_customer AS c ON c.quickbooks_id = t.top_id
LEFT JOIN cfg_identity AS m
    ON m.entity = 'projects' AND m.source_system = 'quickbooks' AND m.source_id = p.id
WHERE p.parent_id IS NOT NULL;
