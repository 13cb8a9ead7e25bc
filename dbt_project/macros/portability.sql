{#- Run before every dbt invocation (on-run-start): what a warehouse needs so that the project's
    SQL means the same there as on DuckDB. Nothing on DuckDB. -#}
{% macro portability_shims() -%}
    {{ return(adapter.dispatch('portability_shims', 'wipcast')()) }}
{%- endmacro %}
{% macro default__portability_shims() -%}
    select 1
{%- endmacro %}

{#- PostgreSQL:
    - `double`: the contracts (YAML data_type) and the models' types name DuckDB's 8-byte float;
      a domain over double precision lets the same name mean the same type (a domain reports its
      base type, so the contract checks compare float8 with float8).
    - round(double precision, integer): PostgreSQL rounds only numeric to n places. DuckDB rounds
      the exact binary value of the double, halves away from zero (1359.04965 is stored as
      1359.0496499999999..., so it rounds down); this does the same in exact integer arithmetic.
      Casting to numeric first would round 15-digit decimal text instead and differ at halves. -#}
{% macro postgres__portability_shims() -%}
    do $wipcast$
    begin
        if not exists (
            select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
            where t.typname = 'double' and n.nspname = 'public'
        ) then
            create domain public."double" as double precision;
        end if;
    end
    $wipcast$;
    create or replace function public.round(value double precision, places integer)
    returns double precision
    language sql immutable strict parallel safe
    as $wipcast$
        select case
            when value = 0 or value <> value or abs(value) = 'infinity' or abs(value) >= 4503599627370496
                then value  -- zero, NaN, infinities and doubles of 2^52 or more (already whole)
            else (
                -- value = n / 2^k exactly (n a whole number: multiplying by a power of two is exact);
                -- then round half away from zero of n * 10^places / 2^k in exact integer arithmetic
                select cast(
                    sign(value) * div(2 * abs(n) * power(cast(10 as numeric), places) + d, 2 * d)
                    / power(cast(10 as numeric), places)
                    as double precision)
                from (
                    -- in two steps: 2^k alone overflows a double for the tiniest values
                    select cast(
                        value * power(cast(2 as double precision), div(k, 2))
                        * power(cast(2 as double precision), k - div(k, 2)) as bigint
                    ) as n,
                        power(cast(2 as numeric), k) as d
                    from (select 60 - floor(log(2, abs(cast(value as numeric)))) as k) as exponent
                ) as exact
            )
        end
    $wipcast$
{%- endmacro %}

{#- dbt's datediff on PostgreSQL returns integer for days (date - date) and double for larger parts;
    DuckDB's returns bigint, the type the contracts name: the same on both. -#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.postgres__datediff(first_date, second_date, datepart) }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- The average of a double that every engine computes to the same bits. avg() of doubles depends on
    the order the rows are added in, which differs between engines (and between runs with threads);
    a last-bit difference in an fx rate then rounds a half-cent the other way. Each value is rounded
    to 9 decimal places (the same result on every engine, see round above) and summed exactly as a
    decimal; the one division is IEEE, correctly rounded everywhere. -#}
{% macro stable_avg(expr) -%}
    cast(sum(cast(round({{ expr }}, 9) as decimal(38, 9))) as {{ type_double() }}) / count({{ expr }})
{%- endmacro %}

{#- A quotient of two decimals as a double. DuckDB divides decimals in double precision; Spark divides
    them as decimals and keeps only 6 places when the operands are wide (2700.00001 / 5000 becomes
    0.540000, not 0.540000002), so on Spark the operands become doubles first, which is DuckDB's own
    arithmetic. Elsewhere the expression is the one the models always had. -#}
{% macro decimal_ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('decimal_ratio', 'wipcast')(numerator, denominator)) }}
{%- endmacro %}
{% macro default__decimal_ratio(numerator, denominator) -%}
    cast({{ numerator }} / {{ denominator }} as {{ type_double() }})
{%- endmacro %}
{% macro spark__decimal_ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / cast({{ denominator }} as {{ type_double() }})
{%- endmacro %}
