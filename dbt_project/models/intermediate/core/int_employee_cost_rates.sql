-- Every employee with the currency of their cost rate: cost_rate is stated in the currency of
-- the employing legal entity. The one place that resolves it, for actual time
-- (int_time_entries_rated) and for planned time (int_finance_plan_remaining).
select
    employees.employee_id,
    employees.role,
    employees.region,
    employees.entity_id,
    employees.cost_rate,
    legal_entities.currency as cost_currency
from {{ ref('int_employees') }} as employees
left join {{ ref('int_legal_entities') }} as legal_entities
    on legal_entities.entity_id = employees.entity_id
