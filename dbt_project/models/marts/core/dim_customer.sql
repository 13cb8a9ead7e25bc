-- Customers, with how many projects they have and whether any is active.
with project_counts as (
    select
        customer_id,
        count(*) as project_count,
        sum(case when status = 'active' then 1 else 0 end) as active_project_count
    from {{ ref('int_projects') }}
    where customer_id is not null
    group by 1
)

select
    cast(customers.customer_id as {{ type_varchar() }}) as customer_id,
    cast(customers.name as {{ type_varchar() }}) as customer_name,
    cast(customers.industry as {{ type_varchar() }}) as industry,
    cast(customers.country as {{ type_varchar() }}) as country,
    cast(customers.region as {{ type_varchar() }}) as region,
    cast(coalesce(project_counts.project_count, 0) as integer) as project_count,
    cast(coalesce(project_counts.active_project_count, 0) > 0 as boolean) as has_active_project,
    cast(customers.source_system as {{ type_varchar() }}) as source_system
from {{ ref('int_customers') }} as customers
left join project_counts
    on project_counts.customer_id = customers.customer_id
