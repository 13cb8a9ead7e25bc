-- Approved time (every approved entry carries cost; billable ones also revenue) the ERP does not hold
-- at the as-of date, one row per time entry, with the first reason that applies:
--   not_synced_yet      still within its posting window (on or before posting_due_date)
--   no_project_mapping  the ERP holds no live posting on the project at all
--   no_employee_mapping the ERP holds no live posting for the employee at all
--   missing_rate        billable, and no bill rate resolves
--   period_closed       the ERP closed the entry's work-month period at the project's entity
--   not_exported        none of the above: the export never brought it over
-- The mapping reasons need an ERP view (erp_time_postings); without one they are not used. Entries of a
-- source that records no posting at all (no ERP view, no erp_posted_at) are left out: nothing says.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

entries as (
    select * from {{ ref('int_recon_entry_postings') }}
    where is_approved and is_posting_known and not is_posted
),

live as (
    select
        project_id,
        employee_id
    from {{ ref('int_recon_postings') }}
    where is_live
),

mapped_projects as (
    select distinct project_id from live
),

mapped_employees as (
    select distinct employee_id from live
    where employee_id is not null
),

projects as (
    select
        project_id,
        entity_id,
        practice
    from {{ ref('int_projects') }}
),

periods as (
    select
        entity_id,
        {{ month_start('period_start') }} as period_start,
        closed_at
    from {{ ref('int_accounting_periods') }}
),

routing as (
    select * from {{ ref('int_exception_owner_routing') }}
),

classified as (
    select
        entries.*,
        projects.entity_id,
        projects.practice,
        {{ dbt.datediff('entries.approved_date', 'as_of.as_of_date', 'day') }} as days_since_approval,
        case
            when as_of.as_of_date <= entries.posting_due_date then 'not_synced_yet'
            when entries.is_erp_view_loaded and mapped_projects.project_id is null then 'no_project_mapping'
            when entries.is_erp_view_loaded and mapped_employees.employee_id is null then 'no_employee_mapping'
            when entries.billable and entries.rate_source = 'missing' then 'missing_rate'
            when periods.closed_at is not null and cast(periods.closed_at as date) <= as_of.as_of_date
                then 'period_closed'
            else 'not_exported'
        end as reason_code
    from entries
    cross join as_of
    left join projects
        on projects.project_id = entries.project_id
    left join mapped_projects
        on mapped_projects.project_id = entries.project_id
    left join mapped_employees
        on mapped_employees.employee_id = entries.employee_id
    left join periods
        on periods.entity_id = projects.entity_id
        and periods.period_start = entries.work_month
)

select
    cast(classified.time_entry_id as {{ type_varchar() }}) as time_entry_id,
    cast(classified.source_system as {{ type_varchar() }}) as source_system,
    cast(classified.project_id as {{ type_varchar() }}) as project_id,
    cast(classified.employee_id as {{ type_varchar() }}) as employee_id,
    cast(classified.entity_id as {{ type_varchar() }}) as entity_id,
    cast(classified.practice as {{ type_varchar() }}) as practice,
    cast(classified.work_date as date) as work_date,
    cast(classified.approved_date as date) as approved_date,
    cast(classified.posting_due_date as date) as posting_due_date,
    cast(classified.hours as {{ type_double() }}) as hours,
    cast(classified.billable as {{ dbt.type_boolean() }}) as billable,
    cast(classified.project_currency as {{ type_varchar() }}) as project_currency,
    {{ finance_cents('classified.entry_value') }} as entry_value,
    {{ finance_cents('classified.entry_value_reporting') }} as entry_value_reporting,
    cast(classified.days_since_approval as {{ dbt.type_bigint() }}) as days_since_approval,
    cast({{ finance_ageing_bucket('classified.days_since_approval') }} as {{ type_varchar() }}) as ageing_bucket,
    cast(classified.reason_code as {{ type_varchar() }}) as reason_code,
    classified.reason_code <> 'not_synced_yet' as is_overdue,
    cast(coalesce(by_both.owner, by_type.owner, fallback.owner) as {{ type_varchar() }}) as owner,  -- noqa: RF04
    as_of.as_of_date
from classified
cross join as_of
left join routing as by_both
    on by_both.exception_type = 'approved_not_posted' and by_both.practice = classified.practice
left join routing as by_type
    on by_type.exception_type = 'approved_not_posted' and by_type.practice = '*'
left join routing as fallback
    on fallback.exception_type = '*' and fallback.practice = '*'
