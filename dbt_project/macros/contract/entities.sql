{#- Staging and union of the canonical entities, driven by the contract (canonical_contract(),
    generated from wipcast/contract.py), so no model restates an entity's columns or types. -#}

{#- The columns of a contract entity in contract order, as [name, logical type] pairs. -#}
{% macro contract_columns(entity) -%}
    {%- set contract = canonical_contract() -%}
    {%- if entity not in contract -%}
        {{ exceptions.raise_compiler_error(
            "'" ~ entity ~ "' is not an entity of the canonical contract (wipcast/contract.py); it has: "
            ~ (contract.keys() | sort | join(', '))
        ) }}
    {%- endif -%}
    {{ return(contract[entity]) }}
{%- endmacro %}

{#- Staging of one canonical-shaped table: every column of the contract entity, in contract order,
    cast to its contract type, plus loaded_at (the load time from dlt's load id column). Nothing is
    renamed; rows a snapshot ingest marked deleted (deleted_at_column set) are left out when the
    table has that column (tables loaded before snapshot ingests existed do not). The canonical
    files land in raw_canonical (stage_canonical below); a connector that lands canonical-shaped
    tables for a vendor declares that schema as a dbt source and stages each table with
    stage_entity('<vendor source>', '<entity>'), naming the table or the bookkeeping columns when
    they differ. A source table that does not exist (a connector the firm has never synced) stages
    as an empty relation of the same columns and types, so its union branch costs nothing. -#}
{% macro stage_entity(
    source_name, entity, table_name=none, load_id_column='_dlt_load_id', deleted_at_column='deleted_at'
) -%}
    {%- set relation = source(source_name, table_name or entity) -%}
    {%- set ns = namespace(skip_deleted=false, exists=true) -%}
    {%- if execute -%}
        {%- set ns.exists = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) is not none -%}
    {%- endif -%}
    {%- if execute and ns.exists and deleted_at_column -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == deleted_at_column | lower -%}
                {%- set ns.skip_deleted = true -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {#- a table never loaded: no rows, in the contract's columns and types -#}
    {%- set typed_nulls = [] -%}
    {%- for column in contract_columns(entity) -%}
        {%- set _ = typed_nulls.append('cast(null as ' ~ contract_warehouse_type(column[1]) ~ ') as ' ~ column[0]) -%}
    {%- endfor -%}
    {%- set no_rows = '(select ' ~ typed_nulls | join(', ') ~ ', cast(null as ' ~ type_varchar() ~ ') as '
        ~ load_id_column ~ ' where 1 = 0) as never_loaded' %}
with source as (
    select * from {{ relation if ns.exists else no_rows }}
)

select
    {%- for column in contract_columns(entity) %}
    cast(source.{{ column[0] }} as {{ contract_warehouse_type(column[1]) }}) as {{ column[0] }},
    {%- endfor %}
    {{ dlt_load_timestamp('source.' ~ load_id_column) }} as loaded_at
from source
{{ 'where source.' ~ deleted_at_column ~ ' is null' if ns.skip_deleted else '' }}
{%- endmacro %}

{#- Staging of raw_canonical.<entity>, the canonical files loaded by `wipcast ingest`. -#}
{% macro stage_canonical(entity) -%}
    {{ return(stage_entity('raw_canonical', entity)) }}
{%- endmacro %}

{#- Union point of an entity: for each [source_system, relation] pair in `sources` (staging models
    of that entity), the contract's columns in contract order plus source_system, stacked with
    `union all` (an entity with a contract column source_system keeps a row's own value, when set).
    With `deduplicate_on` (a key column), one row per key value is kept: the canonical
    files' row when they have one, else the first source_system by name (for ids shared across
    sources, such as legal entities a connector's settings declare with the firm's own ids). -#}
{% macro union_entity(entity, sources, deduplicate_on=none) -%}
    {#- an entity whose contract has its own source_system column (a file may name the system, e.g.
        the PSA's and the ERP's view of an invoice) keeps that value; empty means the branch's -#}
    {%- set names = contract_columns(entity) | map(attribute=0) | list -%}
    {%- set own_source_system = 'source_system' in names -%}
    {%- set columns = names | reject('equalto', 'source_system') | join(',\n    ') -%}
    {%- if deduplicate_on %}
with unioned as (
    {%- endif %}
    {%- for source_system, relation in sources %}
        {%- if not loop.first %}

union all
{% endif %}
select
    {{ columns }},
    {{ "coalesce(source_system, '" ~ source_system ~ "')" if own_source_system else "'" ~ source_system ~ "'" }}
    as source_system
from {{ relation }}
    {%- endfor %}
    {%- if deduplicate_on %}
),

ranked as (
    select
        unioned.*,
        row_number() over (
            partition by {{ deduplicate_on }}
            order by case when source_system = 'canonical' then 0 else 1 end, source_system
        ) as source_rank
    from unioned
)

select
    {{ columns }},
    source_system
from ranked
where source_rank = 1
    {%- endif %}
{%- endmacro %}
