-- Xero payments (Invoice.Payments) and applied credit notes (Invoice.CreditNotes) -> payments, one
-- row per payment or credit note and the invoice it settles. Both are read with their invoice, so
-- the current invoice's list is the truth (a removed payment leaves with the invoice's next read).
-- payment_id: xero:<PaymentID> (a Xero payment pays one invoice); a credit note applied:
--   xero:credit_note:<CreditNoteID>:<InvoiceID>, amount its AppliedAmount, dated on the credit note.
-- amount: in the invoice currency (Xero's Payment.Amount is).
SELECT
    'xero:' || lower(p.payment_id) AS payment_id,
    'xero:' || lower(i.invoice_id) AS invoice_id,
    p."date" AS payment_date,
    CAST(round(p.amount, 4) AS DECIMAL(18, 4)) AS amount,
    CAST(to_json(p) AS VARCHAR) AS _source_row,
    i._dlt_load_id AS _source_load_id
FROM raw_xero.invoices__payments AS p
INNER JOIN xero_invoices AS i ON i._dlt_id = p._dlt_parent_id

UNION ALL

SELECT
    'xero:credit_note:' || lower(n.credit_note_id) || ':' || lower(i.invoice_id) AS payment_id,
    'xero:' || lower(i.invoice_id) AS invoice_id,
    n."date" AS payment_date,
    CAST(round(n.applied_amount, 4) AS DECIMAL(18, 4)) AS amount,
    CAST(to_json(n) AS VARCHAR) AS _source_row,
    i._dlt_load_id AS _source_load_id
FROM raw_xero.invoices__credit_notes AS n
INNER JOIN xero_invoices AS i ON i._dlt_id = n._dlt_parent_id
WHERE coalesce(n.applied_amount, 0) <> 0
