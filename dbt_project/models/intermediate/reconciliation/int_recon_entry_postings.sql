{{ config(materialized='table') }}
-- Every time entry (int_recon_time_entries) with the ERP's postings of it (int_recon_postings, live
-- ones only): how many, their hours and reporting-currency amount, and how the first was matched.
-- is_posted: the ERP holds a live posting of it; a firm that loads no ERP view (no erp_time_postings
-- rows at all) relies on the PSA's own record instead (erp_posted_at on or before the as-of date).
-- is_posting_known: whether anything says what was posted: an ERP view, or a source whose entries carry
-- erp_posted_at at all (a source without any, such as Harvest, has nothing to reconcile against).
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

erp_view as (
    select count(*) > 0 as is_loaded from {{ ref('int_erp_time_postings') }}
),

sources_with_posting_record as (
    select distinct source_system
    from {{ ref('int_recon_time_entries') }}
    where erp_posted_at is not null
),

postings as (
    select
        matched_time_entry_id as time_entry_id,
        count(*) as live_postings,
        sum(hours) as posted_hours,
        sum(amount_reporting) as posted_amount_reporting,
        min(case when posting_rank = 1 then match_method end) as match_method
    from {{ ref('int_recon_postings') }}
    where is_live and matched_time_entry_id is not null
    group by matched_time_entry_id
)

select
    entries.*,
    erp_view.is_loaded as is_erp_view_loaded,
    coalesce(postings.live_postings, 0) as live_postings,
    postings.posted_hours,
    postings.posted_amount_reporting,
    postings.match_method,
    case
        when erp_view.is_loaded then postings.time_entry_id is not null
        else entries.erp_posted_at is not null and cast(entries.erp_posted_at as date) <= as_of.as_of_date
    end as is_posted,
    erp_view.is_loaded or recorded.source_system is not null as is_posting_known
from {{ ref('int_recon_time_entries') }} as entries
cross join as_of
cross join erp_view
left join postings
    on postings.time_entry_id = entries.time_entry_id
left join sources_with_posting_record as recorded
    on recorded.source_system = entries.source_system
