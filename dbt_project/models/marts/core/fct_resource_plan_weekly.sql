-- Current resource plan by assignment and ISO week: planned hours on the working days of the
-- week (see int_planned_hours_daily for the working-day rule). Weeks without a planned day
-- have no row.
with daily as (
    select * from {{ ref('int_planned_hours_daily') }}
),

calendar as (
    select
        date_day,
        iso_year,
        iso_week,
        week_start
    from {{ ref('int_calendar') }}
)

select
    cast(daily.assignment_id as {{ type_varchar() }}) as assignment_id,
    cast(calendar.week_start as date) as week_start,
    cast(calendar.iso_year as integer) as iso_year,
    cast(calendar.iso_week as integer) as iso_week,
    cast(daily.project_id as {{ type_varchar() }}) as project_id,
    cast(daily.employee_id as {{ type_varchar() }}) as employee_id,
    cast(daily.employee_id is null as boolean) as is_placeholder,
    cast(daily.role as {{ type_varchar() }}) as role,
    cast(daily.region as {{ type_varchar() }}) as region,
    cast(count(*) as integer) as planned_days,
    cast(sum(daily.planned_hours) as {{ type_double() }}) as planned_hours
from daily
inner join calendar
    on calendar.date_day = daily.date_day
group by 1, 2, 3, 4, 5, 6, 7, 8, 9
