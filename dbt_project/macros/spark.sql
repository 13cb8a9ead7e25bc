-- noqa: disable=LT02
{#- What Spark SQL needs for the project's SQL and its contracts to mean the same as on DuckDB.
    Spark has no `varchar` without a length and no `timestamp with time zone`: the contracts (YAML
    data_type) and the seeds' column_types name DuckDB's types, so every cast dbt itself writes (the
    contract check's empty-schema query, seed loading) goes through spark_type, which maps them to
    Spark's own: varchar -> string, timestamp with time zone -> timestamp (an instant), double
    precision -> double. -#}
{% macro spark_type(data_type) -%}
    {%- set lowered = data_type | string | trim | lower -%}
    {%- if lowered in ['varchar', 'text', 'character varying'] -%}
        string
    {%- elif lowered in ['timestamp with time zone', 'timestamptz'] -%}
        timestamp
    {%- elif lowered == 'double precision' -%}
        double
    {%- else -%}
        {{ data_type }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{#- dbt-spark's seed table and rows, with the column types mapped by spark_type. -#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
            {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ type }}
            {%- if not loop.last -%}, {% endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
    {{ location_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(get_batch_size()) %}
        {% set bindings = [] %}
        {% for row in chunk %}
            {% do bindings.extend(row) %}
        {% endfor %}
        {% set sql %}
        insert into {{ this.render() }} values
        {% for row in chunk -%}
            ({%- for col_name in agate_table.column_names -%}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
                cast({{ get_binding_char() }} as {{ type }})
                {%- if not loop.last %}, {% endif -%}
            {%- endfor -%})
            {%- if not loop.last %}, {% endif -%}
        {%- endfor %}
        {% endset %}
        {% do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}
    {{ return(statements[0]) }}
{% endmacro %}

{#- Contracts' not_null constraints: a Parquet table cannot declare them (only Delta can), so the
    built table is checked instead, and a null fails the model as DuckDB's constraint would. -#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format') == 'delta' -%}
        {% do alter_table_add_constraints(relation, model.constraints) %}
        {% do alter_column_set_constraints(relation, model.columns) %}
    {%- elif contract_config.enforced -%}
        {%- set required = [] -%}
        {%- for name, column in model.columns.items() -%}
            {%- for constraint in column.get('constraints', []) -%}
                {%- if constraint.type == 'not_null' -%}
                    {%- do required.append(name) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if required -%}
            {%- set counts -%}
                select
                {%- for name in required %}
                    sum(case when {{ adapter.quote(name) }} is null then 1 else 0 end) as {{ adapter.quote(name) }}
                    {%- if not loop.last %},{% endif %}
                {%- endfor %}
                from {{ relation }}
            {%- endset -%}
            {%- set row = run_query(counts).rows[0] -%}
            {%- for name in required -%}
                {%- if (row[loop.index0] or 0) > 0 -%}
                    {{ exceptions.raise_compiler_error(
                        "NOT NULL constraint failed: " ~ relation ~ "." ~ name ~ " has "
                        ~ row[loop.index0] ~ " null value(s)"
                    ) }}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{#- dbt-spark's datediff returns int for days; DuckDB's returns bigint, the type the contracts name. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.spark__datediff(first_date, second_date, datepart) }} as {{ dbt.type_bigint() }})
{%- endmacro %}
