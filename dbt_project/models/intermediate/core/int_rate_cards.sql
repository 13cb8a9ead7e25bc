-- Union point of every source of rate_cards, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    rate_card_id,
    project_id,
    role,
    bill_rate,
    currency,
    valid_from,
    valid_to,
    'canonical' as source_system
from {{ ref('stg_canonical__rate_cards') }}
