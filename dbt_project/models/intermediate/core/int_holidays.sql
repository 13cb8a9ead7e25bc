-- Union point of every source of holidays, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    holiday_date,
    region,
    name,
    'canonical' as source_system
from {{ ref('stg_canonical__holidays') }}
