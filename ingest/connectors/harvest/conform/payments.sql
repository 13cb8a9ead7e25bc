-- Harvest invoice payments (read per invoice) -> payments. payment_date: paid_date, else the
-- date of paid_at.
SELECT
    'harvest:' || p.id AS payment_id,
    'harvest:' || p._invoices_id AS invoice_id,
    coalesce(p.paid_date, CAST(p.paid_at AS DATE)) AS payment_date,
    p.amount,
    CAST(to_json(p) AS VARCHAR) AS _source_row,
    p._dlt_load_id AS _source_load_id
FROM raw_harvest.invoice_payments AS p
WHERE p._wipcast_deleted_at IS NULL
