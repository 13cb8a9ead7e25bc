-- Union point of every source of fx_rates, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    rate_date,
    currency,
    rate_to_reporting,
    'canonical' as source_system
from {{ ref('stg_canonical__fx_rates') }}
