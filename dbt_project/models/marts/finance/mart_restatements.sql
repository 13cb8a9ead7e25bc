-- What changed in each closed month between its close report and today's restated figures
-- (grain: project x month), and why (see the YAML): the close report is the
-- mart_revenue_monthly_history row at the month's own month end, today's is mart_revenue_monthly.
-- The causes are measured where they arise: time of the month approved after the close, and
-- invoice lines dated in the month but entered after the close or voided after it; the rest of a
-- revenue change is an estimate revision (fixed-fee percent complete, plan, closing a project).
-- A cause is named in `reasons` from 1.00 up: cent differences are the rounding of each figure
-- to cents and stay in estimate_revisions_revenue / other_billed_change, so the sums are exact.
with closes as (
    select
        project_id,
        month_start,
        as_of_date as close_date,
        earned_revenue_reporting,
        cost_reporting,
        billed_reporting,
        estimate_at_completion
    from {{ ref('mart_revenue_monthly_history') }}
    where as_of_date = {{ month_end('month_start') }}
),

restated as (
    select
        project_id,
        month_start,
        fx_rate_to_reporting,
        earned_revenue_reporting,
        cost_reporting,
        billed_reporting,
        estimate_at_completion
    from {{ ref('mart_revenue_monthly') }}
),

late_approvals as (
    select
        entries.project_id,
        entries.work_month as month_start,
        sum(entries.hours) as late_approved_hours,
        sum(entries.recognised_value) as late_approved_value
    from {{ ref('int_finance_time_entries') }} as entries
    inner join {{ ref('int_time_entries_rated') }} as rated
        on rated.time_entry_id = entries.time_entry_id
    where entries.exposure_class = 'approved'
        and cast(rated.approved_at as date) > {{ month_end('entries.work_month') }}
    group by entries.project_id, entries.work_month
),

invoice_changes as (
    select
        invoice_lines.project_id,
        {{ month_start('invoices.invoice_date') }} as month_start,
        sum(
            case
                when invoices.status <> 'void'
                    and cast(invoices.created_at as date) > {{ month_end('invoices.invoice_date') }}
                    then invoice_lines.amount
                else 0
            end
        ) as entered_late_amount,
        sum(
            case
                when invoices.status = 'void'
                    and cast(coalesce(invoices.created_at, invoices.invoice_date) as date)
                    <= {{ month_end('invoices.invoice_date') }}
                    and cast(invoices.updated_at as date) > {{ month_end('invoices.invoice_date') }}
                    then invoice_lines.amount
                else 0
            end
        ) as voided_later_amount
    from {{ ref('int_invoice_lines_of_record') }} as invoice_lines
    inner join {{ ref('int_invoices_of_record') }} as invoices
        on invoices.invoice_id = invoice_lines.invoice_id
    group by invoice_lines.project_id, {{ month_start('invoices.invoice_date') }}
),

compared as (
    select
        closes.project_id,
        closes.month_start,
        closes.close_date,
        closes.earned_revenue_reporting as reported_revenue,
        coalesce(restated.earned_revenue_reporting, 0) as restated_revenue,
        closes.cost_reporting as reported_cost,
        coalesce(restated.cost_reporting, 0) as restated_cost,
        closes.billed_reporting as reported_billed,
        coalesce(restated.billed_reporting, 0) as restated_billed,
        closes.estimate_at_completion as reported_estimate_at_completion,
        restated.estimate_at_completion as restated_estimate_at_completion,
        coalesce(late_approvals.late_approved_hours, 0) as late_approved_hours,
        {{ finance_cents(
            'coalesce(late_approvals.late_approved_value, 0) * coalesce(restated.fx_rate_to_reporting, 0)'
        ) }} as late_approvals_revenue,
        {{ finance_cents(
            'coalesce(invoice_changes.entered_late_amount, 0) * coalesce(restated.fx_rate_to_reporting, 0)'
        ) }} as late_invoices_billed,
        {{ finance_cents(
            '-coalesce(invoice_changes.voided_later_amount, 0) * coalesce(restated.fx_rate_to_reporting, 0)'
        ) }} as voided_invoices_billed
    from closes
    left join restated
        on restated.project_id = closes.project_id
        and restated.month_start = closes.month_start
    left join late_approvals
        on late_approvals.project_id = closes.project_id
        and late_approvals.month_start = closes.month_start
    left join invoice_changes
        on invoice_changes.project_id = closes.project_id
        and invoice_changes.month_start = closes.month_start
),

explained as (
    select
        compared.*,
        cast(compared.restated_revenue - compared.reported_revenue as {{ finance_cents_type() }}) as revenue_change,
        cast(compared.restated_cost - compared.reported_cost as {{ finance_cents_type() }}) as cost_change,
        cast(compared.restated_billed - compared.reported_billed as {{ finance_cents_type() }}) as billed_change,
        cast(
            compared.restated_revenue - compared.reported_revenue - compared.late_approvals_revenue
            as {{ finance_cents_type() }}
        ) as estimate_revisions_revenue,
        cast(
            compared.restated_billed - compared.reported_billed
            - compared.late_invoices_billed - compared.voided_invoices_billed
            as {{ finance_cents_type() }}
        ) as other_billed_change,
        coalesce(compared.restated_estimate_at_completion, 0)
        <> coalesce(compared.reported_estimate_at_completion, 0) as estimate_changed
    from compared
),

with_reasons as (
    select
        explained.*,
        {{ dbt.concat([
            "case when abs(late_approvals_revenue) >= 1 then '; late approvals' else '' end",
            "case when abs(estimate_revisions_revenue) >= 1 then '; estimate revised' else '' end",
            "case when abs(cost_change) >= 1 then '; cost changed' else '' end",
            "case when abs(late_invoices_billed) >= 1 then '; invoices entered late' else '' end",
            "case when abs(voided_invoices_billed) >= 1 then '; invoices voided after close' else '' end",
            "case when abs(other_billed_change) >= 1 then '; other billing change' else '' end",
            "case when estimate_changed then '; estimate at completion changed' else '' end",
        ]) }} as reason_list
    from explained
)

select
    project_id,
    month_start,
    close_date,
    reported_revenue,
    restated_revenue,
    revenue_change,
    late_approved_hours,
    late_approvals_revenue,
    estimate_revisions_revenue,
    reported_cost,
    restated_cost,
    cost_change,
    reported_billed,
    restated_billed,
    billed_change,
    late_invoices_billed,
    voided_invoices_billed,
    other_billed_change,
    reported_estimate_at_completion,
    restated_estimate_at_completion,
    substr(reason_list, 3) as reasons
from with_reasons
where reason_list <> ''
