-- QuickBooks payments -> payments: one row per payment and invoice it pays. A payment's Line[] says
-- how much of it went to which transaction (LinkedTxn); only the lines linked to an invoice count
-- (a credit memo or journal entry applied in the same payment is not money received, and what is
-- left unapplied pays no invoice). Amounts of the lines to one invoice are added up.
-- payment_id: quickbooks:<payment>:<invoice>. payment_date: TxnDate. A line linked to two invoices at
-- once does not say how it splits between them: set aside.
WITH lines AS (
    SELECT
        p.id AS payment,
        p.txn_date,
        p._dlt_load_id,
        l.line,
        l.line_no,
        CAST(l.line ->> 'Amount' AS DECIMAL(18, 4)) AS amount
    FROM raw_quickbooks.payments AS p,
        unnest(CAST(CAST(p.lines AS JSON) AS JSON[])) WITH ORDINALITY AS l (line, line_no)
    WHERE p._wipcast_deleted_at IS NULL
),

links AS (
    SELECT
        l.*,
        t.link ->> 'TxnId' AS invoice,
        count(*) OVER (PARTITION BY l.payment, l.line_no) AS invoices_on_line
    FROM lines AS l,
        unnest(CAST(coalesce(l.line -> 'LinkedTxn', CAST('[]' AS JSON)) AS JSON[])) AS t (link)
    WHERE t.link ->> 'TxnType' = 'Invoice'
)

SELECT
    'quickbooks:' || payment || ':' || invoice AS payment_id,
    'quickbooks:' || invoice AS invoice_id,
    try_cast(any_value(txn_date) AS DATE) AS payment_date,
    sum(amount) AS amount,
    CASE WHEN max(invoices_on_line) > 1 THEN 'amount' END AS _problem_column,
    CASE
        WHEN max(invoices_on_line) > 1
            THEN 'amount: a QuickBooks payment line is applied to several invoices at once; its split is unknown'
    END AS _problem_reason,
    CAST(to_json(list(line ORDER BY line_no)) AS VARCHAR) AS _source_row,
    max(_dlt_load_id) AS _source_load_id
FROM links
GROUP BY payment, invoice
