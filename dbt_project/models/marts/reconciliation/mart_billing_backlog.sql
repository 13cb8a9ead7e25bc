-- Billable value earned and eligible for billing but not invoiced at the as-of date, per project,
-- item type and age bucket (the "failed billing events" a billing team works through):
--   time_and_materials  approved billable time of time-and-materials projects with a rate, within the
--                       contract cap, on no invoice issued by the as-of date and not settled by the
--                       project's time lines that name no entry (unbilled_value of
--                       int_finance_time_entries); age from the work date
--   milestone           milestones completed by the as-of date on no issued invoice; age from completion
--   fixed_fee_schedule  milestones of fixed-fee projects (their billing schedule) due by the as-of date,
--                       not completed, on no issued invoice; age from the due date
-- An invoice counts as issued when it is not void and dated on or before the as-of date. Values are in
-- the project currency; *_reporting converts at the as-of month's rate (a backlog is a balance).
with as_of as (
    select
        as_of_date,
        {{ month_start('as_of_date') }} as as_of_month
    from {{ ref('int_as_of') }}
),

issued as (
    select invoices.invoice_id
    from {{ ref('int_invoices') }} as invoices
    cross join as_of
    where invoices.status <> 'void' and invoices.invoice_date <= as_of.as_of_date
),

projects as (
    select
        project_id,
        billing_type,
        currency
    from {{ ref('int_projects') }}
),

time_items as (
    select
        entries.project_id,
        'time_and_materials' as item_type,
        entries.age_days,
        entries.unbilled_hours as hours,
        entries.unbilled_value as item_value
    from {{ ref('int_finance_time_entries') }} as entries
    where entries.unbilled_value > 0
),

milestone_items as (
    select
        milestones.project_id,
        case
            when milestones.completed_date is not null and milestones.completed_date <= as_of.as_of_date
                then 'milestone'
            else 'fixed_fee_schedule'
        end as item_type,
        {{ dbt.datediff(
            "case when milestones.completed_date is not null and milestones.completed_date <= as_of.as_of_date"
            ~ " then milestones.completed_date else milestones.due_date end",
            'as_of.as_of_date', 'day'
        ) }} as age_days,
        cast(null as {{ type_double() }}) as hours,
        milestones.amount as item_value
    from {{ ref('int_milestones') }} as milestones
    cross join as_of
    inner join projects
        on projects.project_id = milestones.project_id
    left join issued
        on issued.invoice_id = milestones.invoice_id
    where issued.invoice_id is null
        and (
            (milestones.completed_date is not null and milestones.completed_date <= as_of.as_of_date)
            or (projects.billing_type = 'fixed_fee' and milestones.due_date <= as_of.as_of_date)
        )
),

items as (
    select * from time_items
    union all
    select * from milestone_items
)

select
    cast(items.project_id as {{ type_varchar() }}) as project_id,
    cast(items.item_type as {{ type_varchar() }}) as item_type,
    cast({{ finance_ageing_bucket('items.age_days') }} as {{ type_varchar() }}) as age_bucket,
    cast(count(*) as {{ dbt.type_bigint() }}) as items,
    cast(sum(items.hours) as {{ type_double() }}) as hours,
    cast(projects.currency as {{ type_varchar() }}) as project_currency,
    {{ finance_cents('sum(items.item_value)') }} as backlog_value,
    {{ finance_cents('sum(items.item_value) * fx.rate_to_reporting') }} as backlog_value_reporting,
    cast(max(items.age_days) as {{ dbt.type_bigint() }}) as oldest_age_days,
    as_of.as_of_date
from items
cross join as_of
inner join projects
    on projects.project_id = items.project_id
left join {{ ref('int_fx_rates_monthly') }} as fx
    on fx.currency = projects.currency and fx.month_start = as_of.as_of_month
group by
    items.project_id,
    items.item_type,
    {{ finance_ageing_bucket('items.age_days') }},
    projects.currency,
    fx.rate_to_reporting,
    as_of.as_of_date
