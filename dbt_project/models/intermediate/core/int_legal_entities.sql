-- Union point of every source of legal_entities, in the contract's column names (union_entity).
-- Legal entities declared to a connector ([[connectors.harvest.legal_entities]]) keep the firm's own
-- ids: they are shared by every source, so the same entity may arrive from the files and from a
-- connector. One row per entity_id: the canonical files' when they declare it, else the first
-- source by name (docs/connectors/DECISIONS.md).
{{ union_entity('legal_entities', [
    ['canonical', ref('stg_canonical__legal_entities')],
    ['harvest', ref('stg_harvest__legal_entities')],
    ['kantata', ref('stg_kantata__legal_entities')],
    ['netsuite', ref('stg_netsuite__legal_entities')],
    ['quickbooks', ref('stg_quickbooks__legal_entities')],
    ['xero', ref('stg_xero__legal_entities')],
], deduplicate_on='entity_id') }}
