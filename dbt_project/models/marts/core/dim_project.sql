-- Projects with their customer and contracting entity.
select
    cast(projects.project_id as {{ type_varchar() }}) as project_id,
    cast(projects.name as {{ type_varchar() }}) as project_name,
    cast(projects.customer_id as {{ type_varchar() }}) as customer_id,
    cast(customers.name as {{ type_varchar() }}) as customer_name,
    cast(projects.entity_id as {{ type_varchar() }}) as entity_id,
    cast(projects.practice as {{ type_varchar() }}) as practice,
    cast(projects.billing_type as {{ type_varchar() }}) as billing_type,
    cast(projects.currency as {{ type_varchar() }}) as currency,
    cast(projects.contract_value as {{ type_money() }}) as contract_value,
    cast(projects.budget_hours as {{ type_double() }}) as budget_hours,
    cast(projects.start_date as date) as start_date,
    cast(projects.end_date as date) as end_date,
    cast(projects.status as {{ type_varchar() }}) as status,
    cast(projects.opportunity_id as {{ type_varchar() }}) as opportunity_id,
    cast(projects.project_manager_id as {{ type_varchar() }}) as project_manager_id,
    cast(projects.customer_id is null as boolean) as is_internal,
    cast(projects.billing_type <> 'non_billable' as boolean) as is_billable,
    cast(projects.source_system as {{ type_varchar() }}) as source_system
from {{ ref('int_projects') }} as projects
left join {{ ref('int_customers') }} as customers
    on customers.customer_id = projects.customer_id
