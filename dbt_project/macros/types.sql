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
