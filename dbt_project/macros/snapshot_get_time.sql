{#- Snapshot bookkeeping time as TIMESTAMP WITH TIME ZONE: our updated_at columns are
    timezone-aware (contract type), and dbt-duckdb's default (plain TIMESTAMP) would make dbt
    warn on every snapshot and compare mismatched types when it closes versions. -#}
{% macro duckdb__snapshot_get_time() -%}
    cast({{ current_timestamp() }} as timestamp with time zone)
{%- endmacro %}
