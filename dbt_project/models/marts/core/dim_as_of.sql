-- One row: the as-of date the point-in-time marts were built for, where it came from, and the
-- span of the data. The forecast's default as-of date and the dashboard's are this row.
select
    as_of_date,
    as_of_source,
    first_activity_date,
    latest_activity_date
from {{ ref('int_as_of') }}
