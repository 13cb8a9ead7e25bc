-- Staging of raw_canonical.projects: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'projects') }}
)

select
    cast(project_id as {{ type_varchar() }}) as project_id,
    cast(name as {{ type_varchar() }}) as name,
    cast(customer_id as {{ type_varchar() }}) as customer_id,
    cast(entity_id as {{ type_varchar() }}) as entity_id,
    cast(practice as {{ type_varchar() }}) as practice,
    cast(billing_type as {{ type_varchar() }}) as billing_type,
    cast(currency as {{ type_varchar() }}) as currency,
    cast(contract_value as {{ type_money() }}) as contract_value,
    cast(budget_hours as {{ type_double() }}) as budget_hours,
    cast(start_date as {{ type_date() }}) as start_date,
    cast(end_date as {{ type_date() }}) as end_date,
    cast(status as {{ type_varchar() }}) as status,
    cast(opportunity_id as {{ type_varchar() }}) as opportunity_id,
    cast(project_manager_id as {{ type_varchar() }}) as project_manager_id,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
