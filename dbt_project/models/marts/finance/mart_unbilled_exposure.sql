-- Unbilled exposure per project and ageing bucket as of the as-of date (see the YAML).
-- Time and materials: from the classified time entries, aged by days from work_date to the
-- as-of date; approved time counts what its invoices left unbilled (unbilled_value of
-- int_finance_time_entries: on no invoice, less the project's time lines that name no entry).
-- Other billing types: the contract asset at the as-of date, aged first-in first-out (billing
-- is taken to settle the oldest earnings first, so what remains unbilled is the most recent
-- earnings), each month's part aged from its period end.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

tm_entries as (
    select
        project_id,
        age_days,
        unbilled_hours as approved_unbilled_hours,
        unbilled_value as approved_unbilled_value,
        case when exposure_class = 'pending_approval' then hours else 0 end as pending_approval_hours,
        case when exposure_class = 'pending_approval' then bill_value else 0 end as pending_approval_value,
        case when exposure_class = 'at_risk_after_close' then hours else 0 end as at_risk_after_close_hours,
        case
            when exposure_class = 'at_risk_after_close' then coalesce(bill_value, 0) else 0
        end as at_risk_after_close_value,
        case when exposure_class = 'at_risk_missing_rate' then hours else 0 end as at_risk_missing_rate_hours,
        over_cap_value,
        0 as contract_asset
    from {{ ref('int_finance_time_entries') }}
    where project_billing_type = 'time_and_materials'
        and exposure_class in ('approved', 'pending_approval', 'at_risk_after_close', 'at_risk_missing_rate')
),

monthly as (
    select
        monthly.project_id,
        monthly.month_start,
        monthly.period_end,
        monthly.earned_revenue,
        sum(case when monthly.earned_revenue > 0 then monthly.earned_revenue else 0 end) over (
            partition by monthly.project_id order by monthly.month_start desc
            rows between unbounded preceding and 1 preceding
        ) as later_positive_earnings
    from {{ ref('int_finance_project_monthly') }} as monthly
    where monthly.billing_type in ('fixed_fee', 'milestone', 'retainer')
),

asset_at_as_of as (
    select
        monthly.project_id,
        monthly.contract_asset
    from {{ ref('int_finance_project_monthly') }} as monthly
    cross join as_of
    where monthly.month_start = {{ month_start('as_of.as_of_date') }}
        and monthly.contract_asset > 0
),

asset_parts as (
    select
        monthly.project_id,
        {{ dbt.datediff('monthly.period_end', 'as_of.as_of_date', 'day') }} as age_days,
        0 as approved_unbilled_hours,
        0 as approved_unbilled_value,
        0 as pending_approval_hours,
        0 as pending_approval_value,
        0 as at_risk_after_close_hours,
        0 as at_risk_after_close_value,
        0 as at_risk_missing_rate_hours,
        0 as over_cap_value,
        least(
            monthly.earned_revenue,
            greatest(0, asset_at_as_of.contract_asset - coalesce(monthly.later_positive_earnings, 0))
        ) as contract_asset
    from monthly
    inner join asset_at_as_of
        on asset_at_as_of.project_id = monthly.project_id
    cross join as_of
    where monthly.earned_revenue > 0
),

unioned as (
    select * from tm_entries
    union all
    select * from asset_parts
),

bucketed as (
    select
        project_id,
        {{ finance_ageing_bucket('age_days') }} as ageing_bucket,
        {{ finance_ageing_bucket_order('age_days') }} as ageing_bucket_order,
        sum(approved_unbilled_hours) as approved_unbilled_hours,
        sum(approved_unbilled_value) as approved_unbilled_value,
        sum(pending_approval_hours) as pending_approval_hours,
        sum(pending_approval_value) as pending_approval_value,
        sum(at_risk_after_close_hours) as at_risk_after_close_hours,
        sum(at_risk_after_close_value) as at_risk_after_close_value,
        sum(at_risk_missing_rate_hours) as at_risk_missing_rate_hours,
        sum(over_cap_value) as over_cap_value,
        sum(contract_asset) as contract_asset
    from unioned
    group by
        project_id,
        {{ finance_ageing_bucket('age_days') }},
        {{ finance_ageing_bucket_order('age_days') }}
)

select
    as_of.as_of_date,
    bucketed.project_id,
    bucketed.ageing_bucket,
    bucketed.ageing_bucket_order,
    projects.customer_id,
    projects.practice,
    projects.billing_type,
    projects.currency as project_currency,
    cast('{{ var("reporting_currency", "USD") }}' as {{ type_varchar() }}) as reporting_currency,
    bucketed.approved_unbilled_hours,
    {{ finance_cents('bucketed.approved_unbilled_value') }} as approved_unbilled_value,
    bucketed.pending_approval_hours,
    {{ finance_cents('bucketed.pending_approval_value') }} as pending_approval_value,
    bucketed.at_risk_after_close_hours,
    {{ finance_cents('bucketed.at_risk_after_close_value') }} as at_risk_after_close_value,
    bucketed.at_risk_missing_rate_hours,
    {{ finance_cents('bucketed.over_cap_value') }} as over_cap_value,
    {{ finance_cents('bucketed.contract_asset') }} as contract_asset,
    {{ finance_cents(
        'bucketed.approved_unbilled_value + bucketed.pending_approval_value + bucketed.at_risk_after_close_value'
        ~ ' + bucketed.over_cap_value + bucketed.contract_asset'
    ) }} as total_exposure_value,
    fx.rate_to_reporting as fx_rate_to_reporting,
    {{ finance_cents(
        '(bucketed.approved_unbilled_value + bucketed.pending_approval_value + bucketed.at_risk_after_close_value'
        ~ ' + bucketed.over_cap_value + bucketed.contract_asset) * fx.rate_to_reporting'
    ) }} as total_exposure_value_reporting
from bucketed
cross join as_of
inner join {{ ref('int_projects') }} as projects
    on projects.project_id = bucketed.project_id
left join {{ ref('int_fx_rates_monthly') }} as fx
    on fx.currency = projects.currency
    and fx.month_start = {{ month_start('as_of.as_of_date') }}
where bucketed.approved_unbilled_hours <> 0
    or bucketed.pending_approval_hours <> 0
    or bucketed.at_risk_after_close_hours <> 0
    or bucketed.at_risk_missing_rate_hours <> 0
    or bucketed.over_cap_value <> 0
    or bucketed.contract_asset <> 0
