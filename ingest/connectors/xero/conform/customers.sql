-- Xero contacts -> customers: the contacts Xero flags IsCustomer, or that a sales invoice or a project
-- names (a contact with only draft invoices may not be flagged yet). Contacts listed in
-- connectors.xero.internal_contact_ids are the firm itself (its internal projects): not customers.
-- Xero keeps addresses as free text, not ISO codes: country, region and industry come from
-- connectors.xero.contacts_file, else the defaults; a customer still missing one is quarantined.
WITH referenced AS (
    SELECT lower(contact_id) AS contact_id FROM xero_invoices
    UNION
    SELECT lower(contact_id) FROM raw_xero.projects
)

SELECT
    'xero:' || lower(c.contact_id) AS customer_id,
    coalesce(c.name, nullif(trim(concat_ws(' ', c.first_name, c.last_name)), '')) AS name,
    m.industry,
    coalesce(m.country, d.default_country) AS country,
    coalesce(m.region, d.default_region) AS region,
    CAST(to_json(c) AS VARCHAR) AS _source_row,
    c._dlt_load_id AS _source_load_id
FROM raw_xero.contacts AS c
CROSS JOIN cfg_defaults AS d
LEFT JOIN cfg_contacts AS m ON lower(m.xero_contact_id) = lower(c.contact_id)
WHERE c._wipcast_deleted_at IS NULL
    AND (coalesce(c.is_customer, false) OR lower(c.contact_id) IN (SELECT r.contact_id FROM referenced AS r))
    AND lower(c.contact_id) NOT IN (SELECT x.contact_id FROM cfg_internal_contacts AS x)
