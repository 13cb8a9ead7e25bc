-- Harvest time entries -> time_entries.
-- approval_status: Harvest's approval_status where the account sends it (unsubmitted -> draft);
--   otherwise is_closed (closed by timesheet approval) -> approved, else draft. is_locked is a period
--   lock, not an approval, so it is not used. approved_at: Harvest records no approval time; an
--   approved entry's updated_at is when it was last touched, which is its approval at the latest.
-- bill_rate: billable_rate (empty on non-billable entries). invoice_id: the invoice object's id.
-- Running timers never reach raw (their hours are still changing).
WITH mapped AS (
    SELECT
        t.*,
        CASE
            WHEN t.approval_status IS NOT NULL
                THEN CASE lower(t.approval_status) WHEN 'unsubmitted' THEN 'draft' ELSE lower(t.approval_status) END
            WHEN t.is_closed THEN 'approved'
            ELSE 'draft'
        END AS approval
    FROM raw_harvest.time_entries AS t
    WHERE t._wipcast_deleted_at IS NULL AND NOT coalesce(t.is_running, false)
)

SELECT
    'harvest:' || t.id AS time_entry_id,
    'harvest:' || t.user__id AS employee_id,
    'harvest:' || t.project__id AS project_id,
    t.spent_date AS work_date,
    t.hours,
    t.billable,
    t.approval AS approval_status,
    CASE WHEN t.approval = 'approved' THEN t.updated_at END AS approved_at,
    t.billable_rate AS bill_rate,
    'harvest:' || t.invoice__id AS invoice_id,
    CAST(NULL AS TIMESTAMPTZ) AS erp_posted_at,
    t.updated_at,
    CAST(to_json(t) AS VARCHAR) AS _source_row,
    t._dlt_load_id AS _source_load_id
FROM mapped AS t
