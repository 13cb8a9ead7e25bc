{#- Warehouse types of the canonical contract (wipcast/contract.py WAREHOUSE_TYPES), as macros
    so that models and contracts name them in one place. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'wipcast')()) }}
{%- endmacro %}
{% macro default__type_money() -%}decimal(18,4){%- endmacro %}

{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz', 'wipcast')()) }}
{%- endmacro %}
{% macro default__type_timestamp_tz() -%}timestamp with time zone{%- endmacro %}

{#- 8-byte float (dbt.type_float() is a 4-byte REAL on DuckDB). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'wipcast')()) }}
{%- endmacro %}
{% macro default__type_double() -%}double precision{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}

{% macro type_date() -%}date{%- endmacro %}

{% macro type_varchar() -%}
    {{ return(adapter.dispatch('type_varchar', 'wipcast')()) }}
{%- endmacro %}
{% macro default__type_varchar() -%}varchar{%- endmacro %}

{#- Warehouse type of a logical type of the contract (the keys of WAREHOUSE_TYPES). -#}
{% macro contract_warehouse_type(logical_type) -%}
    {%- if logical_type in ('string', 'currency') -%}
        {{ return(type_varchar()) }}
    {%- elif logical_type == 'date' -%}
        {{ return(type_date()) }}
    {%- elif logical_type == 'timestamp' -%}
        {{ return(type_timestamp_tz()) }}
    {%- elif logical_type == 'money' -%}
        {{ return(type_money()) }}
    {%- elif logical_type == 'number' -%}
        {{ return(type_double()) }}
    {%- elif logical_type == 'integer' -%}
        {{ return(dbt.type_bigint()) }}
    {%- elif logical_type == 'boolean' -%}
        {{ return(dbt.type_boolean()) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("no warehouse type for the contract type '" ~ logical_type ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- Spark SQL: `string` is its text type (varchar needs a length there and is stored as string anyway),
    `double` its 8-byte float, and `timestamp` an instant shown in the session time zone (UTC here),
    which is what `timestamp with time zone` means on DuckDB and PostgreSQL. -#}
{% macro spark__type_varchar() -%}string{%- endmacro %}
{% macro spark__type_double() -%}double{%- endmacro %}
{% macro spark__type_timestamp_tz() -%}timestamp{%- endmacro %}
