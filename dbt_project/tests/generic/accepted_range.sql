{#- Fails for each row whose value lies outside [min_value, max_value] (either bound optional;
    inclusive unless inclusive=false). Nulls pass: pair with not_null when needed. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- set low = column_name ~ (' < ' if inclusive else ' <= ') ~ min_value if min_value is not none else '1 = 0' %}
{%- set high = column_name ~ (' > ' if inclusive else ' >= ') ~ max_value if max_value is not none else '1 = 0' %}
select *
from {{ model }}
where {{ column_name }} is not null
    and ({{ low }} or {{ high }})
{% endtest %}
