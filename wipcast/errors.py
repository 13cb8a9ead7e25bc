"""User-facing errors: one line that says what failed and what to do."""

from __future__ import annotations


class WipcastError(Exception):
    """An error the user can act on. The CLI prints `what` and `hint` on one line, no traceback."""

    def __init__(self, what: str, hint: str = ""):
        super().__init__(what)
        self.what = what
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.what} — {self.hint}" if self.hint else self.what


class InputError(WipcastError):
    """A file, column, flag or field supplied by the user is wrong. Nothing was written."""
