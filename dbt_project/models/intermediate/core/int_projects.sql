-- Union point of every source of projects, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    project_id,
    name,
    customer_id,
    entity_id,
    practice,
    billing_type,
    currency,
    contract_value,
    budget_hours,
    start_date,
    end_date,
    status,
    opportunity_id,
    project_manager_id,
    'canonical' as source_system
from {{ ref('stg_canonical__projects') }}
