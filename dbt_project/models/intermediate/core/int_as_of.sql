{{ config(materialized='table') }}
-- One row: the as-of date of point-in-time models. The `as_of` var overrides it; otherwise it
-- is the latest work_date, invoice_date or payment_date in the data (today when there is none).
{%- set override = as_of_var_literal() %}

with activity_dates as (
    select max(work_date) as activity_date from {{ ref('int_time_entries') }}
    union all
    select max(invoice_date) from {{ ref('int_invoices') }}
    union all
    select max(payment_date) from {{ ref('int_payments') }}
)

select
    {%- if override %}
        {{ override }} as as_of_date
    {%- else %}
        cast(coalesce(max(activity_date), cast({{ dbt.current_timestamp() }} as date)) as date) as as_of_date
    {%- endif %}
from (select max(activity_date) as activity_date from activity_dates) as latest
