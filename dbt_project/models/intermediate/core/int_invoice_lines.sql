-- Union point of every source of invoice_lines, in the contract's column names (union_entity).
-- Today only the canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is
-- added as another [source_system, staging model] pair.
{{ union_entity('invoice_lines', [
    ['canonical', ref('stg_canonical__invoice_lines')],
]) }}
