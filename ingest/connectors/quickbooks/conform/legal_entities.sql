-- The QuickBooks company (realm) -> one legal entity: connectors.quickbooks.entity_id, entity_name,
-- entity_country and home_currency. QuickBooks is one set of books: it has no entity list to read.
-- When the canonical files already hold that entity id, theirs is the row and none is added here.
SELECT
    d.entity_id,
    d.entity_name AS name,
    d.entity_country AS country,
    d.home_currency AS currency
FROM cfg_defaults AS d
WHERE d.entity_id IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM raw_canonical.legal_entities AS f
        WHERE f.entity_id = d.entity_id
    )
