{{ config(materialized='table') }}
-- The discrepancies this build finds, one row per exception type x source x record
-- (docs/reconciliation.md has the rules). amount_reporting is the money at risk in the reporting
-- currency; event_date is the day the problem arose (approval, posting, invoice date, last sync) and
-- dates its age. Postings are checked only while live (status posted).
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

entries as (
    select * from {{ ref('int_recon_entry_postings') }}
),

postings as (
    select * from {{ ref('int_recon_postings') }}
    where is_live
),

projects as (
    select
        project_id,
        entity_id,
        practice,
        currency
    from {{ ref('int_projects') }}
),

invoices as (
    select invoices.*
    from {{ ref('int_invoices') }} as invoices
    cross join as_of
    where invoices.status <> 'void' and invoices.invoice_date <= as_of.as_of_date
),

invoice_lines as (
    select
        invoice_id,
        sum(amount) as lines_amount
    from {{ ref('int_invoice_lines') }}
    group by invoice_id
),

invoice_fx as (
    select
        invoices.*,
        fx.rate_to_reporting
    from invoices
    left join {{ ref('int_fx_rates_monthly') }} as fx
        on fx.currency = invoices.currency
        and fx.month_start = {{ month_start('invoices.invoice_date') }}
),

detected as (
    -- approved time the ERP does not hold, past its posting due date
    select
        'approved_not_posted' as exception_type,
        entries.source_system,
        entries.time_entry_id as record_id,
        entries.project_id,
        projects.entity_id,
        projects.practice,
        entries.approved_date as event_date,
        cast(cast(entries.hours as decimal(10, 2)) as {{ type_varchar() }})
        || ' h approved '
        || cast(entries.approved_date as {{ type_varchar() }}) as detail,
        entries.entry_value_reporting as amount_reporting
    from entries
    cross join as_of
    left join projects
        on projects.project_id = entries.project_id
    where
        entries.is_approved and entries.is_posting_known and not entries.is_posted
        and as_of.as_of_date > entries.posting_due_date

    union all

    -- a posting of an entry the PSA does not (or no longer) show as approved
    select
        'posted_not_approved' as exception_type,
        postings.source_system,
        postings.posting_id as record_id,
        postings.project_id,
        postings.entity_id,
        postings.practice,
        cast(postings.posted_at as date) as event_date,
        'entry ' || postings.matched_time_entry_id || ' is not approved' as detail,
        postings.amount_reporting
    from postings
    where postings.posting_rank = 1 and not postings.is_entry_approved

    union all

    -- a posting whose hours differ from its entry's: the difference at the posting's own rate
    select
        'hours_mismatch' as exception_type,
        postings.source_system,
        postings.posting_id as record_id,
        postings.project_id,
        postings.entity_id,
        postings.practice,
        cast(postings.posted_at as date) as event_date,
        'ERP '
        || cast(cast(postings.hours as decimal(10, 2)) as {{ type_varchar() }})
        || ' h, PSA '
        || cast(cast(postings.entry_hours as decimal(10, 2)) as {{ type_varchar() }})
        || ' h' as detail,
        cast(
            round(
                abs(postings.hours - postings.entry_hours) * postings.amount / postings.hours
                * postings.fx_rate_to_reporting,
                4
            ) as {{ type_money() }}
        ) as amount_reporting
    from postings
    where postings.posting_rank = 1 and postings.hours <> postings.entry_hours and postings.hours > 0

    union all

    -- a second (or later) live posting of the same entry
    select
        'duplicate_posting' as exception_type,
        postings.source_system,
        postings.posting_id as record_id,
        postings.project_id,
        postings.entity_id,
        postings.practice,
        cast(postings.posted_at as date) as event_date,
        'entry ' || postings.matched_time_entry_id || ' posted '
        || cast(postings.posting_rank as {{ type_varchar() }}) || ' times' as detail,
        postings.amount_reporting
    from postings
    where postings.posting_rank > 1

    union all

    -- a posting of an entry or project the PSA does not know, or one that matches no entry
    select
        'orphan_posting' as exception_type,
        postings.source_system,
        postings.posting_id as record_id,
        postings.project_id,
        postings.entity_id,
        postings.practice,
        cast(postings.posted_at as date) as event_date,
        case
            when not postings.is_known_project then 'project ' || postings.project_id || ' unknown to the PSA'
            when postings.time_entry_id is not null then 'entry ' || postings.time_entry_id || ' unknown to the PSA'
            else 'no PSA entry on that project, employee and day'
        end as detail,
        postings.amount_reporting
    from postings
    where not postings.is_known_project or postings.matched_time_entry_id is null

    union all

    -- a posting in another currency than its project's
    select
        'currency_mismatch' as exception_type,
        postings.source_system,
        postings.posting_id as record_id,
        postings.project_id,
        postings.entity_id,
        postings.practice,
        cast(postings.posted_at as date) as event_date,
        'posted in ' || postings.currency || ', project in ' || postings.project_currency as detail,
        postings.amount_reporting
    from postings
    where postings.is_known_project and postings.currency <> postings.project_currency

    union all

    -- a posting booked into a period after the period was closed
    select
        'closed_period_posting' as exception_type,
        postings.source_system,
        postings.posting_id as record_id,
        postings.project_id,
        postings.entity_id,
        postings.practice,
        cast(postings.posted_at as date) as event_date,
        'period ' || cast(postings.period_start as {{ type_varchar() }}) || ' closed '
        || cast(postings.period_closed_at as {{ type_varchar() }}) as detail,
        postings.amount_reporting
    from postings
    where postings.period_closed_at is not null and postings.posted_at > postings.period_closed_at

    union all

    -- an invoice whose header does not equal the sum of its lines
    select
        'invoice_header_mismatch' as exception_type,
        invoice_fx.source_system,
        invoice_fx.invoice_id as record_id,
        invoice_fx.project_id,
        invoice_fx.entity_id,
        projects.practice,
        invoice_fx.invoice_date as event_date,
        'header '
        || cast(invoice_fx.amount as {{ type_varchar() }})
        || ', lines '
        || cast(invoice_lines.lines_amount as {{ type_varchar() }})
            as detail,
        cast(
            round(
                abs(invoice_fx.amount - invoice_lines.lines_amount) * invoice_fx.rate_to_reporting, 4
            ) as {{ type_money() }}
        ) as amount_reporting
    from invoice_fx
    inner join invoice_lines
        on invoice_lines.invoice_id = invoice_fx.invoice_id
    left join projects
        on projects.project_id = invoice_fx.project_id
    where invoice_fx.amount <> invoice_lines.lines_amount

    union all

    -- an invoice in another currency than the project it bills
    select
        'currency_mismatch' as exception_type,
        invoice_fx.source_system,
        invoice_fx.invoice_id as record_id,
        invoice_fx.project_id,
        invoice_fx.entity_id,
        projects.practice,
        invoice_fx.invoice_date as event_date,
        'invoiced in ' || invoice_fx.currency || ', project in ' || projects.currency as detail,
        cast(round(invoice_fx.amount * invoice_fx.rate_to_reporting, 4) as {{ type_money() }}) as amount_reporting
    from invoice_fx
    inner join projects
        on projects.project_id = invoice_fx.project_id
    where invoice_fx.currency <> projects.currency

    union all

    select
        exception_type,
        source_system,
        record_id,
        project_id,
        entity_id,
        practice,
        event_date,
        detail,
        amount_reporting
    from {{ ref('int_recon_ops_exceptions') }}
)

select
    exception_type || ':' || source_system || ':' || record_id as exception_id,
    exception_type,
    source_system,
    record_id,
    project_id,
    entity_id,
    practice,
    event_date,
    detail,
    cast(round(amount_reporting, 2) as decimal(18, 2)) as amount_reporting
from detected
