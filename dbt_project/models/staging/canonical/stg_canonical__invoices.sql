-- Staging of raw_canonical.invoices: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'invoices') }}
)

select
    cast(invoice_id as {{ type_varchar() }}) as invoice_id,
    cast(customer_id as {{ type_varchar() }}) as customer_id,
    cast(project_id as {{ type_varchar() }}) as project_id,
    cast(entity_id as {{ type_varchar() }}) as entity_id,
    cast(invoice_date as {{ type_date() }}) as invoice_date,
    cast(due_date as {{ type_date() }}) as due_date,
    cast(currency as {{ type_varchar() }}) as currency,
    cast(amount as {{ type_money() }}) as amount,
    cast(status as {{ type_varchar() }}) as status,
    cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
