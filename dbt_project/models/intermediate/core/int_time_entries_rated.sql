{{ config(materialized='table') }}
-- Every time entry with its resolved bill rate, cost rate and values, in the project currency
-- and in the reporting currency.
--
-- Bill rate: the entry's own bill_rate (taken as project currency); else the project's rate
-- card row for the employee's role valid on the work date; else the firm-wide card (null
-- project_id) for that role valid on the work date; else none (rate_source = 'missing').
-- When two card rows overlap, the one with the latest valid_from wins. Card rates are converted
-- from the card's currency to the project currency at the work month's rates.
-- Cost: the employee's cost_rate (entity currency) converted to the project currency.
-- Card lookups run on distinct (project, role, day) keys rather than on every entry: there are
-- far fewer keys than entries at 10M rows.

with entries as (
    select * from {{ ref('int_time_entries') }}
),

employees as (
    select
        employee_id,
        role,
        region,
        entity_id,
        cost_rate,
        cost_currency
    from {{ ref('int_employee_cost_rates') }}
),

projects as (
    select
        project_id,
        currency,
        billing_type,
        status,
        end_date
    from {{ ref('int_projects') }}
),

fx as (
    select
        currency,
        month_start,
        rate_to_reporting
    from {{ ref('int_fx_rates_monthly') }}
),

rate_cards as (
    select
        project_id,
        role,
        bill_rate,
        currency,
        valid_from,
        valid_to,
        rate_card_id
    from {{ ref('int_rate_cards') }}
),

entries_enriched as (
    select
        entries.*,
        employees.role as employee_role,
        employees.region as employee_region,
        employees.entity_id as employee_entity_id,
        employees.cost_rate as employee_cost_rate,
        employees.cost_currency as employee_cost_currency,
        projects.currency as project_currency,
        projects.billing_type as project_billing_type,
        projects.status as project_status,
        projects.end_date as project_end_date,
        {{ month_start('entries.work_date') }} as work_month
    from entries
    left join employees
        on employees.employee_id = entries.employee_id
    left join projects
        on projects.project_id = entries.project_id
),

card_keys as (
    select distinct
        project_id,
        employee_role as role,
        work_date
    from entries_enriched
    where bill_rate is null
),

project_card_candidates as (
    select
        card_keys.project_id,
        card_keys.role,
        card_keys.work_date,
        rate_cards.bill_rate,
        rate_cards.currency,
        row_number() over (
            partition by card_keys.project_id, card_keys.role, card_keys.work_date
            order by rate_cards.valid_from desc, rate_cards.rate_card_id desc
        ) as preference
    from card_keys
    inner join rate_cards
        on rate_cards.project_id = card_keys.project_id
        and rate_cards.role = card_keys.role
        and rate_cards.valid_from <= card_keys.work_date
        and (rate_cards.valid_to is null or rate_cards.valid_to >= card_keys.work_date)
),

firm_card_keys as (
    select distinct
        role,
        work_date
    from card_keys
),

firm_card_candidates as (
    select
        firm_card_keys.role,
        firm_card_keys.work_date,
        rate_cards.bill_rate,
        rate_cards.currency,
        row_number() over (
            partition by firm_card_keys.role, firm_card_keys.work_date
            order by rate_cards.valid_from desc, rate_cards.rate_card_id desc
        ) as preference
    from firm_card_keys
    inner join rate_cards
        on rate_cards.project_id is null
        and rate_cards.role = firm_card_keys.role
        and rate_cards.valid_from <= firm_card_keys.work_date
        and (rate_cards.valid_to is null or rate_cards.valid_to >= firm_card_keys.work_date)
),

with_cards as (
    select
        entries_enriched.*,
        project_card.bill_rate as project_card_rate,
        project_card.currency as project_card_currency,
        firm_card.bill_rate as firm_card_rate,
        firm_card.currency as firm_card_currency
    from entries_enriched
    left join project_card_candidates as project_card
        on project_card.preference = 1
        and entries_enriched.bill_rate is null
        and project_card.project_id = entries_enriched.project_id
        and project_card.role = entries_enriched.employee_role
        and project_card.work_date = entries_enriched.work_date
    left join firm_card_candidates as firm_card
        on firm_card.preference = 1
        and entries_enriched.bill_rate is null
        and firm_card.role = entries_enriched.employee_role
        and firm_card.work_date = entries_enriched.work_date
),

resolved as (
    select
        with_cards.*,
        case
            when with_cards.bill_rate is not null then 'entry'
            when with_cards.project_card_rate is not null then 'project_card'
            when with_cards.firm_card_rate is not null then 'firm_card'
            else 'missing'
        end as rate_source,
        case
            when with_cards.bill_rate is not null then with_cards.project_currency
            when with_cards.project_card_rate is not null then with_cards.project_card_currency
            when with_cards.firm_card_rate is not null then with_cards.firm_card_currency
        end as rate_currency,
        cast(
            coalesce(with_cards.bill_rate, with_cards.project_card_rate, with_cards.firm_card_rate)
            as {{ type_double() }}
        ) as rate_in_rate_currency
    from with_cards
),

converted as (
    select
        resolved.*,
        project_fx.rate_to_reporting as fx_rate_to_reporting,
        -- a rate in another currency goes through the reporting currency: x * fx(from) / fx(to)
        case
            when resolved.rate_in_rate_currency is null then null
            when resolved.rate_currency = resolved.project_currency then resolved.rate_in_rate_currency
            else resolved.rate_in_rate_currency * rate_fx.rate_to_reporting / project_fx.rate_to_reporting
        end as resolved_bill_rate,
        case
            when resolved.employee_cost_rate is null then null
            when resolved.employee_cost_currency = resolved.project_currency
                then cast(resolved.employee_cost_rate as {{ type_double() }})
            else cast(resolved.employee_cost_rate as {{ type_double() }})
                * cost_fx.rate_to_reporting / project_fx.rate_to_reporting
        end as cost_rate_project_ccy
    from resolved
    left join fx as project_fx
        on project_fx.currency = resolved.project_currency
        and project_fx.month_start = resolved.work_month
    left join fx as rate_fx
        on rate_fx.currency = resolved.rate_currency
        and rate_fx.month_start = resolved.work_month
    left join fx as cost_fx
        on cost_fx.currency = resolved.employee_cost_currency
        and cost_fx.month_start = resolved.work_month
)

select
    time_entry_id,
    employee_id,
    project_id,
    work_date,
    hours,
    billable,
    approval_status,
    approved_at,
    bill_rate,
    invoice_id,
    erp_posted_at,
    updated_at,
    source_system,
    employee_role,
    employee_region,
    employee_entity_id,
    project_currency,
    project_billing_type,
    project_status,
    project_end_date,
    work_month,
    -- rates keep 6 decimals; values are money (4 decimals), computed from the unrounded rates
    round(resolved_bill_rate, 6) as resolved_bill_rate,
    rate_source,
    round(cost_rate_project_ccy, 6) as cost_rate_project_ccy,
    cast(round(hours * resolved_bill_rate, 4) as {{ type_money() }}) as bill_value,
    cast(round(hours * cost_rate_project_ccy, 4) as {{ type_money() }}) as cost_value,
    fx_rate_to_reporting,
    cast(round(hours * resolved_bill_rate * fx_rate_to_reporting, 4) as {{ type_money() }}) as bill_value_reporting,
    cast(round(hours * cost_rate_project_ccy * fx_rate_to_reporting, 4) as {{ type_money() }}) as cost_value_reporting
from converted
