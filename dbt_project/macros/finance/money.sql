{#- Money arithmetic of the finance models.
    Intermediate amounts are kept as exact decimals with 6 places (a ratio such as percent
    complete is a double; multiplying by it goes back to money through finance_money), and are
    rounded to cents only in the marts (finance_cents), so that rounding never accumulates. -#}

{#- Exact decimal type of intermediate money amounts. -#}
{% macro finance_money_type() -%}decimal(38,6){%- endmacro %}

{#- Presentation type of money in the finance marts (cents). -#}
{% macro finance_cents_type() -%}decimal(18,2){%- endmacro %}

{#- An expression (decimal or double) as intermediate money, rounded to 6 decimal places. -#}
{% macro finance_money(expr) -%}
    cast(round({{ expr }}, 6) as {{ finance_money_type() }})
{%- endmacro %}

{#- An amount rounded half away from zero to cents, for the marts. -#}
{% macro finance_cents(expr) -%}
    cast(round({{ expr }}, 2) as {{ finance_cents_type() }})
{%- endmacro %}

{#- Converts `amount` from a currency whose rate to the reporting currency is `from_rate` into a
    currency whose rate is `to_rate`; no conversion (and no fx needed) when both currencies match. -#}
{% macro finance_convert(amount, from_currency, to_currency, from_rate, to_rate) -%}
    case
        when {{ from_currency }} = {{ to_currency }} then {{ finance_money(amount) }}
        else {{ finance_money(amount ~ ' * ' ~ from_rate ~ ' / nullif(' ~ to_rate ~ ', 0)') }}
    end
{%- endmacro %}
