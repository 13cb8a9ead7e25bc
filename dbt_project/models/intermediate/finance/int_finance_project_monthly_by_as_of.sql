{{ config(materialized='table') }}
-- Project x month financials: earned revenue by billing type, cost, billing, cumulative totals
-- and contract balances, in the project currency and in the reporting currency.
--   earned_revenue: time_and_materials from int_finance_revenue_time_and_materials, fixed_fee
--   from int_finance_revenue_fixed_fee, milestone and retainer from their models, non_billable 0;
--   margin = earned revenue - cost - change in loss provision (fixed fee only has provisions);
--   contract_asset (unbilled) = max(0, cumulative earned - cumulative billed);
--   contract_liability (deferred revenue) = max(0, cumulative billed - cumulative earned);
--   reporting currency: monthly flows at the month's average rate (int_fx_rates_monthly),
--   cumulative flows as the sum of the converted months, balances at the month's rate.
-- One row per as-of view (int_as_of_dates: as_of_date, is_current), project and month.
with base as (
    select
        project_months.as_of_date,
        project_months.is_current,
        project_months.project_id,
        project_months.month_start,
        project_months.period_end,
        projects.billing_type,
        projects.currency as project_currency,
        projects.contract_value,
        estimates.hours_worked,
        estimates.cost,
        estimates.cumulative_cost,
        estimates.etc_basis,
        estimates.remaining_hours,
        estimates.estimate_to_complete,
        coalesce(tm.approved_billable_hours, 0) as approved_billable_hours,
        coalesce(tm.over_cap_value, 0) as over_cap_value,
        coalesce(tm.at_risk_after_close_hours, 0) as at_risk_after_close_hours,
        coalesce(tm.at_risk_missing_rate_hours, 0) as at_risk_missing_rate_hours,
        -- cast: PostgreSQL types a case over decimals as numeric of any scale (DuckDB keeps (38,6))
        cast(case projects.billing_type
            when 'time_and_materials' then coalesce(tm.earned_revenue, 0)
            when 'fixed_fee' then coalesce(ff.earned_revenue, 0)
            when 'milestone' then coalesce(ms.earned_revenue, 0)
            when 'retainer' then coalesce(rt.earned_revenue, 0)
            else 0
        end as {{ finance_money_type() }}) as earned_revenue,
        coalesce(ff.loss_provision, 0) as loss_provision,
        coalesce(ff.loss_provision_change, 0) as loss_provision_change,
        ff.percent_complete,
        case
            when projects.billing_type = 'fixed_fee' then ff.estimate_at_completion
            else estimates.estimate_at_completion
        end as estimate_at_completion,
        coalesce(billing.billed, 0) as billed,
        fx.rate_to_reporting as fx_rate_to_reporting
    from {{ ref('int_finance_project_months') }} as project_months
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = project_months.project_id
    inner join {{ ref('int_finance_project_estimates') }} as estimates
        on estimates.as_of_date = project_months.as_of_date
        and estimates.is_current = project_months.is_current
        and estimates.project_id = project_months.project_id
        and estimates.month_start = project_months.month_start
    left join {{ ref('int_finance_revenue_time_and_materials') }} as tm
        on tm.as_of_date = project_months.as_of_date
        and tm.is_current = project_months.is_current
        and tm.project_id = project_months.project_id
        and tm.month_start = project_months.month_start
    left join {{ ref('int_finance_revenue_fixed_fee') }} as ff
        on ff.as_of_date = project_months.as_of_date
        and ff.is_current = project_months.is_current
        and ff.project_id = project_months.project_id
        and ff.month_start = project_months.month_start
    left join {{ ref('int_finance_revenue_milestone') }} as ms
        on ms.as_of_date = project_months.as_of_date
        and ms.is_current = project_months.is_current
        and ms.project_id = project_months.project_id
        and ms.month_start = project_months.month_start
    left join {{ ref('int_finance_revenue_retainer') }} as rt
        on rt.as_of_date = project_months.as_of_date
        and rt.is_current = project_months.is_current
        and rt.project_id = project_months.project_id
        and rt.month_start = project_months.month_start
    left join {{ ref('int_finance_billing_monthly') }} as billing
        on billing.as_of_date = project_months.as_of_date
        and billing.is_current = project_months.is_current
        and billing.project_id = project_months.project_id
        and billing.month_start = project_months.month_start
    left join {{ ref('int_fx_rates_monthly') }} as fx
        on fx.currency = projects.currency and fx.month_start = project_months.month_start
),

flows as (
    select
        base.*,
        cast(base.earned_revenue - base.cost - base.loss_provision_change as {{ finance_money_type() }}) as margin,
        {{ finance_money('earned_revenue * fx_rate_to_reporting') }} as earned_revenue_reporting,
        {{ finance_money('cost * fx_rate_to_reporting') }} as cost_reporting,
        {{ finance_money('billed * fx_rate_to_reporting') }} as billed_reporting,
        {{ finance_money(
            '(earned_revenue - cost - loss_provision_change) * fx_rate_to_reporting'
        ) }} as margin_reporting
    from base
),

{%- set running = 'over (partition by as_of_date, is_current, project_id order by month_start'
    ~ ' rows between unbounded preceding and current row)' %}

cumulative as (
    select
        flows.*,
        cast(sum(flows.earned_revenue) {{ running }} as {{ finance_money_type() }}) as cumulative_earned,
        cast(sum(flows.billed) {{ running }} as {{ finance_money_type() }}) as cumulative_billed,
        cast(sum(flows.margin) {{ running }} as {{ finance_money_type() }}) as cumulative_margin,
        cast(sum(flows.over_cap_value) {{ running }} as {{ finance_money_type() }}) as cumulative_over_cap_value,
        cast(
            sum(flows.earned_revenue_reporting) {{ running }} as {{ finance_money_type() }}
        ) as cumulative_earned_reporting,
        cast(sum(flows.cost_reporting) {{ running }} as {{ finance_money_type() }}) as cumulative_cost_reporting,
        cast(sum(flows.billed_reporting) {{ running }} as {{ finance_money_type() }}) as cumulative_billed_reporting
    from flows
)

select
    cumulative.*,
    cast(
        greatest(0, cumulative.cumulative_earned - cumulative.cumulative_billed) as {{ finance_money_type() }}
    ) as contract_asset,
    cast(
        greatest(0, cumulative.cumulative_billed - cumulative.cumulative_earned) as {{ finance_money_type() }}
    ) as contract_liability,
    {{ finance_money(
        'greatest(0, cumulative_earned - cumulative_billed) * fx_rate_to_reporting'
    ) }} as contract_asset_reporting,
    {{ finance_money(
        'greatest(0, cumulative_billed - cumulative_earned) * fx_rate_to_reporting'
    ) }} as contract_liability_reporting,
    {{ finance_money('loss_provision * fx_rate_to_reporting') }} as loss_provision_reporting
from cumulative
