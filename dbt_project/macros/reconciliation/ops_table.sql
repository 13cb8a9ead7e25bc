{#- A table of the warehouse's ops schema (written by wipcast itself, not by dbt: ingest's quarantine,
    the connectors' sync log, the exception state) as a relation, or an empty relation of the given
    columns while the table does not exist (a warehouse that never ingested, synced or transformed).
    `columns` is a list of [name, SQL type] pairs; only those columns are selected. -#}
{% macro ops_table_or_empty(table_name, columns) -%}
    {%- set ns = namespace(relation=none) -%}
    {%- if execute -%}
        {%- set ns.relation = adapter.get_relation(database=target.database, schema='ops', identifier=table_name) -%}
    {%- endif -%}
    {%- set cols = [] -%}
    {%- for column in columns -%}
        {%- if ns.relation is not none -%}
            {%- set _ = cols.append('cast(' ~ column[0] ~ ' as ' ~ column[1] ~ ') as ' ~ column[0]) -%}
        {%- else -%}
            {%- set _ = cols.append('cast(null as ' ~ column[1] ~ ') as ' ~ column[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ns.relation is not none %}
select {{ cols | join(', ') }} from {{ ns.relation }}
    {%- else %}
select {{ cols | join(', ') }} where 1 = 0
    {%- endif %}
{%- endmacro %}

{#- When this run saw the exceptions (UTC timestamp): dbt's run start, or var exceptions_seen_at
    (an ISO timestamp) so that tests can pin it. -#}
{% macro exceptions_seen_at() -%}
    {%- set seen = var('exceptions_seen_at', none) -%}
    {%- if (seen is none or (seen | string | trim | lower) in ['none', '']) and run_started_at is defined -%}
        {%- set seen = run_started_at.strftime('%Y-%m-%d %H:%M:%S+00:00') -%}
    {%- elif seen is none or (seen | string | trim | lower) in ['none', ''] -%}
        {#- outside dbt (a linter rendering the SQL): any fixed time -#}
        {%- set seen = '1970-01-01 00:00:00+00:00' -%}
    {%- endif -%}
    cast('{{ seen }}' as {{ type_timestamp_tz() }})
{%- endmacro %}
