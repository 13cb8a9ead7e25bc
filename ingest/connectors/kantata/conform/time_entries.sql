-- Kantata time entries -> time_entries.
-- hours: time_in_minutes / 60. approval_status: approved -> approved; an open timesheet submission
--   (active_submission_id) -> submitted; else draft (a rejected submission is open for editing
--   again, so it arrives as draft). approved_at: Kantata records no approval time on the entry; an
--   approved entry's updated_at is when it was last touched, which is its approval at the latest.
-- bill_rate: rate_in_cents / 100; empty on a non-billable entry with rate 0 (Kantata sends 0 there).
-- invoice_id: invoice_id of an entry flagged is_invoiced.
SELECT
    'kantata:' || t.id AS time_entry_id,
    'kantata:' || t.user_id AS employee_id,
    'kantata:' || t.workspace_id AS project_id,
    t.date_performed AS work_date,
    round(t.time_in_minutes / 60.0, 4) AS hours,
    t.billable,
    CASE
        WHEN coalesce(t.approved, false) THEN 'approved'
        WHEN t.active_submission_id IS NOT NULL THEN 'submitted'
        ELSE 'draft'
    END AS approval_status,
    CASE WHEN coalesce(t.approved, false) THEN t.updated_at END AS approved_at,
    CASE WHEN t.billable OR t.rate_in_cents <> 0 THEN t.rate_in_cents / 100.0 END AS bill_rate,
    CASE WHEN coalesce(t.is_invoiced, false) THEN 'kantata:' || t.invoice_id END AS invoice_id,
    CAST(NULL AS TIMESTAMPTZ) AS erp_posted_at,
    t.updated_at,
    CAST(to_json(t) AS VARCHAR) AS _source_row,
    t._dlt_load_id AS _source_load_id
FROM raw_kantata.time_entries AS t
WHERE t._wipcast_deleted_at IS NULL
