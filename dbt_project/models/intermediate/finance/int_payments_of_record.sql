-- Payments per invoice of record, each received once. Two systems that hold one invoice usually
-- both record its payments; adding them would pay the invoice twice. So the payments of one view
-- count: the view of record's when it records any, else the next view's by view_rank (a PSA that
-- records a payment its ERP has not). invoice_id is the invoice of record.
with payment_views as (
    select
        payments.payment_id,
        invoice_views.record_invoice_id,
        invoice_views.view_rank,
        payments.payment_date,
        payments.amount,
        payments.source_system
    from {{ ref('int_payments') }} as payments
    inner join {{ ref('int_invoice_views') }} as invoice_views
        on invoice_views.invoice_id = payments.invoice_id
),

paying_view as (
    select
        record_invoice_id,
        min(view_rank) as view_rank
    from payment_views
    group by record_invoice_id
)

select
    payment_views.payment_id,
    payment_views.record_invoice_id as invoice_id,
    payment_views.payment_date,
    payment_views.amount,
    payment_views.source_system
from payment_views
inner join paying_view
    on paying_view.record_invoice_id = payment_views.record_invoice_id
    and paying_view.view_rank = payment_views.view_rank
