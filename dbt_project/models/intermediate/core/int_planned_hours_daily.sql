{{ config(materialized='table') }}
-- Current plan by day: each assignment plans hours_per_week / 5 hours on every working day
-- from start_date to end_date. A named employee works Monday to Friday except the public
-- holidays of their region; an unnamed placeholder (null employee_id) plans every weekday,
-- skipping no holidays (it has no region yet).

with assignments as (
    select
        assignments.assignment_id,
        assignments.project_id,
        assignments.employee_id,
        assignments.role,
        assignments.start_date,
        assignments.end_date,
        assignments.hours_per_week,
        employees.region
    from {{ ref('int_assignments') }} as assignments
    left join {{ ref('int_employees') }} as employees
        on employees.employee_id = assignments.employee_id
),

named_days as (
    select
        assignments.*,
        working_days.date_day
    from assignments
    inner join {{ ref('int_region_working_days') }} as working_days
        on working_days.region = assignments.region
        and working_days.date_day between assignments.start_date and assignments.end_date
        and working_days.is_working_day
    where assignments.region is not null
),

placeholder_days as (
    select
        assignments.*,
        calendar.date_day
    from assignments
    inner join {{ ref('int_calendar') }} as calendar
        on calendar.date_day between assignments.start_date and assignments.end_date
        and calendar.is_weekday
    where assignments.region is null
)

select
    assignment_id,
    project_id,
    employee_id,
    role,
    region,
    date_day,
    cast(hours_per_week as {{ type_double() }}) / 5 as planned_hours
from named_days
union all
select
    assignment_id,
    project_id,
    employee_id,
    role,
    region,
    date_day,
    cast(hours_per_week as {{ type_double() }}) / 5 as planned_hours
from placeholder_days
