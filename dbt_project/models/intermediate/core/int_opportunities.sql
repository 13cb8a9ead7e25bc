-- Union point of every source of opportunities, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    opportunity_id,
    customer_id,
    account_name,
    name,
    practice,
    region,
    currency,
    amount,
    stage,
    probability,
    created_date,
    close_date,
    expected_start_date,
    expected_duration_weeks,
    status,
    project_id,
    updated_at,
    'canonical' as source_system
from {{ ref('stg_canonical__opportunities') }}
