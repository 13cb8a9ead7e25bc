-- Project x month financials at the current as-of date, with everything known today (the
-- restated view of int_finance_project_monthly_by_as_of, which the marts read).
select *
from {{ ref('int_finance_project_monthly_by_as_of') }}
where is_current
