-- Earned revenue of milestone projects per project and month: each milestone's amount is earned
-- in the month of its completed_date (completed on or before the as-of date); open milestones
-- earn nothing. Milestones of projects of another billing type are billing events, not revenue.
-- Per as-of view: a completion date is an event date, recorded as it happens.
select
    as_of.as_of_date,
    as_of.is_current,
    milestones.project_id,
    {{ month_start('milestones.completed_date') }} as month_start,
    count(*) as milestones_completed,
    cast(sum(milestones.amount) as {{ finance_money_type() }}) as earned_revenue
from {{ ref('int_milestones') }} as milestones
inner join {{ ref('int_projects') }} as projects
    on projects.project_id = milestones.project_id
inner join {{ ref('int_as_of_dates') }} as as_of
    on as_of.as_of_date >= milestones.completed_date
where projects.billing_type = 'milestone'
    and milestones.completed_date is not null
group by as_of.as_of_date, as_of.is_current, milestones.project_id, {{ month_start('milestones.completed_date') }}
