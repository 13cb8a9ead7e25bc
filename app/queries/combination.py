"""Whether a combination of filters matches anything at all: a contradictory one (a region and a legal entity
that share no project, say) is said as such instead of showing $0 everywhere."""

from __future__ import annotations

from app.queries.scope import Filters, _employee_clause, _project_clause, _run_scope
from app.queries.tables import Table, has_table
from app.warehouse_access import query

# What each kind of figure is counted over: projects (revenue, unbilled, receivables), people (utilization),
# the rows of a forecast run (which include run-rate work no project carries).
GRAINS = ("projects", "employees", "forecast")


def has_rows(f: Filters, grain: str) -> bool:
    """True when at least one row of the grain matches the filters (always, when no dimension is filtered
    or the warehouse lacks the table: then the page's own empty states speak)."""
    if not f.any_dimension:
        return True
    if grain == "projects" and has_table("dim_project"):
        p = Table("dim_project")
        clause = _project_clause(p.c("project_id", "p0"), f)
        sql = f"select count(*) as n from {p.ref} p0 where true{clause.sql}"
    elif grain == "employees" and has_table("dim_employee"):
        e = Table("dim_employee")
        clause = _employee_clause(e.c("employee_id", "e0"), f)
        if not clause.sql:  # only filters people are not broken down by: the page says they do not apply
            return True
        sql = f"select count(*) as n from {e.ref} e0 where true{clause.sql}"
    elif grain == "forecast" and f.run_id and has_table("forecast"):
        t = Table("forecast")
        clause = _run_scope(t, f, f.run_id, "t")
        sql = f"select count(*) as n from {t.ref} t where {clause.sql}"
    else:
        return True
    return bool(query(sql, tuple(clause.params))["n"].iloc[0])


def combination_is_empty(f: Filters, grains: tuple[str, ...]) -> bool:
    """True when the filters match no row of any grain the page reads."""
    return bool(grains) and f.any_dimension and not any(has_rows(f, g) for g in grains)
