-- Invariant: nobody logs more than 24 hours on one day, across all projects together
-- (ingest checks each entry; this checks their sum per person and day).
select
    employee_id,
    work_date,
    sum(hours) as hours_logged
from {{ ref('int_time_entries') }}
group by employee_id, work_date
having sum(hours) > 24
