-- Utilization by employee and ISO week (grain: employee x week).
--   capacity hours = weekly_capacity_hours x (working days of the week within employment that
--     are not public holidays of the employee's region) / 5
--   billable hours = billable time approved or submitted (drafts and rejected time excluded)
--   billable utilization = billable hours / capacity hours; planned utilization = planned / capacity
-- Hours are rounded to 4 decimals and ratios to 6, so that sums of exact inputs stay exact.
-- Weeks: every week overlapping the employment, from the week of the first time entry in the
-- data (before it there are no actuals, only a misleading zero) up to one year after the as-of
-- date, plus any other week in which the person logged or was planned time.

with employees as (
    select
        employee_id,
        role,
        practice,
        region,
        entity_id,
        hire_date,
        termination_date,
        weekly_capacity_hours,
        utilization_target
    from {{ ref('int_employees') }}
),

first_entry_week as (
    select min(calendar.week_start) as week_start
    from {{ ref('int_calendar') }} as calendar
    where calendar.date_day = (select min(time_entries.work_date) from {{ ref('int_time_entries') }} as time_entries)
),

calendar as (
    select
        calendar_days.date_day,
        calendar_days.iso_year,
        calendar_days.iso_week,
        calendar_days.week_start
    from {{ ref('int_calendar') }} as calendar_days
    where calendar_days.week_start <= cast({{ dbt.dateadd('year', 1, as_of_date()) }} as date)
        and calendar_days.week_start
        >= coalesce((select first_entry_week.week_start from first_entry_week), calendar_days.week_start)
),

employment_days as (
    -- working days of the employee's region within employment
    select
        employees.employee_id,
        calendar.week_start,
        count(*) as working_days
    from employees
    inner join {{ ref('int_region_working_days') }} as working_days
        on working_days.region = employees.region
        and working_days.is_working_day
        and working_days.date_day >= employees.hire_date
        and (employees.termination_date is null or working_days.date_day <= employees.termination_date)
    inner join calendar
        on calendar.date_day = working_days.date_day
    group by 1, 2
),

employment_weeks as (
    -- every week the employment overlaps, even one with no working day (capacity 0)
    select distinct
        employees.employee_id,
        calendar.week_start
    from employees
    inner join calendar
        on calendar.date_day >= employees.hire_date
        and (employees.termination_date is null or calendar.date_day <= employees.termination_date)
),

logged as (
    select
        entries.employee_id,
        calendar.week_start,
        sum(case
            when entries.billable and entries.approval_status in ('approved', 'submitted') then entries.hours
            else 0
        end) as billable_hours,
        sum(case
            when not entries.billable and entries.approval_status in ('approved', 'submitted') then entries.hours
            else 0
        end) as non_billable_hours,
        sum(case when entries.approval_status = 'rejected' then entries.hours else 0 end) as rejected_hours,
        sum(case when entries.approval_status = 'draft' then entries.hours else 0 end) as draft_hours
    from {{ ref('int_time_entries') }} as entries
    inner join calendar
        on calendar.date_day = entries.work_date
    group by 1, 2
),

planned as (
    select
        daily.employee_id,
        calendar.week_start,
        sum(daily.planned_hours) as planned_hours
    from {{ ref('int_planned_hours_daily') }} as daily
    inner join calendar
        on calendar.date_day = daily.date_day
    where daily.employee_id is not null
    group by 1, 2
),

employee_weeks as (
    select
        employee_id,
        week_start
    from employment_weeks
    union
    select
        employee_id,
        week_start
    from logged
    union
    select
        employee_id,
        week_start
    from planned
),

weeks as (
    select distinct
        week_start,
        iso_year,
        iso_week
    from calendar
),

combined as (
    select
        employee_weeks.employee_id,
        employee_weeks.week_start,
        weeks.iso_year,
        weeks.iso_week,
        employees.role,
        employees.practice,
        employees.region,
        employees.entity_id,
        coalesce(employment_days.working_days, 0) as working_days,
        coalesce(employees.weekly_capacity_hours, 0) * coalesce(employment_days.working_days, 0) / 5.0
            as capacity_hours,
        coalesce(logged.billable_hours, 0) as billable_hours,
        coalesce(logged.non_billable_hours, 0) as non_billable_hours,
        coalesce(logged.rejected_hours, 0) as rejected_hours,
        coalesce(logged.draft_hours, 0) as draft_hours,
        coalesce(planned.planned_hours, 0) as planned_hours,
        employees.utilization_target
    from employee_weeks
    inner join weeks
        on weeks.week_start = employee_weeks.week_start
    left join employees
        on employees.employee_id = employee_weeks.employee_id
    left join employment_days
        on employment_days.employee_id = employee_weeks.employee_id
        and employment_days.week_start = employee_weeks.week_start
    left join logged
        on logged.employee_id = employee_weeks.employee_id
        and logged.week_start = employee_weeks.week_start
    left join planned
        on planned.employee_id = employee_weeks.employee_id
        and planned.week_start = employee_weeks.week_start
)

select
    cast(employee_id as {{ type_varchar() }}) as employee_id,
    cast(iso_year as integer) as iso_year,
    cast(iso_week as integer) as iso_week,
    cast(week_start as date) as week_start,
    cast(role as {{ type_varchar() }}) as role,
    cast(practice as {{ type_varchar() }}) as practice,
    cast(region as {{ type_varchar() }}) as region,
    cast(entity_id as {{ type_varchar() }}) as entity_id,
    cast(working_days as integer) as working_days,
    cast(round(capacity_hours, 4) as {{ type_double() }}) as capacity_hours,
    cast(round(billable_hours, 4) as {{ type_double() }}) as billable_hours,
    cast(round(non_billable_hours, 4) as {{ type_double() }}) as non_billable_hours,
    cast(round(rejected_hours, 4) as {{ type_double() }}) as rejected_hours,
    cast(round(draft_hours, 4) as {{ type_double() }}) as draft_hours,
    cast(round(planned_hours, 4) as {{ type_double() }}) as planned_hours,
    cast(round(case when capacity_hours > 0 then billable_hours / capacity_hours end, 6) as {{ type_double() }})
        as billable_utilization,
    cast(round(case when capacity_hours > 0 then planned_hours / capacity_hours end, 6) as {{ type_double() }})
        as planned_utilization,
    cast(utilization_target as {{ type_double() }}) as utilization_target,
    cast(round(case
        when capacity_hours > billable_hours then capacity_hours - billable_hours
        else 0
    end, 4) as {{ type_double() }}) as bench_hours,
    cast(week_start > {{ as_of_date() }} as boolean) as is_future_week
from combined
