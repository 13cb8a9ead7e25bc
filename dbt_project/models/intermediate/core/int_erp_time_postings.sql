-- Union point of every source of erp_time_postings, in the contract's column names (union_entity).
-- Today only the canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is
-- added as another [source_system, staging model] pair.
{{ union_entity('erp_time_postings', [
    ['canonical', ref('stg_canonical__erp_time_postings')],
    ['netsuite', ref('stg_netsuite__erp_time_postings')],
]) }}
