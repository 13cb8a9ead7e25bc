-- The exception state the last successful transform left (ops.exception_state, written by
-- wipcast.exceptions after the build and by `wipcast exceptions accept`); empty before the first.
{{ ops_table_or_empty('exception_state', [
    ['exception_id', type_varchar()],
    ['exception_type', type_varchar()],
    ['source_system', type_varchar()],
    ['record_id', type_varchar()],
    ['project_id', type_varchar()],
    ['entity_id', type_varchar()],
    ['practice', type_varchar()],
    ['event_date', type_date()],
    ['detail', type_varchar()],
    ['amount_at_risk_reporting', 'decimal(18, 2)'],
    ['status', type_varchar()],
    ['first_seen_at', type_timestamp_tz()],
    ['last_seen_at', type_timestamp_tz()],
    ['occurrences', dbt.type_bigint()],
    ['resolved_at', type_timestamp_tz()],
    ['accepted_amount_reporting', 'decimal(18, 2)'],
    ['accepted_reason', type_varchar()],
    ['accepted_at', type_timestamp_tz()],
]) }}
