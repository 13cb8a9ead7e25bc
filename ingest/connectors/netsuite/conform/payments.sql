-- NetSuite customer payments (transaction type CustPymt, applied to invoices through
-- NextTransactionLineLink) -> payments: one row per payment and invoice it pays, the applied
-- amounts added up. Only the applications read with the payment's current version (latest
-- lastmodified), so an application moved to another invoice is not counted twice. Voided payments
-- are left out. payment_id: netsuite:<payment id>:<invoice id>.
WITH current_links AS (
    SELECT p.*
    FROM raw_netsuite.payments AS p
    WHERE p._wipcast_deleted_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM ns_deleted AS x WHERE x.recordtype = 'customerpayment' AND x.recordid = p.payment)
    QUALIFY p.lastmodified = max(p.lastmodified) OVER (PARTITION BY p.payment)
)

SELECT
    'netsuite:' || p.payment || ':' || p.invoice AS payment_id,
    'netsuite:' || p.invoice AS invoice_id,
    CAST(try_strptime(any_value(p.trandate), ['%Y-%m-%d', '%m/%d/%Y']) AS DATE) AS payment_date,
    sum(CAST(p.foreignamount AS DECIMAL(18, 4))) AS amount,
    CAST(to_json(any_value(p)) AS VARCHAR) AS _source_row,
    max(p._dlt_load_id) AS _source_load_id
FROM current_links AS p
WHERE coalesce(p.voided, 'F') <> 'T'
GROUP BY p.payment, p.invoice
