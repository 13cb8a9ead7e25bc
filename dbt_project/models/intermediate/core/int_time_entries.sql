-- Union point of every source of time_entries, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    time_entry_id,
    employee_id,
    project_id,
    work_date,
    hours,
    billable,
    approval_status,
    approved_at,
    bill_rate,
    invoice_id,
    erp_posted_at,
    updated_at,
    'canonical' as source_system
from {{ ref('stg_canonical__time_entries') }}
