-- Union point of every source of assignment_snapshots, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    snapshot_date,
    assignment_id,
    project_id,
    employee_id,
    role,
    start_date,
    end_date,
    hours_per_week,
    updated_at,
    'canonical' as source_system
from {{ ref('stg_canonical__assignment_snapshots') }}
