{{ config(materialized='table') }}
-- Cost to date, estimate to complete (ETC) and estimate at completion (EAC) per project and
-- month, in the project currency.
--   cost of an entry = hours x the employee's cost rate in the project currency (every entry
--   that is not rejected counts, billable or not);
--   ETC at month M = remaining planned cost after M's period end from the plan as it stood then
--   (int_finance_plan_remaining), with planned hours that have no cost rate costed at the
--   project's average cost rate to date;
--   without any plan: ETC = max(0, budget_hours - hours to date) x average cost rate to date
--   (0 when there is no budget or no hours yet);
--   EAC = cumulative cost through M + ETC.
-- Per as-of view (int_as_of_dates), keyed by as_of_date and is_current.
with project_months as (
    select
        as_of_date,
        is_current,
        project_id,
        month_start,
        period_end
    from {{ ref('int_finance_project_months') }}
),

monthly_costs as (
    select
        as_of_date,
        is_current,
        project_id,
        work_month as month_start,
        sum(hours) as hours_worked,
        sum(cost_value) as cost
    from {{ ref('int_finance_time_entries_by_as_of') }}
    where counts_as_cost
    group by as_of_date, is_current, project_id, work_month
),

cumulative as (
    select
        project_months.as_of_date,
        project_months.is_current,
        project_months.project_id,
        project_months.month_start,
        project_months.period_end,
        coalesce(monthly_costs.hours_worked, 0) as hours_worked,
        cast(coalesce(monthly_costs.cost, 0) as {{ finance_money_type() }}) as cost,
        sum(coalesce(monthly_costs.hours_worked, 0)) over (
            partition by project_months.as_of_date, project_months.is_current, project_months.project_id
            order by project_months.month_start
            rows between unbounded preceding and current row
        ) as cumulative_hours,
        cast(sum(coalesce(monthly_costs.cost, 0)) over (
            partition by project_months.as_of_date, project_months.is_current, project_months.project_id
            order by project_months.month_start
            rows between unbounded preceding and current row
        ) as {{ finance_money_type() }}) as cumulative_cost
    from project_months
    left join monthly_costs
        on monthly_costs.as_of_date = project_months.as_of_date
        and monthly_costs.is_current = project_months.is_current
        and monthly_costs.project_id = project_months.project_id
        and monthly_costs.month_start = project_months.month_start
),

with_plan as (
    select
        cumulative.*,
        projects.budget_hours,
        plan.plan_date,
        coalesce(plan.plan_basis, 'budget') as etc_basis,
        plan.remaining_planned_hours,
        plan.hours_without_cost_rate,
        plan.remaining_planned_cost,
        cumulative.cumulative_cost / nullif(cumulative.cumulative_hours, 0) as average_cost_rate_to_date
    from cumulative
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = cumulative.project_id
    left join {{ ref('int_finance_plan_remaining') }} as plan
        on plan.as_of_date = cumulative.as_of_date
        and plan.is_current = cumulative.is_current
        and plan.project_id = cumulative.project_id
        and plan.month_start = cumulative.month_start
),

estimated as (
    select
        with_plan.*,
        case
            when with_plan.etc_basis = 'budget' then {{ finance_money(
                'greatest(0, coalesce(budget_hours, 0) - cumulative_hours) * coalesce(average_cost_rate_to_date, 0)'
            ) }}
            else with_plan.remaining_planned_cost + {{ finance_money(
                'hours_without_cost_rate * coalesce(average_cost_rate_to_date, 0)'
            ) }}
        end as estimate_to_complete
    from with_plan
)

select
    as_of_date,
    is_current,
    project_id,
    month_start,
    period_end,
    hours_worked,
    cost,
    cumulative_hours,
    cumulative_cost,
    average_cost_rate_to_date,
    etc_basis,
    plan_date,
    case
        when etc_basis = 'budget' then greatest(0, coalesce(budget_hours, 0) - cumulative_hours)
        else remaining_planned_hours
    end as remaining_hours,
    cast(estimate_to_complete as {{ finance_money_type() }}) as estimate_to_complete,
    cast(cumulative_cost + estimate_to_complete as {{ finance_money_type() }}) as estimate_at_completion
from estimated
