-- Calendar dimension: one row per day of int_calendar, with ISO week and month attributes.
select
    cast(date_day as date) as date_day,
    cast(day_of_week as integer) as day_of_week,
    cast(is_weekday as boolean) as is_weekday,
    cast(iso_year as integer) as iso_year,
    cast(iso_week as integer) as iso_week,
    cast(week_start as date) as week_start,
    cast(month_start as date) as month_start,
    cast(month_end as date) as month_end,
    cast(extract(year from date_day) as integer) as calendar_year,
    cast(extract(quarter from date_day) as integer) as calendar_quarter,
    cast(extract(month from date_day) as integer) as calendar_month,
    cast(date_day <= {{ as_of_date() }} as boolean) as is_on_or_before_as_of
from {{ ref('int_calendar') }}
