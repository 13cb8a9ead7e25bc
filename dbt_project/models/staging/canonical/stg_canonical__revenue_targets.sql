-- Staging of raw_canonical.revenue_targets: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'revenue_targets') }}
)

select
    cast(month as {{ type_date() }}) as month,
    cast(practice as {{ type_varchar() }}) as practice,
    cast(region as {{ type_varchar() }}) as region,
    cast(amount as {{ type_money() }}) as amount,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
