"""dbt's `exceptions` context variable."""

from __future__ import annotations


class CompilationError(Exception):
    pass


def raise_compiler_error(msg: str) -> None:
    raise CompilationError(msg)


def warn(msg: str) -> str:
    return ""
