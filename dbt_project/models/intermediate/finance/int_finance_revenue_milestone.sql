-- Earned revenue of milestone projects per project and month: each milestone's amount is earned
-- in the month of its completed_date (completed on or before the as-of date); open milestones
-- earn nothing. Milestones of projects of another billing type are billing events, not revenue.
select
    milestones.project_id,
    {{ month_start('milestones.completed_date') }} as month_start,
    count(*) as milestones_completed,
    cast(sum(milestones.amount) as {{ finance_money_type() }}) as earned_revenue
from {{ ref('int_milestones') }} as milestones
inner join {{ ref('int_projects') }} as projects
    on projects.project_id = milestones.project_id
cross join {{ ref('int_as_of') }} as as_of
where projects.billing_type = 'milestone'
    and milestones.completed_date is not null
    and milestones.completed_date <= as_of.as_of_date
group by milestones.project_id, {{ month_start('milestones.completed_date') }}
