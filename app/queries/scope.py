"""The global filters and the where-clauses they become on each grain (forecast rows, projects, people)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.queries.tables import (
    Table,
)
from app.warehouse_access import SqlParam


@dataclass(frozen=True)
class Filters:
    """Global filters chosen in the sidebar. Empty tuple = no restriction."""

    run_id: str | None = None
    entities: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()

    def by_dimension(self) -> dict[str, tuple[str, ...]]:
        return {
            "entity_id": self.entities,
            "region": self.regions,
            "practice": self.practices,
            "customer_id": self.customers,
        }

    @property
    def any_dimension(self) -> bool:
        return any(self.by_dimension().values())


@dataclass
class Clause:
    sql: str = ""
    params: list[SqlParam] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # filters this figure cannot honour (said on the page)


def _direct_clause(table: Table, f: Filters, alias: str) -> Clause:
    """Filter on dimension columns the table itself carries; report the ones it lacks."""
    clause = Clause()
    for dim, values in f.by_dimension().items():
        if not values:
            continue
        if table.has(dim):
            clause.sql += f" and list_contains(?, {table.c(dim, alias)})"
            clause.params.append(list(values))
        else:
            clause.ignored.append(dim)
    return clause


def _run_scope(
    table: Table, f: Filters, run_id: str, alias: str, start: dt.date | None = None, end: dt.date | None = None
) -> Clause:
    """Where-clause (without `where`) for one run's base scenario, months in [start, end] when given,
    restricted by the filters the forecast table carries; the others are reported as ignored."""
    dims = _direct_clause(table, f, alias)
    sql = f"{table.c('run_id', alias)} = ? and {table.c('scenario_id', alias)} = 'base'"
    params: list[SqlParam] = [run_id]
    if start is not None:
        sql += f" and {table.c('month', alias)} >= ?"
        params.append(start)
    if end is not None:
        sql += f" and {table.c('month', alias)} <= ?"
        params.append(end)
    return Clause(sql + dims.sql, params + dims.params, dims.ignored)


def _project_clause(project_col: str, f: Filters) -> Clause:
    """Restrict a project-grain table to the projects matching the filters (through dim_project)."""
    if not f.any_dimension:
        return Clause()
    p = Table("dim_project")
    conditions: list[str] = []
    params: list[SqlParam] = []
    join = ""
    for dim, values in f.by_dimension().items():
        if not values:
            continue
        if dim == "region":  # dim_project carries no region: a project's region is its customer's
            cust = Table("dim_customer")
            join = f" left join {cust.ref} fc on fc.{cust.c('customer_id')} = fp.{p.c('customer_id')}"
            conditions.append(f"list_contains(?, {cust.c('region', 'fc')})")
        else:
            conditions.append(f"list_contains(?, {p.c(dim, 'fp')})")
        params.append(list(values))
    sql = (
        f" and {project_col} in (select fp.{p.c('project_id')} from {p.ref} fp{join} where {' and '.join(conditions)})"
    )
    return Clause(sql, params)


def _employee_clause(employee_col: str, f: Filters) -> Clause:
    """Restrict an employee-grain table; customers do not apply to people and are reported as ignored."""
    e = Table("dim_employee")
    clause = Clause()
    conditions = []
    for dim, values in f.by_dimension().items():
        if not values:
            continue
        if dim == "customer_id" or not e.has(dim):
            clause.ignored.append(dim)
            continue
        conditions.append(f"list_contains(?, {e.c(dim, 'fe')})")
        clause.params.append(list(values))
    if conditions:
        clause.sql = (
            f" and {employee_col} in (select fe.{e.c('employee_id')} from {e.ref} fe where {' and '.join(conditions)})"
        )
    return clause
