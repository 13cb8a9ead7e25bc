"""Deletes upstream (Harvest signals none) and rows the settings cannot complete."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.connectors import run
from simulator.serve import FixtureServer
from simulator.shapes.harvest_api import HarvestDemoApi
from wipcast.settings import Settings

from .conftest import harvest_url
from .helpers import count, query


def test_full_refresh_marks_vanished_rows_deleted(
    settings: Settings, server: FixtureServer, api: HarvestDemoApi
) -> None:
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    gone_entry = api.harvest["time_entries"].pop(0)["id"]
    gone_invoice = api.harvest["invoices"].pop(1)["id"]  # 13150378, with its line and payment
    api.children["invoice_payments"].pop(str(gone_invoice))

    run.sync(settings, "harvest", "r2", base_url=harvest_url(server))  # incremental: deletes are invisible
    assert count(settings, "conformed_harvest.time_entries") == 4

    result = run.sync(settings, "harvest", "r3", full_refresh=True, base_url=harvest_url(server))
    assert result.mode == "full_refresh"
    assert result.marked_deleted["time_entries"] == 1 and result.marked_deleted["invoices"] == 1
    assert result.marked_deleted["invoice_payments"] == 1
    # kept in raw with a marker ...
    marked = query(settings, "select id from raw_harvest.time_entries where _wipcast_deleted_at is not null")
    assert marked == [(gone_entry,)]
    assert count(settings, "raw_harvest.time_entries") == 4
    # ... and out of the conformed output, children included
    assert count(settings, "conformed_harvest.time_entries") == 3
    assert count(settings, "conformed_harvest.time_entries", f"time_entry_id = 'harvest:{gone_entry}'") == 0
    assert count(settings, "conformed_harvest.invoices") == 1
    assert count(settings, "conformed_harvest.invoice_lines") == 2
    assert count(settings, "conformed_harvest.payments") == 0
    # the full refresh read everything from the start, without moving the stored cursor
    first = [r for r in server.requests if r.path == "/v2/time_entries"][-1]
    assert first.query.get("updated_since") == "2000-01-01T00:00:00Z"
    removed = query(settings, "select sum(rows_deleted) from ops.load_log where run_id = 'r3'")
    assert removed == [(4,)]  # 1 entry + 1 invoice + 1 line + 1 payment

    # a row that comes back is live again
    api.harvest["time_entries"].append({**json.loads(json.dumps(_entry(api))), "id": gone_entry})
    run.sync(settings, "harvest", "r4", full_refresh=True, base_url=harvest_url(server))
    assert count(settings, "raw_harvest.time_entries", "_wipcast_deleted_at is not null") == 0
    assert count(settings, "conformed_harvest.time_entries") == 4


def _entry(api: HarvestDemoApi) -> dict[str, object]:
    return dict(api.harvest["time_entries"][0])


def test_a_user_without_practice_quarantines_the_user_and_their_time(
    settings: Settings, server: FixtureServer, workdir: Path
) -> None:
    # Kim Allen (1782959), who logged all four documented entries, has no practice anywhere
    (workdir / "users.csv").write_text("harvest_user_id,practice\n1782884,Strategy\n3230547,Digital\n")
    result = run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    reasons = query(
        settings,
        "select entity, source_file, column_name, reason, raw_row from ops.quarantine where run_id = 'r1' order by 1",
    )
    by_entity = {}
    for entity, source, column, reason, raw in reasons:
        by_entity.setdefault(entity, []).append((source, column, reason, json.loads(raw)))
    (user,) = by_entity["employees"]
    assert user[0].startswith("harvest:users@") and user[1] == "practice"
    assert "connectors.harvest.default_practice" in user[2] and "connectors.harvest.users_file" in user[2]
    assert user[3]["source"]["id"] == 1782959 and user[3]["conformed"]["employee_id"] == "harvest:1782959"
    entries = by_entity["time_entries"]
    assert len(entries) == 4
    assert all(e[1] == "employee_id" and "connectors.harvest.default_practice" in e[2] for e in entries)
    assert all(e[0].startswith("harvest:time_entries@") for e in entries)
    assert count(settings, "conformed_harvest.time_entries") == 0
    # the load log reconciles per resource: read = loaded + quarantined
    log = dict(
        (src.split("@")[0], (read, loaded, bad))
        for src, read, loaded, bad in query(
            settings, "select source_file, rows_read, rows_loaded, rows_quarantined from ops.load_log"
        )
    )
    assert log["harvest:users"] == (3, 2, 1) and log["harvest:time_entries"] == (4, 0, 4)
    assert any("connectors.harvest.users_file" in line for line in result.summary_lines())

    # fill the setting and replay from raw: no network needed
    server.stop()
    (workdir / "users.csv").write_text("harvest_user_id,practice\n1782959,Digital\n1782884,Strategy\n3230547,Digital\n")
    fixed = run.reconform(settings, "harvest", "r2")
    assert fixed.rows_quarantined == 0
    assert count(settings, "conformed_harvest.time_entries") == 4


def test_bad_settings_fail_before_any_request(settings: Settings, server: FixtureServer, workdir: Path) -> None:
    import pytest

    from wipcast.errors import InputError

    toml = (workdir / "wipcast.toml").read_text()
    (workdir / "wipcast.toml").write_text(toml.replace("lag_seconds = 60", "lag_secs = 60"))
    with pytest.raises(InputError) as info:
        run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    assert "lag_secs" in info.value.one_line() and "lag_seconds" in info.value.one_line()
    (workdir / "wipcast.toml").write_text(toml.replace('users_file = "users.csv"', 'users_file = "nope.csv"'))
    with pytest.raises(InputError) as info:
        run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    assert "connectors.harvest.users_file" in info.value.one_line()
    assert server.requests == []


def test_mapped_values_in_a_wrong_format(settings: Settings, server: FixtureServer, workdir: Path) -> None:
    import pytest

    from wipcast.errors import WipcastError

    users = "harvest_user_id,practice,hire_date\n1782959,Digital,2019-04-01\n1782884,Strategy,04/01/2019\n"
    (workdir / "users.csv").write_text(users + "3230547,Digital,\n")
    run.sync(settings, "harvest", "r1", base_url=harvest_url(server))
    reasons = query(settings, "select reason from ops.quarantine where run_id = 'r1' and entity = 'employees'")
    assert reasons == [("hire_date is not a valid date (YYYY-MM-DD)",)]  # one bad value: that row only
    # every value unreadable: the column is in the wrong format, nothing is loaded, the fix is named
    (workdir / "users.csv").write_text(users.replace("2019-04-01", "01.04.2019") + "3230547,Digital,5/5/2020\n")
    with pytest.raises(WipcastError) as info:
        run.reconform(settings, "harvest", "r2")
    line = info.value.one_line()
    assert "column hire_date: none of its 3 value(s) can be read as a date" in line
    assert "wipcast connectors reconform harvest" in line
