-- Union point of every source of invoices, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    invoice_id,
    customer_id,
    project_id,
    entity_id,
    invoice_date,
    due_date,
    currency,
    amount,
    status,
    updated_at,
    'canonical' as source_system
from {{ ref('stg_canonical__invoices') }}
