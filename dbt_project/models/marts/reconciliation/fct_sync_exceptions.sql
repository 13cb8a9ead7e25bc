-- Every exception this build detected or an earlier build left open, with its life across runs.
-- State (ops.exception_state, the previous successful transform's rows of this table) meets this
-- build's detections (int_recon_exceptions_detected) on exception_id:
--   detected now      -> last_seen_at = this run, occurrences + 1, first_seen_at kept (this run when new);
--                        status accepted while the amount equals the accepted amount, else open
--                        (a resolved exception that comes back is open again, resolved_at cleared);
--   not detected now  -> an open or accepted one is resolved, resolved_at = when it was last seen;
--                        a resolved one stays as it was.
-- wipcast.exceptions copies this table's state columns to ops.exception_state after a successful build.
-- Owner: the routing seed's row for (exception_type, practice), else (type, *), else (*, practice),
-- else (*, *).
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

detected as (
    select * from {{ ref('int_recon_exceptions_detected') }}
),

previous as (
    select * from {{ ref('int_recon_exception_state') }}
),

merged as (
    select
        coalesce(detected.exception_id, previous.exception_id) as exception_id,
        coalesce(detected.exception_type, previous.exception_type) as exception_type,
        coalesce(detected.source_system, previous.source_system) as source_system,
        coalesce(detected.record_id, previous.record_id) as record_id,
        coalesce(detected.project_id, previous.project_id) as project_id,
        coalesce(detected.entity_id, previous.entity_id) as entity_id,
        coalesce(detected.practice, previous.practice) as practice,
        coalesce(detected.event_date, previous.event_date) as event_date,
        coalesce(detected.detail, previous.detail) as detail,
        coalesce(detected.amount_reporting, previous.amount_at_risk_reporting) as amount_at_risk_reporting,
        detected.exception_id is not null as is_detected,
        case
            when detected.exception_id is null and previous.status in ('open', 'accepted') then 'resolved'
            when detected.exception_id is null then previous.status
            when previous.status = 'accepted' and previous.accepted_amount_reporting = detected.amount_reporting
                then 'accepted'
            else 'open'
        end as status,
        coalesce(previous.first_seen_at, {{ exceptions_seen_at() }}) as first_seen_at,
        case when detected.exception_id is not null then {{ exceptions_seen_at() }} else previous.last_seen_at end
            as last_seen_at,
        coalesce(previous.occurrences, 0) + case when detected.exception_id is not null then 1 else 0 end
            as occurrences,
        case
            when detected.exception_id is not null then null
            when previous.status in ('open', 'accepted') then previous.last_seen_at
            else previous.resolved_at
        end as resolved_at,
        previous.status as previous_status,
        previous.accepted_amount_reporting,
        previous.accepted_reason,
        previous.accepted_at
    from detected
    full outer join previous
        on previous.exception_id = detected.exception_id
),

routing as (
    select
        exception_type,
        practice,
        owner
    from {{ ref('int_exception_owner_routing') }}
),

routed as (
    select
        merged.*,
        coalesce(by_both.owner, by_type.owner, by_practice.owner, fallback.owner) as owner  -- noqa: RF04
    from merged
    left join routing as by_both
        on by_both.exception_type = merged.exception_type and by_both.practice = merged.practice
    left join routing as by_type
        on by_type.exception_type = merged.exception_type and by_type.practice = '*'
    left join routing as by_practice
        on by_practice.exception_type = '*' and by_practice.practice = merged.practice
    left join routing as fallback
        on fallback.exception_type = '*' and fallback.practice = '*'
)

select
    cast(routed.exception_id as {{ type_varchar() }}) as exception_id,
    cast(routed.exception_type as {{ type_varchar() }}) as exception_type,
    cast(routed.source_system as {{ type_varchar() }}) as source_system,
    cast(routed.record_id as {{ type_varchar() }}) as record_id,
    cast(routed.project_id as {{ type_varchar() }}) as project_id,
    cast(routed.entity_id as {{ type_varchar() }}) as entity_id,
    cast(routed.practice as {{ type_varchar() }}) as practice,
    cast(routed.event_date as date) as event_date,
    cast(routed.detail as {{ type_varchar() }}) as detail,
    cast(routed.amount_at_risk_reporting as decimal(18, 2)) as amount_at_risk_reporting,
    cast({{ reporting_currency_literal() }} as {{ type_varchar() }}) as reporting_currency,
    cast(routed.owner as {{ type_varchar() }}) as owner,  -- noqa: RF04
    cast(routed.status as {{ type_varchar() }}) as status,
    routed.status = 'open' as is_open,
    routed.is_detected,
    cast(routed.first_seen_at as {{ type_timestamp_tz() }}) as first_seen_at,
    cast(routed.last_seen_at as {{ type_timestamp_tz() }}) as last_seen_at,
    cast(routed.occurrences as {{ dbt.type_bigint() }}) as occurrences,
    cast(routed.resolved_at as {{ type_timestamp_tz() }}) as resolved_at,
    cast({{ dbt.datediff('routed.event_date', 'as_of.as_of_date', 'day') }} as {{ dbt.type_bigint() }}) as age_days,
    cast(
        {{ finance_ageing_bucket(dbt.datediff('routed.event_date', 'as_of.as_of_date', 'day')) }}
        as {{ type_varchar() }}
    )
        as age_bucket,
    cast(case when routed.status = 'accepted' then routed.accepted_amount_reporting end as decimal(18, 2))
        as accepted_amount_reporting,
    cast(case when routed.status = 'accepted' then routed.accepted_reason end as {{ type_varchar() }})
        as accepted_reason,
    cast(case when routed.status = 'accepted' then routed.accepted_at end as {{ type_timestamp_tz() }})
        as accepted_at,
    as_of.as_of_date
from routed
cross join as_of
