-- Staging of raw_canonical.legal_entities: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'legal_entities') }}
)

select
    cast(entity_id as {{ type_varchar() }}) as entity_id,
    cast(name as {{ type_varchar() }}) as name,
    cast(country as {{ type_varchar() }}) as country,
    cast(currency as {{ type_varchar() }}) as currency,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
