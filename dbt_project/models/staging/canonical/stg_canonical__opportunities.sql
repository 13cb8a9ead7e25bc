-- Staging of raw_canonical.opportunities: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'opportunities') }}
)

select
    cast(opportunity_id as {{ type_varchar() }}) as opportunity_id,
    cast(customer_id as {{ type_varchar() }}) as customer_id,
    cast(account_name as {{ type_varchar() }}) as account_name,
    cast(name as {{ type_varchar() }}) as name,
    cast(practice as {{ type_varchar() }}) as practice,
    cast(region as {{ type_varchar() }}) as region,
    cast(currency as {{ type_varchar() }}) as currency,
    cast(amount as {{ type_money() }}) as amount,
    cast(stage as {{ type_varchar() }}) as stage,
    cast(probability as {{ type_double() }}) as probability,
    cast(created_date as {{ type_date() }}) as created_date,
    cast(close_date as {{ type_date() }}) as close_date,
    cast(expected_start_date as {{ type_date() }}) as expected_start_date,
    cast(expected_duration_weeks as {{ type_double() }}) as expected_duration_weeks,
    cast(status as {{ type_varchar() }}) as status,
    cast(project_id as {{ type_varchar() }}) as project_id,
    cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
