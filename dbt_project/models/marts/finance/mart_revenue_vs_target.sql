-- Earned revenue versus target per practice, region and month, in the reporting currency.
-- Earned revenue is attributed to the project's practice and to the region of the project's
-- customer ('unassigned' when the project has no customer); targets come from revenue_targets.
-- Months with a target and no revenue, or revenue and no target, are both kept; non-billable
-- projects (which never earn revenue) are left out.
with earned as (
    select
        projects.practice,
        coalesce(customers.region, 'unassigned') as region,
        monthly.month_start,
        sum(monthly.earned_revenue_reporting) as earned_revenue_reporting
    from {{ ref('int_finance_project_monthly') }} as monthly
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = monthly.project_id
    left join {{ ref('int_customers') }} as customers
        on customers.customer_id = projects.customer_id
    where projects.billing_type <> 'non_billable'
    group by projects.practice, coalesce(customers.region, 'unassigned'), monthly.month_start
),

targets as (
    select
        practice,
        region,
        month as month_start,
        sum(amount) as target_amount
    from {{ ref('int_revenue_targets') }}
    group by practice, region, month
),

joined as (
    select
        coalesce(earned.practice, targets.practice) as practice,
        coalesce(earned.region, targets.region) as region,
        coalesce(earned.month_start, targets.month_start) as month_start,
        coalesce(earned.earned_revenue_reporting, 0) as earned_revenue_reporting,
        targets.target_amount
    from earned
    full outer join targets
        on targets.practice = earned.practice
        and targets.region = earned.region
        and targets.month_start = earned.month_start
)

select
    joined.practice,
    joined.region,
    joined.month_start,
    as_of.as_of_date,
    cast('{{ var("reporting_currency", "USD") }}' as {{ type_varchar() }}) as reporting_currency,
    {{ finance_cents('joined.earned_revenue_reporting') }} as earned_revenue,
    {{ finance_cents('joined.target_amount') }} as target_amount,
    {{ finance_cents('joined.earned_revenue_reporting - joined.target_amount') }} as variance_to_target,
    case
        when joined.target_amount > 0 and joined.month_start <= as_of.as_of_date
            then {{ decimal_ratio('joined.earned_revenue_reporting', 'joined.target_amount') }}
    end as attainment,
    joined.month_start > as_of.as_of_date as is_future_month
from joined
cross join {{ ref('int_as_of') }} as as_of
