-- Staging of raw_canonical.invoice_lines: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'invoice_lines') }}
)

select
    cast(invoice_line_id as {{ type_varchar() }}) as invoice_line_id,
    cast(invoice_id as {{ type_varchar() }}) as invoice_id,
    cast(project_id as {{ type_varchar() }}) as project_id,
    cast(line_type as {{ type_varchar() }}) as line_type,
    cast(hours as {{ type_double() }}) as hours,
    cast(amount as {{ type_money() }}) as amount,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
