{#- Ageing bucket label of an age in days (0-30, 31-60, 61-90, over_90); negative ages
    (dated after the as-of date) fall in 0-30. -#}
{% macro finance_ageing_bucket(days_expr) -%}
    case
        when {{ days_expr }} <= 30 then '0-30'
        when {{ days_expr }} <= 60 then '31-60'
        when {{ days_expr }} <= 90 then '61-90'
        else 'over_90'
    end
{%- endmacro %}

{#- Sort order of the bucket labels above (1..4). -#}
{% macro finance_ageing_bucket_order(days_expr) -%}
    case
        when {{ days_expr }} <= 30 then 1
        when {{ days_expr }} <= 60 then 2
        when {{ days_expr }} <= 90 then 3
        else 4
    end
{%- endmacro %}
