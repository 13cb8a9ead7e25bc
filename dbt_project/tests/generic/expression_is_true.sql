{#- Fails for each row where the boolean SQL `expression` is not true. Applied to a model, or
    to a column (then the expression is appended to the column name, e.g. expression: ">= 0").
    Restrict rows with dbt's own `config: {where: ...}`. -#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce({% if column_name is not none %}{{ column_name }} {% endif %}{{ expression }}, false)
{% endtest %}
