"""Constants shared by the scenario tests (a module of its own: `from conftest import` is ambiguous
across test folders)."""

import datetime as dt

AS_OF = dt.date(2025, 12, 31)
SEED = 5
DRAWS = 300
ADJUSTED_YAML = """
name: fewer-wins
description: "=HYPERLINK(\\"http://evil\\")"
win_probability:
  - multiplier: 0.5
hiring:
  - role: Consultant
    practice: Alpha
    count: 2
    start_month: 2026-03-01
    demand_limited: false
"""
