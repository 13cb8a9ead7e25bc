{#- Which systems keep the books. When two systems hold one invoice (the PSA bills and its invoice
    syncs to the ERP), money counts once, from the ERP's view: the ERP is where receivables are
    collected and the ledger is closed. Systems named in var `erp_source_systems` (dbt_project.yml)
    are ERPs; any other source_system (a PSA, the canonical files) is not. -#}
{% macro erp_source_systems() -%}
    {{ return(var('erp_source_systems')) }}
{%- endmacro %}

{#- True when the row's source_system is one of the ERPs (case-insensitive); never when none is named. -#}
{% macro is_erp_source(source_system_expr) -%}
    {%- if erp_source_systems() | length == 0 -%}
        (1 = 0)
    {%- else -%}
        {%- set quoted = [] -%}
        {%- for system in erp_source_systems() -%}
            {%- do quoted.append("'" ~ (system | lower) ~ "'") -%}
        {%- endfor -%}
        (lower({{ source_system_expr }}) in ({{ quoted | join(', ') }}))
    {%- endif -%}
{%- endmacro %}
