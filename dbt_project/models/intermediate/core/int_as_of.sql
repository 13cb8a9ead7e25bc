{{ config(materialized='table') }}
-- One row: the as-of date of point-in-time models, and the span of the data it must lie in.
-- The one as-of rule of the product (the forecast, scenarios and the app read this row):
-- the `as_of` var when set; otherwise the latest work_date, invoice_date or payment_date in the
-- data (today when there is none). first/latest_activity_date bound what an as-of may be.
{%- set override = as_of_var_literal() %}

with activity_dates as (
    select
        min(work_date) as first_date,
        max(work_date) as last_date
    from {{ ref('int_time_entries') }}
    union all
    select
        min(invoice_date) as first_date,
        max(invoice_date) as last_date
    from {{ ref('int_invoices') }}
    union all
    select
        min(payment_date) as first_date,
        max(payment_date) as last_date
    from {{ ref('int_payments') }}
),

span as (
    select
        min(first_date) as first_activity_date,
        max(last_date) as latest_activity_date
    from activity_dates
)

select
    {%- if override %}
        {{ override }} as as_of_date,
        'as_of var' as as_of_source,
    {%- else %}
        cast(coalesce(latest_activity_date, cast({{ dbt.current_timestamp() }} as date)) as date) as as_of_date,
        'latest activity' as as_of_source,
    {%- endif %}
    cast(first_activity_date as date) as first_activity_date,
    cast(latest_activity_date as date) as latest_activity_date
from span
