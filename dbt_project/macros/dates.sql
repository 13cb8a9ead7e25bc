{#- Date helpers that dbt's cross-database macros do not cover. Each dispatches so another
    warehouse can add its own implementation; the default is ANSI-style SQL and DuckDB gets
    its native functions. -#}

{#- ISO day of week: 1 = Monday .. 7 = Sunday. -#}
{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'wipcast')(date_expr)) }}
{%- endmacro %}
{% macro default__iso_day_of_week(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}
{% macro duckdb__iso_day_of_week(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}
{% macro spark__iso_day_of_week(date_expr) -%}
    extract(dayofweek_iso from {{ date_expr }})
{%- endmacro %}

{#- ISO 8601 week-numbering year (the year the week's Thursday falls in). -#}
{% macro iso_year(date_expr) -%}
    {{ return(adapter.dispatch('iso_year', 'wipcast')(date_expr)) }}
{%- endmacro %}
{% macro default__iso_year(date_expr) -%}
    extract(isoyear from {{ date_expr }})
{%- endmacro %}
{% macro duckdb__iso_year(date_expr) -%}
    isoyear({{ date_expr }})
{%- endmacro %}
{% macro spark__iso_year(date_expr) -%}
    extract(yearofweek from {{ date_expr }})
{%- endmacro %}

{#- ISO 8601 week number, 1..53. -#}
{% macro iso_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_week', 'wipcast')(date_expr)) }}
{%- endmacro %}
{% macro default__iso_week(date_expr) -%}
    extract(week from {{ date_expr }})
{%- endmacro %}
{% macro duckdb__iso_week(date_expr) -%}
    weekofyear({{ date_expr }})
{%- endmacro %}
{% macro spark__iso_week(date_expr) -%}
    weekofyear({{ date_expr }})
{%- endmacro %}

{#- One row per day (column date_day, type date) from start_expr to end_expr inclusive. Both
    arguments may be scalar subqueries: unlike dbt.date_spine, the bounds are not evaluated
    at compile time, so the calendar can follow the data. -#}
{% macro day_spine(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('day_spine', 'wipcast')(start_expr, end_expr)) }}
{%- endmacro %}
{% macro default__day_spine(start_expr, end_expr) -%}
    {#- 2^15 days (~89 years) of offsets from a cross join of bits, then filtered. -#}
    select cast({{ dbt.dateadd('day', 'spine_offsets.n', 'spine_bounds.start_day') }} as date) as date_day
    from (
        select {{ start_expr }} as start_day, {{ end_expr }} as end_day
    ) as spine_bounds
    cross join (
        {{ dbt.generate_series(32768) }}
    ) as spine_series
    cross join lateral (select spine_series.generated_number - 1 as n) as spine_offsets
    where spine_offsets.n <= {{ dbt.datediff('spine_bounds.start_day', 'spine_bounds.end_day', 'day') }}
{%- endmacro %}
{% macro duckdb__day_spine(start_expr, end_expr) -%}
    select cast(unnest(generate_series(
        cast(spine_bounds.start_day as date),
        cast(spine_bounds.end_day as date),
        interval 1 day
    )) as date) as date_day
    from (
        select {{ start_expr }} as start_day, {{ end_expr }} as end_day
    ) as spine_bounds
{%- endmacro %}

{% macro spark__day_spine(start_expr, end_expr) -%}
    select explode(sequence(
        cast(spine_bounds.start_day as date),
        cast(spine_bounds.end_day as date),
        interval 1 day
    )) as date_day
    from (
        select {{ start_expr }} as start_day, {{ end_expr }} as end_day
    ) as spine_bounds
{%- endmacro %}

{#- Timestamp of a dlt load, from dlt's _dlt_load_id (Unix epoch seconds as text). -#}
{% macro dlt_load_timestamp(load_id_column) -%}
    {{ return(adapter.dispatch('dlt_load_timestamp', 'wipcast')(load_id_column)) }}
{%- endmacro %}
{% macro default__dlt_load_timestamp(load_id_column) -%}
    {%- set seconds = 'cast(cast(' ~ load_id_column ~ ' as ' ~ dbt.type_float() ~ ') as ' ~ dbt.type_bigint() ~ ')' -%}
    {{ dbt.dateadd('second', seconds, "cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}
{% macro duckdb__dlt_load_timestamp(load_id_column) -%}
    to_timestamp(cast({{ load_id_column }} as double))
{%- endmacro %}
{#- Spark: the epoch in microseconds, as DuckDB's to_timestamp(double) counts it. -#}
{% macro spark__dlt_load_timestamp(load_id_column) -%}
    timestamp_micros(cast(round(cast({{ load_id_column }} as double) * 1000000) as bigint))
{%- endmacro %}

{#- Last day of the month of a date. -#}
{% macro month_end(date_expr) -%}
    cast({{ dbt.last_day(date_expr, 'month') }} as date)
{%- endmacro %}

{#- First day of the month of a date, as a date. -#}
{% macro month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}
