-- Union point of every source of opportunity_history, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    opportunity_id,
    changed_at,
    stage,
    probability,
    amount,
    close_date,
    expected_start_date,
    status,
    'canonical' as source_system
from {{ ref('stg_canonical__opportunity_history') }}
