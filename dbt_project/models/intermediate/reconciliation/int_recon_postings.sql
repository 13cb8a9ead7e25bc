{{ config(materialized='table') }}
-- The ERP's time postings booked on or before the as-of date, each matched to the PSA entry it posts:
-- by the entry id it carries (match_method entry_id), else, when it carries none, by project, employee
-- and work date if exactly one PSA entry has them (project_employee_date); unmatched otherwise.
-- posting_rank orders the live (status posted) postings of one matched entry by posted_at, posting_id:
-- 1 is the posting, later ones are duplicates. Amounts convert at the work month's average rate of the
-- posting's own currency. period_closed_at: when the ERP closed the booked period of the project's entity
-- (null while open at the as-of date, or when the project or the period is unknown).
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

postings as (
    select
        postings.*,
        {{ month_start('postings.work_date') }} as work_month,
        {{ month_start('postings.accounting_period') }} as period_start
    from {{ ref('int_erp_time_postings') }} as postings
    cross join as_of
    where cast(postings.posted_at as date) <= as_of.as_of_date
),

entries as (
    select
        time_entry_id,
        project_id,
        employee_id,
        work_date,
        hours,
        is_approved
    from {{ ref('int_recon_time_entries') }}
),

entry_keys as (
    select
        project_id,
        employee_id,
        work_date,
        min(time_entry_id) as time_entry_id,
        count(*) as entries
    from entries
    group by project_id, employee_id, work_date
),

matched as (
    select
        postings.*,
        case
            when postings.time_entry_id is not null then by_id.time_entry_id
            when keyed.entries = 1 then keyed.time_entry_id
        end as matched_time_entry_id,
        case
            when postings.time_entry_id is not null and by_id.time_entry_id is not null then 'entry_id'
            when postings.time_entry_id is null and keyed.entries = 1 then 'project_employee_date'
        end as match_method
    from postings
    left join entries as by_id
        on by_id.time_entry_id = postings.time_entry_id
    left join entry_keys as keyed
        on postings.time_entry_id is null
        and keyed.project_id = postings.project_id
        and keyed.employee_id = postings.employee_id
        and keyed.work_date = postings.work_date
),

enriched as (
    select
        matched.posting_id,
        matched.time_entry_id,
        matched.matched_time_entry_id,
        matched.match_method,
        matched.project_id,
        matched.employee_id,
        matched.work_date,
        matched.work_month,
        matched.hours,
        matched.amount,
        matched.currency,
        matched.posted_at,
        matched.period_start,
        matched.status,
        matched.source_system,
        matched.status = 'posted' as is_live,
        projects.project_id is not null as is_known_project,
        projects.entity_id,
        projects.practice,
        projects.currency as project_currency,
        entries.hours as entry_hours,
        coalesce(entries.is_approved, false) as is_entry_approved,
        fx.rate_to_reporting as fx_rate_to_reporting,
        cast(round(matched.amount * fx.rate_to_reporting, 4) as {{ type_money() }}) as amount_reporting,
        case
            when periods.closed_at is not null and cast(periods.closed_at as date) <= as_of.as_of_date
                then periods.closed_at
        end as period_closed_at
    from matched
    cross join as_of
    left join {{ ref('int_projects') }} as projects
        on projects.project_id = matched.project_id
    left join entries
        on entries.time_entry_id = matched.matched_time_entry_id
    left join {{ ref('int_fx_rates_monthly') }} as fx
        on fx.currency = matched.currency
        and fx.month_start = matched.work_month
    left join {{ ref('int_accounting_periods') }} as periods
        on periods.entity_id = projects.entity_id
        and {{ month_start('periods.period_start') }} = matched.period_start
)

select
    enriched.*,
    case
        when enriched.is_live and enriched.matched_time_entry_id is not null
            then row_number() over (
                    partition by enriched.is_live, enriched.matched_time_entry_id
                    order by enriched.posted_at, enriched.posting_id
                )
    end as posting_rank
from enriched
