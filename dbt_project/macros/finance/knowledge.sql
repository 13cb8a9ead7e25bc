{#- Point-in-time knowledge: what the finance models may count at an as-of date.
    int_as_of_dates gives each as-of date a knowledge_date: empty for the current (restated)
    view, where everything known today counts; the as-of date itself for "as reported at close",
    where only facts recorded by the end of that day count. -#}

{#- True when a fact recorded at `timestamp_expr` was known by `knowledge_date_expr` (always true
    for the restated view, whose knowledge_date is null). Dates compare as the other
    point-in-time models do (the timestamp's date on or before the as-of date). -#}
{% macro known_by(timestamp_expr, knowledge_date_expr) -%}
    ({{ knowledge_date_expr }} is null or cast({{ timestamp_expr }} as date) <= {{ knowledge_date_expr }})
{%- endmacro %}

{#- The history marts keep each as-of date once built (incremental) where the warehouse can
    merge; elsewhere (Spark without Delta) they are rebuilt in full each run. -#}
{% macro history_is_incremental() -%}
    {{ return(target.type != 'spark') }}
{%- endmacro %}

{#- As-of dates the history marts already hold, as 'YYYY-MM-DD' strings: int_as_of_dates leaves
    them out so a close is computed once and kept. Empty on a full refresh, before the first
    build, at parse time, where history is rebuilt every run, or outside dbt (sqlfluff's templater
    has no graph). The mart is looked up in the graph rather than ref'd: it is built from
    int_as_of_dates, so a ref would be a cycle. -#}
{% macro history_dates_built(history_model='mart_revenue_monthly_history') -%}
    {%- if not execute or graph is not defined or flags.FULL_REFRESH or not history_is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set nodes = graph.nodes.values() | selectattr('name', 'equalto', history_model) | list -%}
    {%- if nodes | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = nodes[0] -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if relation is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set result = run_query('select distinct cast(as_of_date as ' ~ type_varchar() ~ ') from ' ~ relation) -%}
    {{ return(result.columns[0].values() | map('string') | list) }}
{%- endmacro %}

{#- The `history_as_of_dates` var (a list of YYYY-MM-DD, or one such string) as date literals. -#}
{% macro history_as_of_dates_var() -%}
    {%- set raw = var('history_as_of_dates', []) -%}
    {%- set items = [raw] if raw is string else raw -%}
    {%- set literals = [] -%}
    {%- for item in items -%}
        {%- set text = item | string | trim -%}
        {%- if text and not modules.re.match('^\d{4}-\d{2}-\d{2}$', text) -%}
            {{ exceptions.raise_compiler_error(
                "var history_as_of_dates must list dates YYYY-MM-DD, got '" ~ text ~ "'"
            ) }}
        {%- endif -%}
        {%- if text -%}
            {%- set _ = literals.append("cast('" ~ text ~ "' as date)") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(literals) }}
{%- endmacro %}
