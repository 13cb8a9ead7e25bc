-- Who owns each kind of exception: the rules of wipcast.toml's [[exceptions.owners]] (dbt var
-- exception_owners, which wipcast transform passes) over the seed exception_owner_routing. One owner
-- per (exception_type, practice): a configured rule replaces the seed's row for the same pair, and
-- the seed's rows route whatever the configuration leaves out.
{%- set rules = var('exception_owners', []) %}

with configured as (
    select
        exception_type,
        practice,
        owner,  -- noqa: RF04
        0 as rule_order
    from {{ ref('exception_owner_routing') }}
    where 1 = 0
    {%- for rule in rules %}
    union all
    select
        cast('{{ rule.exception_type | replace("'", "''") }}' as {{ type_varchar() }}) as exception_type,
        cast('{{ rule.practice | replace("'", "''") }}' as {{ type_varchar() }}) as practice,
        cast('{{ rule.owner | replace("'", "''") }}' as {{ type_varchar() }}) as owner,  -- noqa: RF04
        {{ loop.index }} as rule_order
    {%- endfor %}
),

combined as (
    -- a pair configured twice: the later rule wins, as a later line of a file would
    select
        exception_type,
        practice,
        owner,  -- noqa: RF04
        0 as source_rank,
        -rule_order as rule_rank
    from configured
    union all
    select
        exception_type,
        practice,
        owner,  -- noqa: RF04
        1 as source_rank,
        0 as rule_rank
    from {{ ref('exception_owner_routing') }}
),

ranked as (
    select
        exception_type,
        practice,
        owner,  -- noqa: RF04
        row_number() over (
            partition by exception_type, practice order by source_rank, rule_rank
        ) as pick
    from combined
)

select
    exception_type,
    practice,
    owner  -- noqa: RF04
from ranked
where pick = 1
