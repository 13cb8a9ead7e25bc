{{ config(materialized='table') }}
-- Working-day calendar per region: a working day is Monday to Friday and not a public holiday
-- of that region. Regions are those of employees and of the holiday list.

with regions as (
    select region from {{ ref('int_employees') }}
    where region is not null
    union
    select region from {{ ref('int_holidays') }}
    where region is not null
),

holidays as (
    select distinct
        holiday_date,
        region
    from {{ ref('int_holidays') }}
)

select
    calendar.date_day,
    regions.region,
    holidays.holiday_date is not null as is_holiday,
    calendar.is_weekday and holidays.holiday_date is null as is_working_day
from {{ ref('int_calendar') }} as calendar
cross join regions
left join holidays
    on holidays.holiday_date = calendar.date_day
    and holidays.region = regions.region
