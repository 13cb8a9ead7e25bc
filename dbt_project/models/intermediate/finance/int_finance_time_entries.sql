-- Time entries classified for revenue recognition and exposure at the current as-of date, with
-- every status as recorded today (the restated view of int_finance_time_entries_by_as_of).
select *
from {{ ref('int_finance_time_entries_by_as_of') }}
where is_current
