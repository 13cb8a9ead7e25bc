{{ config(materialized='table') }}
-- The as-of dates the finance models are computed for, one row per view:
--   the current view (is_current): the as-of date of int_as_of with everything known today
--   ("restated");
--   point-in-time views ("as reported at close"): the last `history_closes` month ends before
--   the as-of date (default 24), the dates in the `history_as_of_dates` var, and the as-of
--   date itself, each counting only what was recorded by the end of that day (macro known_by).
-- A point-in-time view the history marts already hold is left out (each close is computed once
-- and kept; see history_dates_built), except the as-of date's own, which moves with the data.
{%- set built = history_dates_built() %}
{%- set requested = history_as_of_dates_var() %}

with as_of as (
    select
        as_of_date,
        first_activity_date
    from {{ ref('int_as_of') }}
),

month_ends as (
    select distinct calendar.month_end as as_of_date
    from {{ ref('int_calendar') }} as calendar
    cross join as_of
    where calendar.month_end < as_of.as_of_date
        and calendar.month_end >= as_of.first_activity_date
),

ranked_closes as (
    select
        as_of_date,
        row_number() over (order by as_of_date desc) as close_rank
    from month_ends
),

history_dates as (
    select as_of_date from ranked_closes
    where close_rank <= {{ history_closes_var() }}
    {%- for literal in requested %}
    union
    select {{ literal }} as as_of_date
    {%- endfor %}
    union
    select as_of_date from as_of
),

built_dates as (
    select cast(null as date) as as_of_date
    where 1 = 0
    {%- for day in built %}
    union all
    select cast('{{ day }}' as date) as as_of_date
    {%- endfor %}
)

select
    as_of.as_of_date,
    true as is_current
from as_of

union all

select
    history_dates.as_of_date,
    false as is_current
from history_dates
cross join as_of
left join built_dates
    on built_dates.as_of_date = history_dates.as_of_date
    and as_of.as_of_date <> history_dates.as_of_date
where
    history_dates.as_of_date <= as_of.as_of_date
    and built_dates.as_of_date is null
