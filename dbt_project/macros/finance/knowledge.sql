{#- Point-in-time knowledge: what the finance models may count in an as-of view of int_as_of_dates.
    In the current (restated) view everything known today counts; in a point-in-time view ("as
    reported at close") only facts recorded by the end of its as-of date. -#}

{#- True when a fact recorded at `timestamp_expr` counts in the view `view` (an alias of a row of
    int_as_of_dates): always in the current view, else when recorded on or before its as-of date
    (the timestamp's date, as the other point-in-time models compare). -#}
{% macro known_by(timestamp_expr, view) -%}
    ({{ view }}.is_current or cast({{ timestamp_expr }} as date) <= {{ view }}.as_of_date)
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

{#- The `history_closes` var (how many month ends before the as-of date the history marts keep),
    checked to be a whole number from 0. -#}
{% macro history_closes_var() -%}
    {%- set text = var('history_closes', 24) | string | trim -%}
    {%- if not modules.re.match('^\d+$', text) -%}
        {{ exceptions.raise_compiler_error(
            "var history_closes must be a whole number of month ends (0 or more), got '" ~ text ~ "'"
        ) }}
    {%- endif -%}
    {{ return(text | int) }}
{%- endmacro %}
