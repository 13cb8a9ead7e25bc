-- Staging of raw_canonical.rate_cards: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'rate_cards') }}
)

select
    cast(rate_card_id as {{ type_varchar() }}) as rate_card_id,
    cast(project_id as {{ type_varchar() }}) as project_id,
    cast(role as {{ type_varchar() }}) as role,
    cast(bill_rate as {{ type_money() }}) as bill_rate,
    cast(currency as {{ type_varchar() }}) as currency,
    cast(valid_from as {{ type_date() }}) as valid_from,
    cast(valid_to as {{ type_date() }}) as valid_to,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
