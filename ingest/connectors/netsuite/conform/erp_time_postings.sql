-- NetSuite time (timebill) -> erp_time_postings: time as the ERP booked it, for the reconciliation.
-- A time bill flagged posted = F is not posted (left out); one the account does not flag counts as
-- posted. Rejected ones (approval status) are reversed.
-- time_entry_id: the externalid when it names a PSA time entry (as is, or harvest:<externalid>),
--   else the externalid itself (an entry the PSA does not know is the reconciliation's finding).
-- project_id: the project (its customer column is a job) resolved through _identity.sql, else
--   netsuite:<customer>. employee_id: connectors.identity_map (employees), else netsuite:<employee>.
-- hours: decimal text, or H:MM. amount: hours x rate (none: 0), in the project's currency (else the
--   subsidiary's). posted_at: lastmodifieddate (NetSuite keeps no posting time on a time bill).
-- accounting_period: the posting period's start, else the first day of the work date's month.
WITH base AS (
    SELECT
        tb.*,
        CASE
            WHEN tb.hours LIKE '%:%'
                THEN CAST(split_part(tb.hours, ':', 1) AS DOUBLE) + CAST(split_part(tb.hours, ':', 2) AS DOUBLE) / 60
            ELSE CAST(tb.hours AS DOUBLE)
        END AS hours_decimal,
        CAST(try_strptime(tb.trandate, ['%Y-%m-%d', '%m/%d/%Y']) AS DATE) AS work_day
    FROM raw_netsuite.time_bills AS tb
    WHERE tb._wipcast_deleted_at IS NULL AND coalesce(tb.posted, 'T') = 'T'
        AND NOT EXISTS (SELECT 1 FROM ns_deleted AS x WHERE x.recordtype = 'timebill' AND x.recordid = tb.id)
)

SELECT
    'netsuite:' || tb.id AS posting_id,
    coalesce(k.id, tb.externalid) AS time_entry_id,
    coalesce(j.project_id, 'netsuite:' || tb.customer) AS project_id,
    coalesce(e.canonical_id, 'netsuite:' || tb.employee) AS employee_id,
    tb.work_day AS work_date,
    tb.hours_decimal AS hours,
    CAST(round(tb.hours_decimal * coalesce(CAST(tb.rate AS DOUBLE), 0), 4) AS DECIMAL(18, 4)) AS amount,
    upper(coalesce(jo.currency_symbol, jc.symbol, s.currency_symbol, sc.symbol)) AS currency,
    timezone(d.timezone, CAST(try_strptime(tb.lastmodified, '%Y-%m-%dT%H:%M:%S') AS TIMESTAMP)) AS posted_at,
    coalesce(
        CAST(try_strptime(tb.periodstart, ['%Y-%m-%d', '%m/%d/%Y']) AS DATE), CAST(date_trunc('month', tb.work_day) AS DATE)
    ) AS accounting_period,
    CASE WHEN lower(coalesce(tb.approvalstatus, '')) = 'rejected' THEN 'reversed' ELSE 'posted' END AS status,
    'netsuite' AS source_system,
    CAST(to_json(tb) AS VARCHAR) AS _source_row,
    tb._dlt_load_id AS _source_load_id
FROM base AS tb
CROSS JOIN cfg_defaults AS d
LEFT JOIN ns_job AS j ON j.netsuite_id = tb.customer
LEFT JOIN raw_netsuite.jobs AS jo ON jo.id = tb.customer
LEFT JOIN raw_netsuite.currencies AS jc ON jc.id = jo.currency
LEFT JOIN raw_netsuite.subsidiaries AS s ON s.id = tb.subsidiary
LEFT JOIN raw_netsuite.currencies AS sc ON sc.id = s.currency
LEFT JOIN cfg_identity AS e ON e.entity = 'employees' AND e.source_system = 'netsuite' AND e.source_id = tb.employee
LEFT JOIN ns_known AS k ON k.entity = 'time_entries' AND k.id IN (tb.externalid, 'harvest:' || tb.externalid)
QUALIFY row_number() OVER (PARTITION BY tb.id ORDER BY k.id = tb.externalid DESC NULLS LAST) = 1
