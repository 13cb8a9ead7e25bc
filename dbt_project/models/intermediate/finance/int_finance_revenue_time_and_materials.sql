-- Earned revenue of time-and-materials projects per project and work month: approved billable
-- time at its bill rate, within the contract_value cap (see int_finance_time_entries), plus the
-- month's over-cap and at-risk amounts, which are exposure, not revenue. Per as-of view.
select
    as_of_date,
    is_current,
    project_id,
    work_month as month_start,
    sum(case when exposure_class = 'approved' then hours else 0 end) as approved_billable_hours,
    cast(sum(recognised_value) as {{ finance_money_type() }}) as earned_revenue,
    cast(sum(over_cap_value) as {{ finance_money_type() }}) as over_cap_value,
    sum(case when exposure_class = 'at_risk_after_close' then hours else 0 end) as at_risk_after_close_hours,
    sum(case when exposure_class = 'at_risk_missing_rate' then hours else 0 end) as at_risk_missing_rate_hours
from {{ ref('int_finance_time_entries_by_as_of') }}
where project_billing_type = 'time_and_materials'
group by as_of_date, is_current, project_id, work_month
