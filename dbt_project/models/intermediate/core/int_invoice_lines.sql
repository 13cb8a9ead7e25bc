-- Union point of every source of invoice_lines, in canonical column names. Today only the
-- canonical files; a vendor source (stg_harvest__*, stg_netsuite__*, ...) is added as
-- another `union all` branch with its own source_system.
select
    invoice_line_id,
    invoice_id,
    project_id,
    line_type,
    hours,
    amount,
    'canonical' as source_system
from {{ ref('stg_canonical__invoice_lines') }}
