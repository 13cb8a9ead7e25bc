-- noqa: disable=LT02
{#- Snapshots on Spark without Delta Lake. dbt-spark snapshots by MERGE INTO, which only Delta,
    Iceberg and Hudi tables accept, and their jars cannot be installed from PyPI (delta-spark fetches
    them from Maven when a session starts). On Parquet tables the same SCD type 2 history is kept by
    rebuilding the snapshot: every version already recorded (the current ones closed where the source
    changed, exactly as dbt's merge closes them) plus the new versions, written as a new table that
    then replaces the old one (drop + rename: the snapshot is read only by this build's models).
    On Databricks (Delta by default) dbt-spark's or dbt-databricks' own MERGE applies instead. -#}
{% materialization snapshot, adapter='spark' %}
    {%- set file_format = config.get('file_format') -%}
    {%- if file_format in ['delta', 'iceberg', 'hudi'] -%}
        {{ exceptions.raise_compiler_error(
            "this project's Parquet snapshot is for tables without MERGE; with file_format '"
            ~ file_format ~ "' remove macros/spark_snapshot.sql to use dbt-spark's merge"
        ) }}
    {%- endif -%}
    {%- set target_table = model.get('alias', model.get('name')) -%}
    {%- set strategy_name = config.get('strategy') -%}
    {% set target_relation_exists, target_relation = get_or_create_relation(
        database=none, schema=model.schema, identifier=target_table, type='table') -%}
    {% do create_schema(target_relation.without_identifier()) %}
    {{ run_hooks(pre_hooks) }}
    {% set strategy_macro = strategy_dispatch(strategy_name) %}
    {% set strategy = strategy_macro(
        model, "snapshotted_data", "source_data", model['config'], target_relation_exists
    ) %}
    {% if not target_relation_exists %}
        {% set final_sql = create_table_as(False, target_relation, build_snapshot_table(strategy, model['compiled_code'])) %}
        {% call statement('main') %}
            {{ final_sql }}
        {% endcall %}
    {% else %}
        {%- set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() -%}
        {%- set existing = adapter.get_columns_in_relation(target_relation) -%}
        {%- set names = [] -%}
        {%- for column in existing -%}
            {%- do names.append(adapter.quote(column.name)) -%}
        {%- endfor -%}
        {%- set rebuilt_relation = target_relation.incorporate(path={"identifier": target_table ~ '__dbt_rebuilt'}) -%}
        {% do adapter.drop_relation(rebuilt_relation) %}
        {% set rebuild_sql %}
            with staged as (
                {{ snapshot_staging_table(strategy, sql, target_relation) }}
            ),

            closing as (
                select {{ columns.dbt_scd_id }}, {{ columns.dbt_valid_to }}
                from staged
                where dbt_change_type in ('update', 'delete')
            )

            select
                {%- for column in existing %}
                {%- if column.name | lower == columns.dbt_valid_to | lower %}
                case
                    when recorded.{{ columns.dbt_valid_to }} is null and closing.{{ columns.dbt_scd_id }} is not null
                        then closing.{{ columns.dbt_valid_to }}
                    else recorded.{{ columns.dbt_valid_to }}
                end as {{ adapter.quote(column.name) }}
                {%- else %}
                recorded.{{ adapter.quote(column.name) }}
                {%- endif %}
                {%- if not loop.last %},{% endif %}
                {%- endfor %}
            from {{ target_relation }} as recorded
            left join closing on recorded.{{ columns.dbt_scd_id }} = closing.{{ columns.dbt_scd_id }}

            union all

            select {{ names | join(', ') }}
            from staged
            where dbt_change_type = 'insert'
        {% endset %}
        {% call statement('main') %}
            {{ create_table_as(False, rebuilt_relation, rebuild_sql) }}
        {% endcall %}
        {% do adapter.drop_relation(target_relation) %}
        {% do adapter.rename_relation(rebuilt_relation, target_relation) %}
    {% endif %}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
