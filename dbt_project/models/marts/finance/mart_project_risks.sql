-- Projects ranked by money at stake as of the as-of date (grain: project; see the YAML for the
-- rule). The amounts come from mart_unbilled_exposure and mart_project_financials as they stand:
-- nothing here restates how exposure, expected loss or overdue milestones are measured. Both marts
-- keep these amounts in the project currency beside the as-of month's rate (fx_rate_to_reporting);
-- each is converted here at that rate, and each part is rounded to cents before the parts are
-- added, so that unbilled and money_at_stake are the exact sums of the columns shown.
with exposure as (
    select
        project_id,
        sum({{ finance_money(
            '(coalesce(at_risk_after_close_value, 0) + coalesce(over_cap_value, 0)) * fx_rate_to_reporting'
        ) }}) as at_risk,
        sum({{ finance_money('approved_unbilled_value * fx_rate_to_reporting') }}) as approved_unbilled,
        sum({{ finance_money('pending_approval_value * fx_rate_to_reporting') }}) as pending_approval,
        sum({{ finance_money('contract_asset * fx_rate_to_reporting') }}) as contract_asset
    from {{ ref('mart_unbilled_exposure') }}
    group by project_id
),

outcome as (
    select
        project_id,
        coalesce(is_loss_contract, false) as is_loss_contract,
        case
            when coalesce(is_loss_contract, false)
                then greatest(0, -coalesce(margin_at_completion_reporting, 0))
            else 0
        end as expected_loss,
        {{ finance_money('overdue_milestone_amount * fx_rate_to_reporting') }} as overdue_milestones
    from {{ ref('mart_project_financials') }}
),

parts as (
    select
        coalesce(exposure.project_id, outcome.project_id) as project_id,
        {{ finance_cents('coalesce(exposure.at_risk, 0)') }} as at_risk,
        {{ finance_cents('coalesce(exposure.approved_unbilled, 0)') }} as approved_unbilled,
        {{ finance_cents('coalesce(exposure.pending_approval, 0)') }} as pending_approval,
        {{ finance_cents('coalesce(exposure.contract_asset, 0)') }} as contract_asset,
        {{ finance_cents('coalesce(outcome.expected_loss, 0)') }} as expected_loss,
        {{ finance_cents('coalesce(outcome.overdue_milestones, 0)') }} as overdue_milestones,
        coalesce(outcome.is_loss_contract, false) as is_loss_contract
    from exposure
    full outer join outcome
        on outcome.project_id = exposure.project_id
),

totals as (
    select
        parts.*,
        cast(
            parts.approved_unbilled + parts.pending_approval + parts.contract_asset as {{ finance_cents_type() }}
        ) as unbilled,
        cast(
            parts.at_risk + parts.approved_unbilled + parts.pending_approval + parts.contract_asset
            + parts.expected_loss + parts.overdue_milestones
            as {{ finance_cents_type() }}
        ) as money_at_stake
    from parts
),

at_stake as (
    select
        totals.*,
        {{ dbt.concat([
            "case when totals.expected_loss > 0 then ', loss contract' else '' end",
            "case when totals.at_risk > 0 then ', at-risk time' else '' end",
            "case when totals.overdue_milestones > 0 then ', overdue milestones' else '' end",
            "case when totals.unbilled > 0 then ', unbilled' else '' end",
        ]) }} as reason_list
    from totals
    where totals.money_at_stake > 0
)

select
    at_stake.project_id,
    as_of.as_of_date,
    projects.customer_id,
    projects.entity_id,
    projects.practice,
    customers.region as customer_region,
    cast('{{ var("reporting_currency", "USD") }}' as {{ type_varchar() }}) as reporting_currency,
    at_stake.at_risk,
    at_stake.approved_unbilled,
    at_stake.pending_approval,
    at_stake.contract_asset,
    at_stake.unbilled,
    at_stake.expected_loss,
    at_stake.overdue_milestones,
    at_stake.money_at_stake,
    at_stake.is_loss_contract,
    cast(substr(at_stake.reason_list, 3) as {{ type_varchar() }}) as risk_reasons,
    cast(
        row_number() over (order by at_stake.money_at_stake desc, at_stake.project_id asc) as {{ dbt.type_bigint() }}
    ) as risk_rank
from at_stake
cross join {{ ref('int_as_of') }} as as_of
left join {{ ref('int_projects') }} as projects
    on projects.project_id = at_stake.project_id
left join {{ ref('int_customers') }} as customers
    on customers.customer_id = projects.customer_id
