-- When each source last loaded successfully: the canonical files (ops.load_log, source 'files') and
-- each connector (ops.connector_syncs); no rows while neither table exists.
with loads as (
    {{ ops_table_or_empty('load_log', [['loaded_at', type_timestamp_tz()]]) }}
),

syncs as (
    {{ ops_table_or_empty('connector_syncs', [['connector', type_varchar()], ['finished_at', type_timestamp_tz()]]) }}
)

select
    'files' as source_system,
    max(loaded_at) as last_success_at
from loads
having count(*) > 0

union all

select
    connector as source_system,
    max(finished_at) as last_success_at
from syncs
group by connector
