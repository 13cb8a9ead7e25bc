-- Staging of raw_canonical.opportunity_history: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'opportunity_history') }}
)

select
    cast(opportunity_id as {{ type_varchar() }}) as opportunity_id,
    cast(changed_at as {{ type_timestamp_tz() }}) as changed_at,
    cast(stage as {{ type_varchar() }}) as stage,
    cast(probability as {{ type_double() }}) as probability,
    cast(amount as {{ type_money() }}) as amount,
    cast(close_date as {{ type_date() }}) as close_date,
    cast(expected_start_date as {{ type_date() }}) as expected_start_date,
    cast(status as {{ type_varchar() }}) as status,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
