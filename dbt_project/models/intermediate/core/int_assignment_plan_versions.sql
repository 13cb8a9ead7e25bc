{{ config(materialized='table') }}
-- The resource plan as it was known on each plan date (grain: plan_date x assignment).
-- To find the plan as it stood on a date D, take the rows of the latest plan_date <= D.
--   1. assignment_snapshots (optional file): the plan on each snapshot_date.
--   2. the dbt snapshot history, for month ends after the last snapshot_date and before the
--      as-of date: the assignment versions valid at the end of that day.
--   3. the current assignments, with plan_date = the as-of date.

with file_snapshots as (
    select
        snapshot_date as plan_date,
        assignment_id,
        project_id,
        employee_id,
        role,
        start_date,
        end_date,
        hours_per_week
    from {{ ref('int_assignment_snapshots') }}
    where snapshot_date < {{ as_of_date() }}
),

last_file_snapshot as (
    select max(plan_date) as last_plan_date from file_snapshots
),

history as (
    select
        assignment_id,
        project_id,
        employee_id,
        role,
        start_date,
        end_date,
        hours_per_week,
        dbt_valid_from,
        dbt_valid_to
    from {{ ref('assignments_snapshot') }}
),

history_month_ends as (
    select distinct calendar.month_end as plan_date
    from {{ ref('int_calendar') }} as calendar
    cross join last_file_snapshot
    where calendar.month_end < {{ as_of_date() }}
        and calendar.month_end >= (select cast(min(history.dbt_valid_from) as date) from history)
        and (last_file_snapshot.last_plan_date is null or calendar.month_end > last_file_snapshot.last_plan_date)
),

history_versions as (
    select
        history_month_ends.plan_date,
        history.assignment_id,
        history.project_id,
        history.employee_id,
        history.role,
        history.start_date,
        history.end_date,
        history.hours_per_week
    from history_month_ends
    inner join history
        -- valid at the end of plan_date: began on or before it, not replaced by then
        on cast(history.dbt_valid_from as date) <= history_month_ends.plan_date
        and (history.dbt_valid_to is null or cast(history.dbt_valid_to as date) > history_month_ends.plan_date)
),

current_plan as (
    select
        {{ as_of_date() }} as plan_date,
        assignment_id,
        project_id,
        employee_id,
        role,
        start_date,
        end_date,
        hours_per_week
    from {{ ref('int_assignments') }}
),

unioned as (
    select * from file_snapshots
    union all
    select * from history_versions
    union all
    select * from current_plan
)

select
    cast(plan_date as date) as plan_date,
    assignment_id,
    project_id,
    employee_id,
    role,
    start_date,
    end_date,
    hours_per_week
from unioned
