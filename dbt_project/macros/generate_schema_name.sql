{#- Use the custom schema name exactly (staging, intermediate, marts, snapshots) instead of
    dbt's default "<target schema>_<custom>", so analysts always query marts.<name>.
    On a server warehouse (var publish_by_swap), the schemas readers query are built under
    <name>__build and renamed into place by `wipcast publish` in one transaction
    (wipcast.warehouses.postgres.DBT_SWAPPED_SCHEMAS lists the same schemas). Spark cannot rename a
    database, so each build there gets its own suffix (var build_suffix, `__g<run>`) and publish points
    the readers' views at it (wipcast.warehouses.spark_swap). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif var('publish_by_swap', false) and (custom_schema_name | trim) in ['marts'] -%}
        {{ custom_schema_name | trim }}{{ var('build_suffix', '__build') }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
