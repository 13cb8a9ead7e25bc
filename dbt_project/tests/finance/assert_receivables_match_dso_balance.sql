-- Invariant: the receivables of mart_dso_monthly in the as-of month equal the open amounts of
-- mart_receivables (both in the reporting currency at the as-of month's rate), to a cent per invoice.
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

per_invoice as (
    select
        sum(open_amount_reporting) as open_total,
        count(*) as invoices
    from {{ ref('mart_receivables') }}
),

dso as (
    select dso.receivables
    from {{ ref('mart_dso_monthly') }} as dso
    cross join as_of
    where dso.month_start = {{ month_start('as_of.as_of_date') }}
)

select
    per_invoice.open_total,
    dso.receivables
from per_invoice
cross join dso
where abs(coalesce(per_invoice.open_total, 0) - dso.receivables) > 0.01 * (per_invoice.invoices + 1)
