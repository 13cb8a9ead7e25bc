-- Union point of every source of revenue_targets, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    month,
    practice,
    region,
    amount,
    'canonical' as source_system
from {{ ref('stg_canonical__revenue_targets') }}
