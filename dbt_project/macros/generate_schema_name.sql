{#- Use the custom schema name exactly (staging, intermediate, marts, snapshots) instead of
    dbt's default "<target schema>_<custom>", so analysts always query marts.<name>. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
