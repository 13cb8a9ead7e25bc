{{ config(materialized='table') }}
-- Remaining planned hours and their cost per project and month, from the resource plan as it
-- stood at the period end (month end, or the as-of date in the as-of month):
--   * plan version: the latest plan_date on or before the period end among the project's
--     versions in int_assignment_plan_versions; when the project has none that early, the
--     latest version (the current assignments) in the current view, and no plan in a
--     point-in-time view (a later plan was not known then: the estimate falls back to budget);
--   * planned hours after the period end: hours_per_week / 5 on each working day of the
--     assignment after the period end (working day = Mon-Fri and not a public holiday of the
--     employee's region; placeholders, with no employee, count weekdays only);
--   * cost: each hour at the employee's cost_rate converted from the employing entity's
--     currency into the project currency at the month's average fx rates; a placeholder at the
--     average converted cost rate of the employees in its role. Hours with no cost rate (a role
--     nobody holds, or no fx rate) are reported in hours_without_cost_rate so the estimate can
--     cost them at the project's average cost rate to date.
-- A project with no plan version at all has no row here (the estimate falls back to budget).
-- Rows are per as-of view (int_as_of_dates); the hours are computed once per distinct
-- (project, month, period end, plan version), which most views share.
with project_months as (
    select
        project_months.as_of_date,
        project_months.is_current,
        project_months.project_id,
        project_months.month_start,
        project_months.period_end,
        projects.currency as project_currency
    from {{ ref('int_finance_project_months') }} as project_months
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = project_months.project_id
),

plans as (
    select
        plan_date,
        assignment_id,
        project_id,
        employee_id,
        role,
        start_date,
        end_date,
        hours_per_week
    from {{ ref('int_assignment_plan_versions') }}
),

plan_dates as (
    select distinct
        project_id,
        plan_date
    from plans
),

chosen_for_view as (
    select
        project_months.as_of_date,
        project_months.is_current,
        project_months.project_id,
        project_months.month_start,
        project_months.period_end,
        project_months.project_currency,
        coalesce(
            max(case when plan_dates.plan_date <= project_months.period_end then plan_dates.plan_date end),
            case when project_months.is_current then max(plan_dates.plan_date) end
        ) as plan_date,
        max(case when plan_dates.plan_date <= project_months.period_end then 1 else 0 end) as has_plan_at_period_end
    from project_months
    inner join plan_dates
        on plan_dates.project_id = project_months.project_id
    group by
        project_months.as_of_date,
        project_months.is_current,
        project_months.project_id,
        project_months.month_start,
        project_months.period_end,
        project_months.project_currency
),

chosen_version as (
    select distinct
        project_id,
        month_start,
        period_end,
        project_currency,
        plan_date,
        has_plan_at_period_end
    from chosen_for_view
    where plan_date is not null
),

calendar_bounds as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from {{ ref('int_calendar') }}
),

region_working_days as (
    select
        region,
        date_day,
        sum(case when is_working_day then 1 else 0 end) over (
            partition by region order by date_day rows between unbounded preceding and current row
        ) as working_days_through
    from {{ ref('int_region_working_days') }}
),

weekdays as (
    select
        date_day,
        sum(case when is_weekday then 1 else 0 end) over (
            order by date_day rows between unbounded preceding and current row
        ) as working_days_through
    from {{ ref('int_calendar') }}
),

employee_rates as (
    select
        employee_id,
        role,
        region,
        cost_rate,
        cost_currency
    from {{ ref('int_employee_cost_rates') }}
),

fx as (
    select
        currency,
        month_start,
        rate_to_reporting
    from {{ ref('int_fx_rates_monthly') }}
),

-- Average cost rate of a role in the reporting currency, per month (for placeholders).
role_rates as (
    select
        employee_rates.role,
        fx.month_start,
        {{ stable_avg('employee_rates.cost_rate * fx.rate_to_reporting') }} as cost_rate_reporting
    from employee_rates
    inner join fx
        on fx.currency = employee_rates.cost_currency
    group by employee_rates.role, fx.month_start
),

plan_rows as (
    select
        chosen_version.project_id,
        chosen_version.month_start,
        chosen_version.plan_date,
        chosen_version.has_plan_at_period_end,
        chosen_version.period_end,
        chosen_version.project_currency,
        plans.employee_id,
        plans.role,
        plans.hours_per_week,
        employee_rates.region,
        employee_rates.cost_rate,
        employee_rates.cost_currency,
        -- working days in (lower_day, upper_day], clamped to the calendar
        case
            when plans.start_date > chosen_version.period_end
                then {{ dbt.dateadd('day', -1, 'plans.start_date') }}
            else chosen_version.period_end
        end as lower_day_raw,
        plans.end_date as upper_day_raw
    from chosen_version
    inner join plans
        on plans.project_id = chosen_version.project_id
        and plans.plan_date = chosen_version.plan_date
    left join employee_rates
        on employee_rates.employee_id = plans.employee_id
),

clamped as (
    select
        plan_rows.*,
        cast(case
            when plan_rows.lower_day_raw > calendar_bounds.last_day then calendar_bounds.last_day
            else plan_rows.lower_day_raw
        end as date) as lower_day,
        cast(case
            when plan_rows.upper_day_raw > calendar_bounds.last_day then calendar_bounds.last_day
            else plan_rows.upper_day_raw
        end as date) as upper_day
    from plan_rows
    cross join calendar_bounds
),

row_hours as (
    select
        clamped.*,
        case
            when clamped.upper_day <= clamped.lower_day then 0
            when clamped.employee_id is null or region_upper.working_days_through is null
                then coalesce(weekday_upper.working_days_through, 0) - coalesce(weekday_lower.working_days_through, 0)
            else region_upper.working_days_through - coalesce(region_lower.working_days_through, 0)
        end * clamped.hours_per_week / 5.0 as remaining_hours
    from clamped
    left join region_working_days as region_upper
        on region_upper.region = clamped.region and region_upper.date_day = clamped.upper_day
    left join region_working_days as region_lower
        on region_lower.region = clamped.region and region_lower.date_day = clamped.lower_day
    left join weekdays as weekday_upper
        on weekday_upper.date_day = clamped.upper_day
    left join weekdays as weekday_lower
        on weekday_lower.date_day = clamped.lower_day
),

costed as (
    select
        row_hours.*,
        case
            when row_hours.employee_id is not null and row_hours.cost_currency = row_hours.project_currency
                then row_hours.cost_rate
            when row_hours.employee_id is not null
                then row_hours.cost_rate * fx_cost.rate_to_reporting / nullif(fx_project.rate_to_reporting, 0)
            else role_rates.cost_rate_reporting / nullif(fx_project.rate_to_reporting, 0)
        end as cost_rate_project_ccy
    from row_hours
    left join fx as fx_cost
        on fx_cost.currency = row_hours.cost_currency and fx_cost.month_start = row_hours.month_start
    left join fx as fx_project
        on fx_project.currency = row_hours.project_currency and fx_project.month_start = row_hours.month_start
    left join role_rates
        on role_rates.role = row_hours.role and role_rates.month_start = row_hours.month_start
),

plan_totals as (
    select
        project_id,
        month_start,
        period_end,
        plan_date,
        case when max(has_plan_at_period_end) = 1 then 'plan_at_period_end' else 'current_plan' end as plan_basis,
        sum(remaining_hours) as remaining_planned_hours,
        sum(case when cost_rate_project_ccy is null then remaining_hours else 0 end) as hours_without_cost_rate,
        {{ finance_money(
            'sum(case when cost_rate_project_ccy is not null then remaining_hours * cost_rate_project_ccy else 0 end)'
        ) }} as remaining_planned_cost
    from costed
    group by project_id, month_start, period_end, plan_date
)

select
    chosen_for_view.as_of_date,
    chosen_for_view.is_current,
    plan_totals.project_id,
    plan_totals.month_start,
    plan_totals.plan_date,
    plan_totals.plan_basis,
    plan_totals.remaining_planned_hours,
    plan_totals.hours_without_cost_rate,
    plan_totals.remaining_planned_cost
from chosen_for_view
inner join plan_totals
    on plan_totals.project_id = chosen_for_view.project_id
    and plan_totals.month_start = chosen_for_view.month_start
    and plan_totals.period_end = chosen_for_view.period_end
    and plan_totals.plan_date = chosen_for_view.plan_date
