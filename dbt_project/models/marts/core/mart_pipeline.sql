-- CRM pipeline, current state (grain: opportunity), valued in the reporting currency at the
-- as-of month's rate. weighted_amount uses the probability as entered in the CRM (which the
-- forecasting step calibrates against true win rates; this mart does not).
with opportunities as (
    select * from {{ ref('int_opportunities') }}
),

as_of as (
    select
        as_of_date,
        {{ month_start('as_of_date') }} as as_of_month
    from {{ ref('int_as_of') }}
),

fx as (
    select
        currency,
        month_start,
        rate_to_reporting
    from {{ ref('int_fx_rates_monthly') }}
),

history_counts as (
    select
        opportunity_id,
        count(*) as change_count
    from {{ ref('int_opportunity_history') }}
    group by 1
)

select
    cast(opportunities.opportunity_id as {{ type_varchar() }}) as opportunity_id,
    cast(opportunities.name as {{ type_varchar() }}) as opportunity_name,
    cast(opportunities.account_name as {{ type_varchar() }}) as account_name,
    cast(opportunities.customer_id as {{ type_varchar() }}) as customer_id,
    cast(opportunities.customer_id is null as boolean) as is_new_customer,
    cast(opportunities.practice as {{ type_varchar() }}) as practice,
    cast(opportunities.region as {{ type_varchar() }}) as region,
    cast(opportunities.stage as {{ type_varchar() }}) as stage,
    cast(opportunities.status as {{ type_varchar() }}) as status,
    cast(opportunities.status = 'open' as boolean) as is_open,
    cast(opportunities.currency as {{ type_varchar() }}) as currency,
    cast(opportunities.amount as {{ type_money() }}) as amount,
    cast(fx.rate_to_reporting as {{ type_double() }}) as fx_rate_to_reporting,
    cast(round(opportunities.amount * fx.rate_to_reporting, 4) as {{ type_money() }}) as amount_reporting,
    cast(opportunities.probability as {{ type_double() }}) as crm_probability,
    cast(round(opportunities.amount * opportunities.probability, 4) as {{ type_money() }}) as weighted_amount,
    cast(
        round(opportunities.amount * opportunities.probability * fx.rate_to_reporting, 4) as {{ type_money() }}
    ) as weighted_amount_reporting,
    cast(opportunities.created_date as date) as created_date,
    cast(opportunities.close_date as date) as close_date,
    cast(opportunities.expected_start_date as date) as expected_start_date,
    cast(opportunities.expected_duration_weeks as {{ type_double() }}) as expected_duration_weeks,
    -- open: days since creation; won or lost: days it was open (to the close date)
    cast(case
        when opportunities.status = 'open' or opportunities.close_date > as_of.as_of_date
            then {{ dbt.datediff('opportunities.created_date', 'as_of.as_of_date', 'day') }}
        else {{ dbt.datediff('opportunities.created_date', 'opportunities.close_date', 'day') }}
    end as integer) as age_days,
    cast(
        opportunities.status = 'open' and opportunities.close_date < as_of.as_of_date as boolean
    ) as is_close_date_past,
    cast(coalesce(history_counts.change_count, 0) as integer) as change_count,
    cast(opportunities.project_id as {{ type_varchar() }}) as project_id,
    cast(opportunities.updated_at as {{ type_timestamp_tz() }}) as updated_at,
    cast(as_of.as_of_date as date) as as_of_date
from opportunities
cross join as_of
left join fx
    on fx.currency = opportunities.currency
    and fx.month_start = as_of.as_of_month
left join history_counts
    on history_counts.opportunity_id = opportunities.opportunity_id
