-- Invariant: in every project month, contract asset - contract liability equals cumulative
-- earned - cumulative billed, only one of the two balances is non-zero, and the cumulative
-- columns are the running sums of the monthly ones (to the cent, per month).
with running as (
    select
        revenue.*,
        sum(revenue.earned_revenue) over (
            partition by revenue.project_id order by revenue.month_start
            rows between unbounded preceding and current row
        ) as running_earned,
        sum(revenue.billed) over (
            partition by revenue.project_id order by revenue.month_start
            rows between unbounded preceding and current row
        ) as running_billed,
        row_number() over (partition by revenue.project_id order by revenue.month_start) as month_number
    from {{ ref('mart_revenue_monthly') }} as revenue
)

select
    project_id,
    month_start,
    contract_asset,
    contract_liability,
    cumulative_earned,
    cumulative_billed
from running
where abs((contract_asset - contract_liability) - (cumulative_earned - cumulative_billed)) > 0.011
    or (contract_asset > 0 and contract_liability > 0)
    or abs(cumulative_earned - running_earned) > 0.01 + 0.005 * month_number
    or abs(cumulative_billed - running_billed) > 0.01 + 0.005 * month_number
