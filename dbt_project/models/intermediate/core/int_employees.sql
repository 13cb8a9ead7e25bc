-- Union point of every source of employees, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    employee_id,
    name,
    email,
    role,
    practice,
    region,
    entity_id,
    employment_type,
    hire_date,
    termination_date,
    weekly_capacity_hours,
    cost_rate,
    utilization_target,
    'canonical' as source_system
from {{ ref('stg_canonical__employees') }}
