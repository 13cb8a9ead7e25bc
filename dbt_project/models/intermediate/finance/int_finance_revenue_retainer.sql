-- Earned revenue of retainer projects per project and month: contract_value spread evenly over
-- the days from start_date to end_date (both included), summed by month, for the days up to the
-- period end (the as-of date in the as-of month). It is computed as a cumulative amount
-- contract_value x days elapsed / total days, differenced month by month, so the months add up
-- exactly to contract_value. A retainer without end_date or contract_value earns nothing.
-- Per as-of view (int_finance_project_months).
with retainers as (
    select
        project_id,
        contract_value,
        start_date,
        end_date,
        {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 as total_days
    from {{ ref('int_projects') }}
    where billing_type = 'retainer'
        and end_date is not null
        and contract_value is not null
),

elapsed as (
    select
        project_months.as_of_date,
        project_months.is_current,
        project_months.project_id,
        project_months.month_start,
        retainers.contract_value,
        retainers.total_days,
        case
            when project_months.period_end < retainers.start_date then 0
            when project_months.period_end >= retainers.end_date then retainers.total_days
            else {{ dbt.datediff('retainers.start_date', 'project_months.period_end', 'day') }} + 1
        end as days_elapsed
    from {{ ref('int_finance_project_months') }} as project_months
    inner join retainers
        on retainers.project_id = project_months.project_id
),

cumulative as (
    select
        elapsed.*,
        {{ finance_money('contract_value * days_elapsed / total_days') }} as cumulative_revenue
    from elapsed
)

select
    as_of_date,
    is_current,
    project_id,
    month_start,
    days_elapsed,
    total_days,
    cumulative_revenue,
    cast(cumulative_revenue - coalesce(lag(cumulative_revenue) over (
        partition by as_of_date, is_current, project_id order by month_start
    ), 0) as {{ finance_money_type() }}) as earned_revenue
from cumulative
