-- Staging of raw_canonical.employees: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'employees') }}
)

select
    cast(employee_id as {{ type_varchar() }}) as employee_id,
    cast(name as {{ type_varchar() }}) as name,
    cast(email as {{ type_varchar() }}) as email,
    cast(role as {{ type_varchar() }}) as role,
    cast(practice as {{ type_varchar() }}) as practice,
    cast(region as {{ type_varchar() }}) as region,
    cast(entity_id as {{ type_varchar() }}) as entity_id,
    cast(employment_type as {{ type_varchar() }}) as employment_type,
    cast(hire_date as {{ type_date() }}) as hire_date,
    cast(termination_date as {{ type_date() }}) as termination_date,
    cast(weekly_capacity_hours as {{ type_double() }}) as weekly_capacity_hours,
    cast(cost_rate as {{ type_money() }}) as cost_rate,
    cast(utilization_target as {{ type_double() }}) as utilization_target,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
