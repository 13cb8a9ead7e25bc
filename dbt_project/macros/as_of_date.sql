{#- The as-of date of point-in-time models, as a scalar SQL expression of type date.
    It reads the one-row model int_as_of (var `as_of` when set, else the latest work, invoice
    or payment date), so every model agrees on it and unit tests can mock it with one row. -#}
{% macro as_of_date() -%}
    (select as_of_date from {{ ref('int_as_of') }})
{%- endmacro %}

{#- The `as_of` var as a date literal, or none when not set ('none', '', null). -#}
{% macro as_of_var_literal() -%}
    {%- set raw = var('as_of', none) -%}
    {%- if raw is none or (raw | string | trim | lower) in ['none', 'null', ''] -%}
        {{ return(none) }}
    {%- else -%}
        {%- set text = raw | string | trim -%}
        {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', text) -%}
            {{ exceptions.raise_compiler_error("var as_of must be a date YYYY-MM-DD, got '" ~ text ~ "'") }}
        {%- endif -%}
        {{ return("cast('" ~ text ~ "' as date)") }}
    {%- endif -%}
{%- endmacro %}

{#- The reporting currency var as a quoted SQL literal, checked to be an ISO 4217 code. -#}
{% macro reporting_currency_literal() -%}
    {%- set code = var('reporting_currency', 'USD') | string | trim -%}
    {%- if not modules.re.match('^[A-Z]{3}$', code) -%}
        {{ exceptions.raise_compiler_error(
            "var reporting_currency must be a three-letter ISO 4217 code such as USD, got '" ~ code ~ "'"
        ) }}
    {%- endif -%}
    '{{ code }}'
{%- endmacro %}
