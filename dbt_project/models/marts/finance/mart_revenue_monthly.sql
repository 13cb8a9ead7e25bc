-- Project x month revenue, cost, margin, billing and contract balances (see the YAML for the
-- rules). Money is rounded to cents here, at the presentation edge, from exact intermediates.
select
    {{ revenue_monthly_columns() }}
from {{ ref('int_finance_project_monthly') }} as monthly
inner join {{ ref('int_projects') }} as projects
    on projects.project_id = monthly.project_id
left join {{ ref('int_customers') }} as customers
    on customers.customer_id = projects.customer_id
