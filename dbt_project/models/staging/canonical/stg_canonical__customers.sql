-- Staging of raw_canonical.customers: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'customers') }}
)

select
    cast(customer_id as {{ type_varchar() }}) as customer_id,
    cast(name as {{ type_varchar() }}) as name,
    cast(industry as {{ type_varchar() }}) as industry,
    cast(country as {{ type_varchar() }}) as country,
    cast(region as {{ type_varchar() }}) as region,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
