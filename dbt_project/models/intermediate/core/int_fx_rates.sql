-- Union point of every source of fx_rates, in the contract's column names (union_entity).
-- The canonical files and NetSuite's currency rates; a firm may keep both, so one row per day and
-- currency: the canonical files' when they hold it, else the first source by name.
{{ union_entity('fx_rates', [
    ['canonical', ref('stg_canonical__fx_rates')],
    ['netsuite', ref('stg_netsuite__fx_rates')],
    ['xero', ref('stg_xero__fx_rates')],
], deduplicate_on='rate_date, currency') }}
