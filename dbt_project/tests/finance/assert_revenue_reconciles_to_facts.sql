-- Invariant: per project, the earned revenue in mart_revenue_monthly adds up to the revenue
-- recomputed straight from the facts, independently of the finance models:
--   time and materials: approved billable time with a rate, not after a closed project's end,
--     at its bill value (int_time_entries_rated), the total capped at contract_value;
--   milestone: amounts of milestones completed by the as-of date;
--   retainer: contract_value x days elapsed by the as-of date / days of the retainer;
--   fixed fee: contract_value x the last month's percent complete (contract_value once closed);
--   non_billable: nothing.
-- Each mart month is rounded to cents, so the tolerance is half a cent per month plus a cent.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

mart as (
    select
        project_id,
        max(billing_type) as billing_type,
        sum(earned_revenue) as mart_revenue,
        count(*) as months
    from {{ ref('mart_revenue_monthly') }}
    group by project_id
),

tm as (
    select
        rated.project_id,
        sum(rated.bill_value) as uncapped
    from {{ ref('int_time_entries_rated') }} as rated
    cross join as_of
    where rated.project_billing_type = 'time_and_materials'
        and rated.approval_status = 'approved'
        and rated.billable
        and rated.bill_value is not null
        and rated.work_date <= as_of.as_of_date
        and not (
            rated.project_status = 'closed' and rated.work_date > coalesce(rated.project_end_date, rated.work_date)
        )
    group by rated.project_id
),

milestones as (
    select
        milestones.project_id,
        sum(milestones.amount) as completed_amount
    from {{ ref('int_milestones') }} as milestones
    cross join as_of
    where milestones.completed_date <= as_of.as_of_date
    group by milestones.project_id
),

fixed_fee_last as (
    select
        revenue.project_id,
        revenue.percent_complete
    from {{ ref('mart_revenue_monthly') }} as revenue
    cross join as_of
    where revenue.billing_type = 'fixed_fee'
        and revenue.month_start = {{ month_start('as_of.as_of_date') }}
),

expected as (
    select
        projects.project_id,
        case projects.billing_type
            when 'time_and_materials'
                then
                    case
                        when projects.contract_value is not null and projects.contract_value < coalesce(tm.uncapped, 0)
                            then projects.contract_value
                        else coalesce(tm.uncapped, 0)
                    end
            when 'milestone' then coalesce(milestones.completed_amount, 0)
            when 'retainer'
                then
                    case
                        when projects.end_date is null or projects.contract_value is null then 0
                        when as_of.as_of_date < projects.start_date then 0
                        else projects.contract_value
                            * ({{ dbt.datediff(
                                'projects.start_date', 'least(projects.end_date, as_of.as_of_date)', 'day'
                            ) }} + 1)
                            / ({{ dbt.datediff('projects.start_date', 'projects.end_date', 'day') }} + 1)
                    end
            when 'fixed_fee' then coalesce(projects.contract_value, 0) * coalesce(fixed_fee_last.percent_complete, 0)
            else 0
        end as expected_revenue
    from {{ ref('int_projects') }} as projects
    cross join as_of
    left join tm on tm.project_id = projects.project_id
    left join milestones on milestones.project_id = projects.project_id
    left join fixed_fee_last on fixed_fee_last.project_id = projects.project_id
)

select
    expected.project_id,
    mart.billing_type,
    mart.mart_revenue,
    expected.expected_revenue
from expected
left join mart
    on mart.project_id = expected.project_id
where abs(coalesce(mart.mart_revenue, 0) - expected.expected_revenue) > 0.01 + 0.005 * coalesce(mart.months, 0)
