{{ config(materialized='table') }}
-- Earned revenue of fixed-fee projects per project and month: cost-to-cost percent complete
-- with cumulative catch-up, and loss provisions for loss contracts (project currency).
--   EAC(M) = cumulative cost through M + estimate to complete (int_finance_project_estimates);
--   percent complete(M) = cumulative cost / EAC, at most 1 (0 while EAC is 0);
--   cumulative revenue(M) = contract_value x percent complete; revenue(M) = cumulative(M) -
--   cumulative(M-1), so a change of estimate is caught up in the month it is made;
--   a closed project is complete from the month of its end_date (or from the as-of month when
--   it has none or a later one): cumulative revenue = contract_value and EAC = cost to date;
--   loss contract (EAC > contract_value): the whole expected loss is recognised at once through
--   loss_provision = cumulative revenue - cumulative cost - (contract_value - EAC), so that the
--   cumulative margin through M equals contract_value - EAC; when the estimate improves the
--   provision is released; monthly margin = revenue - cost - change in loss provision.
-- A fixed-fee project without a contract_value earns nothing and carries no provision.
-- Per as-of view; in a point-in-time view a closed project counts as closed only once its end
-- date is on or before the as-of date (its closing was not known before).
with estimates as (
    select
        estimates.as_of_date,
        estimates.is_current,
        estimates.project_id,
        estimates.month_start,
        estimates.cost,
        estimates.cumulative_cost,
        estimates.estimate_to_complete,
        projects.contract_value,
        case
            when projects.status = 'closed' and not estimates.is_current
                and (projects.end_date is null or projects.end_date > estimates.as_of_date)
                then 'active'
            else projects.status
        end as status,
        projects.end_date,
        max(estimates.month_start) over (
            partition by estimates.as_of_date, estimates.is_current, estimates.project_id
        ) as last_month
    from {{ ref('int_finance_project_estimates') }} as estimates
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = estimates.project_id
    where projects.billing_type = 'fixed_fee'
),

completion as (
    select
        estimates.*,
        -- closed: complete from the month of end_date, or from the as-of month when end_date is
        -- missing or (inconsistently) later
        (
            estimates.status = 'closed'
            and estimates.month_start >= least(
                coalesce({{ month_start('estimates.end_date') }}, estimates.last_month), estimates.last_month
            )
        ) as is_complete
    from estimates
),

progress as (
    select
        completion.*,
        case
            when completion.is_complete then completion.cumulative_cost
            else completion.cumulative_cost + completion.estimate_to_complete
        end as estimate_at_completion
    from completion
),

percent as (
    select
        progress.*,
        case
            when progress.is_complete then 1.0
            when progress.estimate_at_completion > 0
                then
                    least(
                        1.0,
                        cast(progress.cumulative_cost as {{ type_double() }})
                        / cast(progress.estimate_at_completion as {{ type_double() }})
                    )
            else 0.0
        end as percent_complete
    from progress
),

cumulative_revenue as (
    select
        percent.*,
        case
            when percent.contract_value is null then cast(0 as {{ finance_money_type() }})
            when percent.is_complete then cast(percent.contract_value as {{ finance_money_type() }})
            else {{ finance_money('contract_value * percent_complete') }}
        end as cumulative_revenue
    from percent
),

provision as (
    select
        cumulative_revenue.*,
        case
            when cumulative_revenue.contract_value is not null
                and cumulative_revenue.estimate_at_completion > cumulative_revenue.contract_value
                then
                    greatest(
                        cast(0 as {{ finance_money_type() }}),
                        cumulative_revenue.cumulative_revenue - cumulative_revenue.cumulative_cost
                        - (cumulative_revenue.contract_value - cumulative_revenue.estimate_at_completion)
                    )
            else cast(0 as {{ finance_money_type() }})
        end as loss_provision
    from cumulative_revenue
),

monthly as (
    select
        provision.*,
        provision.cumulative_revenue - coalesce(lag(provision.cumulative_revenue) over (
            partition by provision.as_of_date, provision.is_current, provision.project_id
            order by provision.month_start
        ), 0) as earned_revenue,
        provision.loss_provision - coalesce(lag(provision.loss_provision) over (
            partition by provision.as_of_date, provision.is_current, provision.project_id
            order by provision.month_start
        ), 0) as loss_provision_change
    from provision
)

select
    as_of_date,
    is_current,
    project_id,
    month_start,
    contract_value,
    is_complete,
    cast(estimate_at_completion as {{ finance_money_type() }}) as estimate_at_completion,
    percent_complete,
    cumulative_revenue,
    cast(earned_revenue as {{ finance_money_type() }}) as earned_revenue,
    cast(cost as {{ finance_money_type() }}) as cost,
    cast(
        greatest(0, coalesce(estimate_at_completion - contract_value, 0)) as {{ finance_money_type() }}
    ) as expected_loss,
    cast(loss_provision as {{ finance_money_type() }}) as loss_provision,
    cast(loss_provision_change as {{ finance_money_type() }}) as loss_provision_change,
    cast(earned_revenue - cost - loss_provision_change as {{ finance_money_type() }}) as margin
from monthly
