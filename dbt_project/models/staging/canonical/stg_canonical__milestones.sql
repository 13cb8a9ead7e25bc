-- Staging of raw_canonical.milestones: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'milestones') }}
)

select
    cast(milestone_id as {{ type_varchar() }}) as milestone_id,
    cast(project_id as {{ type_varchar() }}) as project_id,
    cast(name as {{ type_varchar() }}) as name,
    cast(amount as {{ type_money() }}) as amount,
    cast(due_date as {{ type_date() }}) as due_date,
    cast(completed_date as {{ type_date() }}) as completed_date,
    cast(invoice_id as {{ type_varchar() }}) as invoice_id,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
