"""What sqlfluff's jinja templater needs to render this dbt project's SQL without running dbt.

`.sqlfluff` points `library_path` here: every name below, and each module of this package
(`adapter`, `dbt`, `modules`, `exceptions`), becomes a variable of the Jinja context, next to
sqlfluff's own dbt builtins (ref, source, config, ...) and the macros of dbt_project/macros.
They render the DuckDB SQL dbt would compile, closely enough to lint it; dbt itself never
loads this package (it is outside the project's macro and model paths).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

_PROJECT = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text(encoding="utf-8"))
_MISSING = object()


def var(name: str, default: Any = _MISSING) -> Any:
    """dbt's var(): the project's default from dbt_project.yml (what an unconfigured run sees)."""
    project_vars = _PROJECT.get("vars") or {}
    if name in project_vars:
        return project_vars[name]
    if default is _MISSING:
        raise KeyError(f"var {name!r} is neither in dbt_project.yml nor given a default")
    return default


def env_var(name: str, default: str | None = None) -> str:
    return os.environ.get(name, default if default is not None else f"env_var_{name.lower()}")


# The profile's only target (profiles.yml).
target = SimpleNamespace(name="work", type="duckdb", schema="main", database="work", threads=1)

# dbt's `execute`: true while dbt runs or compiles a node (false while it parses the project).
execute = True
