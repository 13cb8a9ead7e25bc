-- Exceptions wipcast's own logs hold: rows the last file ingest of each entity set aside
-- (ops.quarantine, type ingest_quarantine) and connectors whose last successful sync is older than
-- their expected interval at build time (ops.connector_syncs, type stale_sync): var
-- sync_expected_interval_hours_by_connector, else var sync_expected_interval_hours (default 36), both
-- from wipcast.toml's [exceptions.sync_expected_hours].
-- Neither carries money: amount_reporting is 0. Both tables are empty relations until they exist.
with quarantine as (
    {{ ops_table_or_empty('quarantine', [
        ['run_id', type_varchar()], ['entity', type_varchar()], ['source_file', type_varchar()],
        ['row_number', dbt.type_bigint()], ['reason', type_varchar()], ['quarantined_at', type_timestamp_tz()],
    ]) }}
),

syncs as (
    {{ ops_table_or_empty('connector_syncs', [
        ['connector', type_varchar()], ['finished_at', type_timestamp_tz()],
    ]) }}
),

latest_quarantine_run as (
    select
        entity,
        max(run_id) as run_id
    from quarantine
    group by entity
),

last_sync as (
    select
        connector,
        max(finished_at) as finished_at
    from syncs
    group by connector
)

select
    'ingest_quarantine' as exception_type,
    'files' as source_system,
    quarantine.entity || ':' || quarantine.source_file || ':' || cast(quarantine.row_number as {{ type_varchar() }})
        as record_id,
    cast(null as {{ type_varchar() }}) as project_id,
    cast(null as {{ type_varchar() }}) as entity_id,
    cast(null as {{ type_varchar() }}) as practice,
    cast(quarantine.quarantined_at as date) as event_date,
    quarantine.reason as detail,
    cast(0 as {{ type_money() }}) as amount_reporting
from quarantine
inner join latest_quarantine_run
    on latest_quarantine_run.entity = quarantine.entity
    and latest_quarantine_run.run_id = quarantine.run_id

union all

select
    'stale_sync' as exception_type,
    last_sync.connector as source_system,
    last_sync.connector as record_id,
    cast(null as {{ type_varchar() }}) as project_id,
    cast(null as {{ type_varchar() }}) as entity_id,
    cast(null as {{ type_varchar() }}) as practice,
    cast(last_sync.finished_at as date) as event_date,
    'last successful sync ' || cast(last_sync.finished_at as {{ type_varchar() }}) as detail,
    cast(0 as {{ type_money() }}) as amount_reporting
from last_sync
where last_sync.finished_at < {{ stale_before('last_sync.connector') }}
