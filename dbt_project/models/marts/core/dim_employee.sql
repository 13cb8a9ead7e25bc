-- People (staff and contractors, current and former) with their entity's currency.
select
    cast(employees.employee_id as {{ type_varchar() }}) as employee_id,
    cast(employees.name as {{ type_varchar() }}) as employee_name,
    cast(employees.email as {{ type_varchar() }}) as email,
    cast(employees.role as {{ type_varchar() }}) as role,
    cast(employees.practice as {{ type_varchar() }}) as practice,
    cast(employees.region as {{ type_varchar() }}) as region,
    cast(employees.entity_id as {{ type_varchar() }}) as entity_id,
    cast(legal_entities.currency as {{ type_varchar() }}) as cost_currency,
    cast(employees.employment_type as {{ type_varchar() }}) as employment_type,
    cast(employees.hire_date as date) as hire_date,
    cast(employees.termination_date as date) as termination_date,
    cast(
        employees.hire_date <= {{ as_of_date() }}
        and (employees.termination_date is null or employees.termination_date >= {{ as_of_date() }})
        as boolean
    ) as is_employed_at_as_of,
    cast(employees.weekly_capacity_hours as {{ type_double() }}) as weekly_capacity_hours,
    cast(employees.cost_rate as {{ type_money() }}) as cost_rate,
    cast(employees.utilization_target as {{ type_double() }}) as utilization_target,
    cast(employees.source_system as {{ type_varchar() }}) as source_system
from {{ ref('int_employees') }} as employees
left join {{ ref('int_legal_entities') }} as legal_entities
    on legal_entities.entity_id = employees.entity_id
