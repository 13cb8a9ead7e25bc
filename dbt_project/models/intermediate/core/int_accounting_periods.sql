-- Union point of every source of accounting_periods, in the contract's column names (union_entity).
-- Today only the canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is
-- added as another [source_system, staging model] pair.
{{ union_entity('accounting_periods', [
    ['canonical', ref('stg_canonical__accounting_periods')],
]) }}
