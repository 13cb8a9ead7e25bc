-- Staging of raw_canonical.holidays: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'holidays') }}
)

select
    cast(holiday_date as {{ type_date() }}) as holiday_date,
    cast(region as {{ type_varchar() }}) as region,
    cast(name as {{ type_varchar() }}) as name,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
