-- Staging of raw_canonical.assignments: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'assignments') }}
)

select
    cast(assignment_id as {{ type_varchar() }}) as assignment_id,
    cast(project_id as {{ type_varchar() }}) as project_id,
    cast(employee_id as {{ type_varchar() }}) as employee_id,
    cast(role as {{ type_varchar() }}) as role,
    cast(start_date as {{ type_date() }}) as start_date,
    cast(end_date as {{ type_date() }}) as end_date,
    cast(hours_per_week as {{ type_double() }}) as hours_per_week,
    cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
