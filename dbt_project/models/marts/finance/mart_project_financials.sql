-- One row per project as of the as-of date: contract, hours, estimates, to-date amounts,
-- expected outcome at completion and flags (see the YAML for every rule).
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

current_month as (
    select monthly.*
    from {{ ref('int_finance_project_monthly') }} as monthly
    cross join as_of
    where monthly.month_start = {{ month_start('as_of.as_of_date') }}
),

tm_rates as (
    select
        project_id,
        sum(bill_value) / nullif(sum(hours), 0) as average_bill_rate
    from {{ ref('int_finance_time_entries') }}
    where exposure_class in ('approved', 'pending_approval')
        and project_billing_type = 'time_and_materials'
    group by project_id
),

milestone_totals as (
    select
        milestones.project_id,
        sum(milestones.amount) as total_milestone_amount,
        -- due before the as-of date and not completed by then
        sum(
            case
                when milestones.due_date < as_of.as_of_date
                    and (milestones.completed_date is null or milestones.completed_date > as_of.as_of_date)
                    then milestones.amount
                else 0
            end
        ) as overdue_milestone_amount
    from {{ ref('int_milestones') }} as milestones
    cross join as_of
    group by milestones.project_id
),

outcome as (
    select
        current_month.*,
        projects.name as project_name,
        projects.customer_id,
        projects.practice,
        projects.status,
        projects.budget_hours,
        coalesce(milestone_totals.overdue_milestone_amount, 0) as overdue_milestone_amount,
        case current_month.billing_type
            when 'fixed_fee' then coalesce(projects.contract_value, 0)
            when 'retainer' then coalesce(projects.contract_value, 0)
            when 'milestone' then coalesce(projects.contract_value, milestone_totals.total_milestone_amount, 0)
            -- time and materials: earned so far + remaining planned hours at the average bill rate of
            -- the billable time logged so far (approved or pending), never above the cap; unknown
            -- (null) when hours remain and no billable time has a rate yet
            when 'time_and_materials'
                then
                    case
                        when current_month.remaining_hours is null or current_month.remaining_hours = 0
                            then current_month.cumulative_earned
                        when tm_rates.average_bill_rate is null then null
                        when projects.contract_value is not null
                            and projects.contract_value
                            < current_month.cumulative_earned
                            + current_month.remaining_hours * tm_rates.average_bill_rate
                            then greatest(projects.contract_value, current_month.cumulative_earned)
                        else
                            current_month.cumulative_earned + current_month.remaining_hours * tm_rates.average_bill_rate
                    end
            else 0
        end as expected_revenue_at_completion
    from current_month
    inner join {{ ref('int_projects') }} as projects
        on projects.project_id = current_month.project_id
    left join milestone_totals
        on milestone_totals.project_id = current_month.project_id
    left join tm_rates
        on tm_rates.project_id = current_month.project_id
),

hours_to_date as (
    select
        project_id,
        sum(hours_worked) as actual_hours
    from {{ ref('int_finance_project_monthly') }}
    group by project_id
)

select
    outcome.project_id,
    as_of.as_of_date,
    outcome.project_name,
    outcome.customer_id,
    outcome.practice,
    outcome.billing_type,
    outcome.status,
    outcome.project_currency,
    cast('{{ var("reporting_currency", "USD") }}' as {{ type_varchar() }}) as reporting_currency,
    {{ finance_cents('outcome.contract_value') }} as contract_value,
    outcome.budget_hours,
    hours_to_date.actual_hours,
    outcome.remaining_hours as remaining_planned_hours,
    outcome.etc_basis,
    {{ finance_cents('outcome.estimate_to_complete') }} as estimate_to_complete,
    {{ finance_cents('outcome.estimate_at_completion') }} as estimate_at_completion,
    outcome.percent_complete,
    {{ finance_cents('outcome.cumulative_earned') }} as earned_to_date,
    {{ finance_cents('outcome.cumulative_billed') }} as billed_to_date,
    {{ finance_cents('outcome.cumulative_cost') }} as cost_to_date,
    {{ finance_cents('outcome.cumulative_margin') }} as margin_to_date,
    {{ finance_cents('outcome.loss_provision') }} as loss_provision,
    {{ finance_cents('outcome.contract_asset') }} as contract_asset,
    {{ finance_cents('outcome.contract_liability') }} as contract_liability,
    {{ finance_cents('outcome.expected_revenue_at_completion') }} as expected_revenue_at_completion,
    {{ finance_cents('outcome.expected_revenue_at_completion - outcome.estimate_at_completion') }}
        as margin_at_completion,
    outcome.fx_rate_to_reporting,
    {{ finance_cents('outcome.overdue_milestone_amount') }} as overdue_milestone_amount,
    {{ finance_cents('outcome.contract_value * outcome.fx_rate_to_reporting') }} as contract_value_reporting,
    {{ finance_cents('outcome.estimate_at_completion * outcome.fx_rate_to_reporting') }}
        as estimate_at_completion_reporting,
    {{ finance_cents('outcome.cumulative_earned_reporting') }} as earned_to_date_reporting,
    {{ finance_cents('outcome.cumulative_billed_reporting') }} as billed_to_date_reporting,
    {{ finance_cents('outcome.cumulative_cost_reporting') }} as cost_to_date_reporting,
    {{ finance_cents(
        '(outcome.expected_revenue_at_completion - outcome.estimate_at_completion) * outcome.fx_rate_to_reporting'
    ) }} as margin_at_completion_reporting,
    coalesce(hours_to_date.actual_hours > outcome.budget_hours, false) as is_over_budget,
    coalesce(
        outcome.billing_type <> 'non_billable'
        and outcome.expected_revenue_at_completion < outcome.estimate_at_completion,
        false
    ) as is_loss_contract,
    outcome.etc_basis = 'budget' as has_no_plan
from outcome
cross join as_of
left join hours_to_date
    on hours_to_date.project_id = outcome.project_id
