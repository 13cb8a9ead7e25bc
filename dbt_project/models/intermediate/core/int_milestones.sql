-- Union point of every source of milestones, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    milestone_id,
    project_id,
    name,
    amount,
    due_date,
    completed_date,
    invoice_id,
    'canonical' as source_system
from {{ ref('stg_canonical__milestones') }}
