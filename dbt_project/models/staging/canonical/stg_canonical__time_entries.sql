-- Staging of raw_canonical.time_entries: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'time_entries') }}
)

select
    cast(time_entry_id as {{ type_varchar() }}) as time_entry_id,
    cast(employee_id as {{ type_varchar() }}) as employee_id,
    cast(project_id as {{ type_varchar() }}) as project_id,
    cast(work_date as {{ type_date() }}) as work_date,
    cast(hours as {{ type_double() }}) as hours,
    cast(billable as {{ dbt.type_boolean() }}) as billable,
    cast(approval_status as {{ type_varchar() }}) as approval_status,
    cast(approved_at as {{ type_timestamp_tz() }}) as approved_at,
    cast(bill_rate as {{ type_money() }}) as bill_rate,
    cast(invoice_id as {{ type_varchar() }}) as invoice_id,
    cast(erp_posted_at as {{ type_timestamp_tz() }}) as erp_posted_at,
    cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
