{{ config(materialized='table') }}
-- Monthly conversion rate of each currency into the reporting currency (var reporting_currency):
-- the average of the currency's daily fx_rates dated within the month; a month without any
-- uses the latest earlier rate (the last daily rate before the month); before the first rate
-- there is none (null). The reporting currency itself is always 1.

with fx as (
    select
        rate_date,
        currency,
        rate_to_reporting
    from {{ ref('int_fx_rates') }}
),

currencies as (
    select currency from fx
    union
    select currency from {{ ref('int_projects') }}
    union
    select currency from {{ ref('int_legal_entities') }}
    union
    select currency from {{ ref('int_rate_cards') }}
    union
    select currency from {{ ref('int_invoices') }}
    union
    select currency from {{ ref('int_opportunities') }}
    union
    select {{ reporting_currency_literal() }}
),

months as (
    select distinct month_start from {{ ref('int_calendar') }}
),

grid as (
    select
        currencies.currency,
        months.month_start
    from currencies
    cross join months
    where currencies.currency is not null
),

month_average as (
    select
        currency,
        {{ month_start('rate_date') }} as month_start,
        {{ stable_avg('rate_to_reporting') }} as average_rate
    from fx
    group by 1, 2
),

latest_earlier_date as (
    select
        grid.currency,
        grid.month_start,
        max(fx.rate_date) as rate_date
    from grid
    inner join fx
        on fx.currency = grid.currency
        and fx.rate_date < grid.month_start
    group by 1, 2
),

latest_earlier as (
    select
        latest_earlier_date.currency,
        latest_earlier_date.month_start,
        fx.rate_to_reporting
    from latest_earlier_date
    inner join fx
        on fx.currency = latest_earlier_date.currency
        and fx.rate_date = latest_earlier_date.rate_date
)

select
    grid.currency,
    grid.month_start,
    cast(case
        when grid.currency = {{ reporting_currency_literal() }} then 1
        when month_average.average_rate is not null then month_average.average_rate
        else latest_earlier.rate_to_reporting
    end as {{ type_double() }}) as rate_to_reporting,
    case
        when grid.currency = {{ reporting_currency_literal() }} then 'reporting_currency'
        when month_average.average_rate is not null then 'month_average'
        when latest_earlier.rate_to_reporting is not null then 'latest_earlier_rate'
        else 'missing'
    end as rate_basis
from grid
left join month_average
    on month_average.currency = grid.currency
    and month_average.month_start = grid.month_start
left join latest_earlier
    on latest_earlier.currency = grid.currency
    and latest_earlier.month_start = grid.month_start
