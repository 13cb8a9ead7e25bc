-- Invariant: the cumulative revenue of a fixed-fee project never exceeds its contract value
-- (cost-to-cost progress is capped at 100%), in any month. Returns the offending months.
select
    revenue.project_id,
    revenue.month_start,
    revenue.cumulative_earned,
    projects.contract_value
from {{ ref('mart_revenue_monthly') }} as revenue
inner join {{ ref('int_projects') }} as projects
    on projects.project_id = revenue.project_id
where revenue.billing_type = 'fixed_fee'
    and revenue.cumulative_earned > coalesce(projects.contract_value, 0) + 0.005
