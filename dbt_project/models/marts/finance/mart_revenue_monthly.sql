-- Project x month revenue, cost, margin, billing and contract balances (see the YAML for the
-- rules). Money is rounded to cents here, at the presentation edge, from exact intermediates.
select
    monthly.project_id,
    monthly.month_start,
    as_of.as_of_date,
    projects.customer_id,
    projects.practice,
    customers.region as customer_region,
    monthly.billing_type,
    monthly.project_currency,
    cast('{{ var("reporting_currency", "USD") }}' as {{ type_varchar() }}) as reporting_currency,
    monthly.hours_worked,
    monthly.approved_billable_hours,
    {{ finance_cents('monthly.earned_revenue') }} as earned_revenue,
    {{ finance_cents('monthly.cost') }} as cost,
    {{ finance_cents('monthly.loss_provision_change') }} as loss_provision_change,
    {{ finance_cents('monthly.margin') }} as margin,
    {{ finance_cents('monthly.billed') }} as billed,
    {{ finance_cents('monthly.cumulative_earned') }} as cumulative_earned,
    {{ finance_cents('monthly.cumulative_cost') }} as cumulative_cost,
    {{ finance_cents('monthly.cumulative_billed') }} as cumulative_billed,
    {{ finance_cents('monthly.contract_asset') }} as contract_asset,
    {{ finance_cents('monthly.contract_liability') }} as contract_liability,
    {{ finance_cents('monthly.loss_provision') }} as loss_provision,
    monthly.percent_complete,
    {{ finance_cents('monthly.estimate_at_completion') }} as estimate_at_completion,
    {{ finance_cents('monthly.over_cap_value') }} as over_cap_value,
    monthly.fx_rate_to_reporting,
    {{ finance_cents('monthly.earned_revenue_reporting') }} as earned_revenue_reporting,
    {{ finance_cents('monthly.cost_reporting') }} as cost_reporting,
    {{ finance_cents('monthly.margin_reporting') }} as margin_reporting,
    {{ finance_cents('monthly.billed_reporting') }} as billed_reporting,
    {{ finance_cents('monthly.cumulative_earned_reporting') }} as cumulative_earned_reporting,
    {{ finance_cents('monthly.cumulative_billed_reporting') }} as cumulative_billed_reporting,
    {{ finance_cents('monthly.contract_asset_reporting') }} as contract_asset_reporting,
    {{ finance_cents('monthly.contract_liability_reporting') }} as contract_liability_reporting,
    {{ finance_cents('monthly.loss_provision_reporting') }} as loss_provision_reporting
from {{ ref('int_finance_project_monthly') }} as monthly
inner join {{ ref('int_projects') }} as projects
    on projects.project_id = monthly.project_id
left join {{ ref('int_customers') }} as customers
    on customers.customer_id = projects.customer_id
cross join {{ ref('int_as_of') }} as as_of
