-- Cross-system identity, run before every NetSuite conform step: a NetSuite customer or project (job)
-- that another source already holds is that member, not a second one. In order:
-- 1. connectors.identity_map (entity, source_system = netsuite, source_id = the NetSuite id, canonical_id);
-- 2. the record's externalid naming an id the canonical files or Harvest hold (as is, or harvest:<externalid>);
-- else it is a NetSuite-only member, netsuite:<id>. Matched records add no row of their own.
-- Records deleted in NetSuite (deletedrecord), by record type: every step leaves them out.
CREATE OR REPLACE TEMP VIEW ns_deleted AS
SELECT DISTINCT lower(recordtype) AS recordtype, recordid FROM raw_netsuite.deleted_records;

CREATE OR REPLACE TEMP VIEW ns_known AS
SELECT 'customers' AS entity, customer_id AS id FROM raw_canonical.customers
UNION
SELECT 'customers', customer_id FROM conformed_harvest.customers
UNION
SELECT 'projects', project_id FROM raw_canonical.projects
UNION
SELECT 'projects', project_id FROM conformed_harvest.projects
UNION
SELECT 'time_entries', time_entry_id FROM raw_canonical.time_entries
UNION
SELECT 'time_entries', time_entry_id FROM conformed_harvest.time_entries;

CREATE OR REPLACE TEMP VIEW ns_customer AS
SELECT
    c.id AS netsuite_id,
    coalesce(m.canonical_id, k.id) AS matched_id,
    coalesce(m.canonical_id, k.id, 'netsuite:' || c.id) AS customer_id,
    EXISTS (SELECT 1 FROM ns_known WHERE entity = 'customers') AS other_source
FROM raw_netsuite.customers AS c
LEFT JOIN cfg_identity AS m
    ON m.entity = 'customers' AND m.source_system = 'netsuite' AND m.source_id = c.id
LEFT JOIN ns_known AS k
    ON k.entity = 'customers' AND k.id IN (c.externalid, 'harvest:' || c.externalid)
WHERE c._wipcast_deleted_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM ns_deleted AS x WHERE x.recordtype = 'customer' AND x.recordid = c.id)
QUALIFY row_number() OVER (PARTITION BY c.id ORDER BY k.id = c.externalid DESC NULLS LAST) = 1;

CREATE OR REPLACE TEMP VIEW ns_job AS
SELECT
    j.id AS netsuite_id,
    coalesce(m.canonical_id, k.id) AS matched_id,
    coalesce(m.canonical_id, k.id, 'netsuite:' || j.id) AS project_id,
    pc.customer_id,
    EXISTS (SELECT 1 FROM ns_known WHERE entity = 'projects') AS other_source
FROM raw_netsuite.jobs AS j
LEFT JOIN cfg_identity AS m
    ON m.entity = 'projects' AND m.source_system = 'netsuite' AND m.source_id = j.id
LEFT JOIN ns_known AS k
    ON k.entity = 'projects' AND k.id IN (j.externalid, 'harvest:' || j.externalid)
LEFT JOIN ns_customer AS pc ON pc.netsuite_id = j.parent
WHERE j._wipcast_deleted_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM ns_deleted AS x WHERE x.recordtype = 'job' AND x.recordid = j.id)
QUALIFY row_number() OVER (PARTITION BY j.id ORDER BY k.id = j.externalid DESC NULLS LAST) = 1;

