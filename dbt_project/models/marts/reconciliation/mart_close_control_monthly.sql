-- The month-end control sheet per legal entity and month (reporting currency): each system's control
-- total and the differences between them, the exceptions still open, and how fresh the sources are.
--   approved_time_value   PSA approved entries by work month (project's entity)
--   posted_time_value     ERP live postings by the accounting period booked (project's entity)
--   invoiced_value        non-void invoice headers by invoice month (issuing entity)
--   paid_value            payments by payment month, of those invoices
--   recognised_revenue    earned revenue of mart_revenue_monthly (project's entity)
-- Open exceptions are those of fct_sync_exceptions with status open, by the month of their event date,
-- counted and summed by age bucket. Months: every month with any control total or period.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

projects as (
    select
        project_id,
        entity_id
    from {{ ref('int_projects') }}
),

approved as (
    select
        projects.entity_id,
        entries.work_month as month_start,
        sum(entries.entry_value_reporting) as approved_time_value
    from {{ ref('int_recon_time_entries') }} as entries
    inner join projects
        on projects.project_id = entries.project_id
    where entries.is_approved
    group by projects.entity_id, entries.work_month
),

posted as (
    select
        entity_id,
        period_start as month_start,
        sum(amount_reporting) as posted_time_value
    from {{ ref('int_recon_postings') }}
    where is_live and entity_id is not null
    group by entity_id, period_start
),

invoices as (
    select
        invoices.invoice_id,
        invoices.entity_id,
        invoices.currency,
        invoices.amount,
        {{ month_start('invoices.invoice_date') }} as month_start
    from {{ ref('int_invoices_of_record') }} as invoices
    cross join as_of
    where invoices.status <> 'void' and invoices.invoice_date <= as_of.as_of_date
),

fx as (
    select
        currency,
        month_start,
        rate_to_reporting
    from {{ ref('int_fx_rates_monthly') }}
),

invoiced as (
    select
        invoices.entity_id,
        invoices.month_start,
        sum(invoices.amount * fx.rate_to_reporting) as invoiced_value
    from invoices
    left join fx
        on fx.currency = invoices.currency and fx.month_start = invoices.month_start
    group by invoices.entity_id, invoices.month_start
),

paid as (
    select
        invoices.entity_id,
        {{ month_start('payments.payment_date') }} as month_start,
        sum(payments.amount * fx.rate_to_reporting) as paid_value
    from {{ ref('int_payments_of_record') }} as payments
    cross join as_of
    inner join invoices
        on invoices.invoice_id = payments.invoice_id
    left join fx
        on fx.currency = invoices.currency and fx.month_start = {{ month_start('payments.payment_date') }}
    where payments.payment_date <= as_of.as_of_date
    group by invoices.entity_id, {{ month_start('payments.payment_date') }}
),

recognised as (
    select
        projects.entity_id,
        revenue.month_start,
        sum(revenue.earned_revenue_reporting) as recognised_revenue
    from {{ ref('mart_revenue_monthly') }} as revenue
    inner join projects
        on projects.project_id = revenue.project_id
    group by projects.entity_id, revenue.month_start
),

open_exceptions as (
    select
        entity_id,
        {{ month_start('event_date') }} as month_start,
        count(*) as open_exceptions,
        sum(amount_at_risk_reporting) as open_exceptions_amount,
        sum(case when age_bucket = '0-30' then 1 else 0 end) as open_0_30,
        sum(case when age_bucket = '31-60' then 1 else 0 end) as open_31_60,
        sum(case when age_bucket = '61-90' then 1 else 0 end) as open_61_90,
        sum(case when age_bucket = 'over_90' then 1 else 0 end) as open_over_90
    from {{ ref('fct_sync_exceptions') }}
    where status = 'open' and entity_id is not null
    group by entity_id, {{ month_start('event_date') }}
),

periods as (
    select
        entity_id,
        {{ month_start('period_start') }} as month_start,
        max(closed_at) as period_closed_at
    from {{ ref('int_accounting_periods') }}
    group by entity_id, {{ month_start('period_start') }}
),

syncs as (
    select
        max(case when source_system = 'files' then last_success_at end) as last_files_load_at,
        max(case when source_system <> 'files' then last_success_at end) as last_connector_sync_at
    from {{ ref('int_recon_last_syncs') }}
),

stale as (
    select count(*) as stale_sources
    from {{ ref('int_recon_exceptions_detected') }}
    where exception_type = 'stale_sync'
),

grain as (
    select
        entity_id,
        month_start
    from approved
    union
    select
        entity_id,
        month_start
    from posted
    union
    select
        entity_id,
        month_start
    from invoiced
    union
    select
        entity_id,
        month_start
    from paid
    union
    select
        entity_id,
        month_start
    from recognised
    union
    select
        entity_id,
        month_start
    from periods
)

select
    cast(grain.entity_id as {{ type_varchar() }}) as entity_id,
    cast(grain.month_start as date) as month_start,
    cast({{ reporting_currency_literal() }} as {{ type_varchar() }}) as reporting_currency,
    {{ finance_cents('coalesce(approved.approved_time_value, 0)') }} as approved_time_value,
    {{ finance_cents('coalesce(posted.posted_time_value, 0)') }} as posted_time_value,
    {{ finance_cents('coalesce(invoiced.invoiced_value, 0)') }} as invoiced_value,
    {{ finance_cents('coalesce(paid.paid_value, 0)') }} as paid_value,
    {{ finance_cents('coalesce(recognised.recognised_revenue, 0)') }} as recognised_revenue,
    {{ finance_cents('coalesce(posted.posted_time_value, 0) - coalesce(approved.approved_time_value, 0)') }}
        as posted_minus_approved,
    {{ finance_cents('coalesce(invoiced.invoiced_value, 0) - coalesce(recognised.recognised_revenue, 0)') }}
        as invoiced_minus_recognised,
    {{ finance_cents('coalesce(invoiced.invoiced_value, 0) - coalesce(paid.paid_value, 0)') }} as invoiced_minus_paid,
    cast(coalesce(open_exceptions.open_exceptions, 0) as {{ dbt.type_bigint() }}) as open_exceptions,
    {{ finance_cents('coalesce(open_exceptions.open_exceptions_amount, 0)') }} as open_exceptions_amount,
    cast(coalesce(open_exceptions.open_0_30, 0) as {{ dbt.type_bigint() }}) as open_exceptions_0_30,
    cast(coalesce(open_exceptions.open_31_60, 0) as {{ dbt.type_bigint() }}) as open_exceptions_31_60,
    cast(coalesce(open_exceptions.open_61_90, 0) as {{ dbt.type_bigint() }}) as open_exceptions_61_90,
    cast(coalesce(open_exceptions.open_over_90, 0) as {{ dbt.type_bigint() }}) as open_exceptions_over_90,
    cast(periods.period_closed_at as {{ type_timestamp_tz() }}) as period_closed_at,
    cast(syncs.last_files_load_at as {{ type_timestamp_tz() }}) as last_files_load_at,
    cast(syncs.last_connector_sync_at as {{ type_timestamp_tz() }}) as last_connector_sync_at,
    cast(stale.stale_sources as {{ dbt.type_bigint() }}) as stale_sources,
    as_of.as_of_date
from grain
cross join as_of
cross join syncs
cross join stale
left join approved on approved.entity_id = grain.entity_id and approved.month_start = grain.month_start
left join posted on posted.entity_id = grain.entity_id and posted.month_start = grain.month_start
left join invoiced on invoiced.entity_id = grain.entity_id and invoiced.month_start = grain.month_start
left join paid on paid.entity_id = grain.entity_id and paid.month_start = grain.month_start
left join recognised on recognised.entity_id = grain.entity_id and recognised.month_start = grain.month_start
left join open_exceptions
    on open_exceptions.entity_id = grain.entity_id and open_exceptions.month_start = grain.month_start
left join periods on periods.entity_id = grain.entity_id and periods.month_start = grain.month_start
