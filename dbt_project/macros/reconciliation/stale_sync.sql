{#- The time before which a connector's last sync is overdue: the build time less its interval (var
    sync_expected_interval_hours_by_connector, else sync_expected_interval_hours, default 36). -#}
{% macro stale_before(connector) -%}
    {%- set by_connector = var('sync_expected_interval_hours_by_connector', {}) -%}
    {%- set default_cutoff = dbt.dateadd('hour', -1 * var('sync_expected_interval_hours', 36), exceptions_seen_at()) -%}
    {%- if by_connector | length == 0 -%}
        {{ default_cutoff }}
    {%- else -%}
        {%- set whens = [] -%}
        {%- for name, hours in by_connector.items() -%}
            {%- do whens.append("when " ~ connector ~ " = '" ~ (name | replace("'", "''")) ~ "' then "
                ~ dbt.dateadd('hour', -1 * hours, exceptions_seen_at())) -%}
        {%- endfor -%}
        (case {{ whens | join(' ') }} else {{ default_cutoff }} end)
    {%- endif -%}
{%- endmacro %}
