-- Xero Projects time entries -> time_entries.
-- work_date: dateUtc's day in connectors.xero.timezone (default UTC). hours: duration (minutes) / 60.
-- billable: the task's chargeType is TIME or FIXED (NON_CHARGEABLE is not billable).
-- bill_rate: the rate of a TIME task (none when 0: the rate cards decide); none on FIXED tasks.
-- approval_status: Xero Projects has no approval step and bills every entry it holds, so each entry
--   is approved, approved_at = dateEnteredUtc. invoice_id: none (Xero only says INVOICED).
-- updated_at: dateEnteredUtc (Xero keeps no modification time), else dateUtc.
-- An entry whose task is not among its project's tasks is quarantined (billable is unknown).
SELECT
    'xero:' || lower(t.time_entry_id) AS time_entry_id,
    'xero:' || lower(t.user_id) AS employee_id,
    'xero:' || lower(t.project_id) AS project_id,
    CAST(timezone(d.timezone, t.date_utc) AS DATE) AS work_date,
    t.duration / 60.0 AS hours,
    k.charge_type IN ('TIME', 'FIXED') AS billable,
    'approved' AS approval_status,
    coalesce(t.date_entered_utc, t.date_utc) AS approved_at,
    CASE WHEN k.charge_type = 'TIME' THEN CAST(round(nullif(k.rate_value, 0), 4) AS DECIMAL(18, 4)) END AS bill_rate,
    CAST(NULL AS VARCHAR) AS invoice_id,
    CAST(NULL AS TIMESTAMPTZ) AS erp_posted_at,
    coalesce(t.date_entered_utc, t.date_utc) AS updated_at,
    CASE WHEN k.task_id IS NULL THEN 'billable' END AS _problem_column,
    CASE
        WHEN k.task_id IS NULL THEN 'billable: the entry''s task ' || coalesce(t.task_id, '(none)')
            || ' is not among its Xero project''s tasks'
    END AS _problem_reason,
    CAST(to_json(t) AS VARCHAR) AS _source_row,
    t._dlt_load_id AS _source_load_id
FROM raw_xero.project_time AS t
CROSS JOIN cfg_defaults AS d
LEFT JOIN raw_xero.project_tasks AS k ON k.task_id = t.task_id AND k.project_id = t.project_id
WHERE t._wipcast_deleted_at IS NULL
