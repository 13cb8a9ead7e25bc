-- Staging of raw_canonical.fx_rates: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'fx_rates') }}
)

select
    cast(rate_date as {{ type_date() }}) as rate_date,
    cast(currency as {{ type_varchar() }}) as currency,
    cast(rate_to_reporting as {{ type_double() }}) as rate_to_reporting,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
