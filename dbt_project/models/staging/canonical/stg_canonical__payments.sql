-- Staging of raw_canonical.payments: contract names and types only; dlt's columns
-- are dropped except the load time (loaded_at).
with source as (
    select * from {{ source('raw_canonical', 'payments') }}
)

select
    cast(payment_id as {{ type_varchar() }}) as payment_id,
    cast(invoice_id as {{ type_varchar() }}) as invoice_id,
    cast(payment_date as {{ type_date() }}) as payment_date,
    cast(amount as {{ type_money() }}) as amount,
    {{ dlt_load_timestamp('_dlt_load_id') }} as loaded_at
from source
