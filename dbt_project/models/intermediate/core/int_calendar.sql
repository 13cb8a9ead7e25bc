{{ config(materialized='table') }}
-- One row per day from the Monday on or before the first of the month of the earliest date in
-- the data to three years after the as-of date (room for plans and forecasts), or to the latest
-- work, invoice or payment date if that is later (an as_of override in the past must not cut
-- actuals out of the calendar).

with data_dates as (
    select min(work_date) as first_date from {{ ref('int_time_entries') }}
    union all
    select min(start_date) from {{ ref('int_projects') }}
    union all
    select min(start_date) from {{ ref('int_assignments') }}
    union all
    select min(snapshot_date) from {{ ref('int_assignment_snapshots') }}
    union all
    select min(invoice_date) from {{ ref('int_invoices') }}
    union all
    select min(payment_date) from {{ ref('int_payments') }}
    union all
    select min(rate_date) from {{ ref('int_fx_rates') }}
    union all
    select min(created_date) from {{ ref('int_opportunities') }}
    union all
    select min(month) from {{ ref('int_revenue_targets') }}
    union all
    select {{ as_of_date() }}
),

first_month as (
    select {{ month_start('min(first_date)') }} as first_month_start
    from data_dates
),

last_day as (
    select max(last_date) as last_day
    from (
        select cast({{ dbt.dateadd('year', 3, as_of_date()) }} as date) as last_date
        union all
        select max(work_date) from {{ ref('int_time_entries') }}
        union all
        select max(invoice_date) from {{ ref('int_invoices') }}
        union all
        select max(payment_date) from {{ ref('int_payments') }}
    ) as candidates
),

bounds as (
    -- back to the Monday so that the first ISO week is complete
    select
        cast({{ dbt.dateadd(
            'day', '1 - ' ~ iso_day_of_week('first_month.first_month_start'), 'first_month.first_month_start'
        ) }} as date) as start_day,
        last_day.last_day as end_day
    from first_month
    cross join last_day
),

days as (
    {{ day_spine('(select start_day from bounds)', '(select end_day from bounds)') }}
)

select
    date_day,
    cast({{ iso_day_of_week('date_day') }} as integer) as day_of_week,
    {{ iso_day_of_week('date_day') }} <= 5 as is_weekday,
    cast({{ iso_year('date_day') }} as integer) as iso_year,
    cast({{ iso_week('date_day') }} as integer) as iso_week,
    cast({{ dbt.dateadd('day', '1 - ' ~ iso_day_of_week('date_day'), 'date_day') }} as date) as week_start,
    {{ month_start('date_day') }} as month_start,
    {{ month_end('date_day') }} as month_end
from days
