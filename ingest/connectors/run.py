"""Orchestration: sync (extract, conform, load, log), reconform (no network), check, status.

Settings and mapping files are read and checked before any request, so a typo costs no API
calls. After the raw load, conform re-derives the whole source; ops.load_log then holds, per
resource, rows_read (rows conformed from raw) = rows_loaded + rows_quarantined, with the source
named `<vendor>:<resource>@<load_id>`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingest.connectors import config as cfg
from ingest.connectors import conform, credentials, dltenv, extract, failures, load, opslog, registry
from ingest.connectors.spec import Connector, SourceOptions
from wipcast.errors import InputError, WipcastError
from wipcast.settings import Settings
from wipcast.warehouse import table_exists, work_connection

Progress = Callable[[str, float, float], None]
FAR_FUTURE = "9999-12-31T23:59:59Z"
STEPS = 4.0


@dataclass
class SyncResult:
    connector: Connector
    run_id: str
    mode: str
    load_id: str
    extracted: dict[str, int]
    cursors_after: dict[str, Any]
    marked_deleted: dict[str, int]
    entities: dict[str, conform.EntityResult]
    removed: dict[str, int]
    unresolved: int

    @property
    def rows_loaded(self) -> int:
        return sum(r.valid.num_rows for r in self.entities.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(r.quarantined.num_rows for r in self.entities.values())

    def summary_lines(self) -> list[str]:
        c = self.connector
        lines = []
        if self.mode != "reconform":
            extracted = sum(n for t, n in self.extracted.items() if "__" not in t)
            lines.append(f"{c.label}: {extracted:,} rows extracted into {c.raw_schema} ({self.mode})")
        deleted = sum(self.marked_deleted.values())
        if deleted:
            lines.append(f"  {deleted:,} rows vanished upstream: marked deleted in {c.raw_schema}")
        lines.append(
            f"conformed {self.rows_loaded + self.rows_quarantined:,} rows into {c.conformed_schema}: "
            f"{self.rows_loaded:,} loaded, {self.rows_quarantined:,} quarantined"
            + (
                f", {sum(self.removed.values()):,} no longer in the source removed"
                if any(self.removed.values())
                else ""
            )
        )
        for name, result in self.entities.items():
            for reason, count in sorted(result.reasons.items()):
                lines.append(f"  {name}: {count:,} × {reason}")
        if self.rows_quarantined:
            lines.append(f"  see: select * from ops.quarantine where run_id = '{self.run_id}'")
        if self.unresolved:
            lines.append(
                f"  {self.unresolved:,} unresolved reference(s): see ops.identity_exceptions "
                f"where run_id = '{self.run_id}'"
            )
        return lines


def today() -> dt.date:
    """The sync day (UTC): dates Forecast's plan snapshot. A function so tests can move the clock."""
    return dt.datetime.now(dt.UTC).date()


def _report(progress: Progress | None) -> Progress:
    return progress or (lambda description, completed, total: None)


def _base_url(connector: Connector, config: cfg.ConnectorConfig, override: str | None) -> str:
    url = override or config.text("base_url") or connector.default_base_url
    if not url.startswith(("http://", "https://")):
        raise InputError(
            f"base URL {url!r} is not an http(s) URL", "pass e.g. --base-url https://api.harvestapp.com/v2/"
        )
    return url if url.endswith("/") else url + "/"


def _initial(config: cfg.ConnectorConfig) -> str:
    value = config.text("initial_sync_from")
    if value is None:
        return "2000-01-01T00:00:00Z"
    try:
        return dt.date.fromisoformat(value).isoformat() + "T00:00:00Z"
    except ValueError:
        raise InputError(f"{config.setting('initial_sync_from')} is {value!r}", "use a date YYYY-MM-DD") from None


def _tables(connector: Connector, config: cfg.ConnectorConfig, as_of: dt.date) -> dict[str, pa.Table]:
    return {**connector.config_tables(config, as_of), "cfg_identity": cfg.identity_table(config)}


def sync(
    settings: Settings,
    name: str,
    run_id: str,
    since: dt.date | None = None,
    full_refresh: bool = False,
    base_url: str | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """Extract the vendor into raw_<vendor>, then conform and load conformed_<vendor>.

    Every sync writes its ops.sync_runs rows, a failed one too (status failed and the one-line error),
    before the error reaches the user unchanged.
    """
    report = _report(progress)
    connector = registry.get(name)
    if since is not None and full_refresh:
        raise InputError("--since and --full-refresh cannot be combined", "a full refresh already reads everything")
    started = dt.datetime.now(dt.UTC)
    reading = extract.Reading()
    mode = "full_refresh" if full_refresh else "incremental"
    try:
        config = cfg.load_connector_config(connector.vendor, connector.settings_keys)
        day = today()
        as_of = settings.as_of or day
        tables = _tables(connector, config, as_of)  # settings errors surface before any request
        url = _base_url(connector, config, base_url)
        creds = credentials.resolve(connector)
        if connector.resolve_base_url is not None:
            url = connector.resolve_base_url(url, creds)

        initial, end = _initial(config), None
        if full_refresh:
            end = FAR_FUTURE
        elif since is not None:
            initial = since.isoformat() + "T00:00:00Z"
            if settings.work_db.exists():
                with work_connection(settings) as con:
                    if opslog.has_cursor(con, connector.vendor):
                        end, mode = FAR_FUTURE, "backfill"
        options = SourceOptions(base_url=url, config=config, initial_value=initial, end_value=end, today=day)

        report(f"extracting {connector.label}", 0, STEPS)
        result = extract.extract(settings, connector, run_id, options, creds, full_refresh, reading)
        load_id = result.load_id or latest_load_id(settings, connector) or run_id
        return _conform_and_load(
            settings,
            connector,
            run_id,
            mode,
            url,
            load_id,
            tables,
            report,
            result.rows,
            result.cursors_after,
            result.marked_deleted,
            _Runs(started, reading),
        )
    except Exception as exc:
        _record_failure(settings, connector, run_id, mode, started, reading, exc)
        raise


@dataclass(frozen=True)
class _Runs:
    """What a sync (not a reconform) needs to write its ops.sync_runs rows."""

    started_at: dt.datetime
    reading: extract.Reading


def _full_read(mode: str, resource: str, reading: extract.Reading) -> bool:
    """A full refresh, or the resource's first read (a resource with no cursor of its own is listed in
    full for each parent it is read for). A backfill and an incremental window are not."""
    return mode == "full_refresh" or (mode == "incremental" and resource not in reading.cursors_before)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, WipcastError):
        return exc.one_line()
    lines = str(exc).strip().splitlines()
    return (f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__)[:300]


def _record_failure(
    settings: Settings,
    connector: Connector,
    run_id: str,
    mode: str,
    started: dt.datetime,
    reading: extract.Reading,
    exc: BaseException,
) -> None:
    """ops.sync_runs rows of a failed sync (every resource failed: nothing was loaded). Best effort: a
    warehouse that cannot take them must not hide the error the user needs."""
    finished = dt.datetime.now(dt.UTC)
    error = _one_line(exc)
    failed = failures.failed_resource(exc)
    tally = reading.tally
    names = reading.resources or ["*"]
    runs = []
    for name in names:
        counts = tally.resources.get(name)
        retries = counts.retries if counts else 0
        if name == (failed if failed in names else names[-1]):
            retries += tally.unclaimed  # every try of a request lost its connection: the failing one's
        cursor = reading.cursors_before.get(name)
        runs.append(
            opslog.SyncRun(
                run_id,
                connector.vendor,
                name,
                mode,
                started,
                finished,
                "failed",
                name != "*" and _full_read(mode, name, reading),
                counts.reported if counts else None,
                None,
                None,
                None,
                None,
                cursor,
                cursor,
                retries if reading.resources else None,
                error,
            )
        )
    try:
        settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
        with work_connection(settings) as con:
            opslog.record_runs(con, runs)
    except Exception:  # noqa: BLE001, S110 - the sync's own error is the one to show
        pass


def _success_runs(connector: Connector, runs: _Runs, result: SyncResult, finished: dt.datetime) -> list[opslog.SyncRun]:
    reading = runs.reading
    by_resource: dict[str, list[conform.EntityResult]] = {}
    for step in connector.conform_steps:
        if step.entity in result.entities:
            by_resource.setdefault(step.resource, []).append(result.entities[step.entity])
    rows = []
    for name in reading.resources:
        counts = reading.tally.resources.get(name)
        entities = by_resource.get(name)
        rows.append(
            opslog.SyncRun(
                result.run_id,
                connector.vendor,
                name,
                result.mode,
                runs.started_at,
                finished,
                "success",
                _full_read(result.mode, name, reading),
                counts.reported if counts else None,
                result.extracted.get(name, 0),
                counts.filtered if counts else None,
                sum(e.valid.num_rows for e in entities) if entities else None,
                sum(e.quarantined.num_rows for e in entities) if entities else None,
                reading.cursors_before.get(name),
                result.cursors_after.get(name, reading.cursors_before.get(name)),
                counts.retries if counts else 0,
                None,
            )
        )
    return rows


def reconform(settings: Settings, name: str, run_id: str, progress: Progress | None = None) -> SyncResult:
    """Replay the mapping from raw_<vendor> with today's settings; no network, no credentials."""
    connector = registry.get(name)
    config = cfg.load_connector_config(connector.vendor, connector.settings_keys)
    as_of = settings.as_of or today()
    tables = _tables(connector, config, as_of)
    load_id = latest_load_id(settings, connector)
    if load_id is None:
        raise WipcastError(
            f"nothing to reconform: {connector.raw_schema} holds no load",
            f"extract first with `wipcast ingest {connector.name}`",
        )
    return _conform_and_load(
        settings, connector, run_id, "reconform", None, load_id, tables, _report(progress), {}, {}, {}
    )


def latest_load_id(settings: Settings, connector: Connector) -> str | None:
    if not settings.work_db.exists():
        return None
    with work_connection(settings) as con:
        if not table_exists(con, connector.raw_schema, "_dlt_loads"):
            return None
        rows = con.execute(f"select max(load_id) from {connector.raw_schema}._dlt_loads where status = 0").fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def _conform_and_load(
    settings: Settings,
    connector: Connector,
    run_id: str,
    mode: str,
    url: str | None,
    load_id: str,
    tables: dict[str, pa.Table],
    report: Progress,
    extracted: dict[str, int],
    cursors: dict[str, Any],
    marked: dict[str, int],
    runs: _Runs | None = None,
) -> SyncResult:
    report(f"conforming {connector.raw_schema}", 1, STEPS)
    output = conform.conform(connector, settings.work_db, tables, load_id)
    report(f"loading {connector.conformed_schema}", 2, STEPS)
    removed = load.load_conformed(settings, connector, run_id, {e: r.valid for e, r in output.entities.items()})
    report("writing ops logs", 3, STEPS)
    src = connector.source_system
    files = [
        (
            r.entity,
            f"{src}:{r.resource}@{load_id}",
            r.rows_read,
            r.valid.num_rows,
            r.quarantined.num_rows,
            removed[r.entity],
        )
        for r in output.entities.values()
    ]
    quarantined = []
    for r in output.entities.values():
        if r.quarantined.num_rows == 0:
            continue
        loads = r.quarantined.column("source_load_id").fill_null(load_id)
        for row_load in sorted(set(loads.to_pylist())):
            part = r.quarantined.filter(pc.equal(loads, row_load)).drop_columns(["source_load_id"])
            quarantined.append((r.entity, f"{src}:{r.resource}@{row_load}", part))
    result = SyncResult(
        connector,
        run_id,
        mode,
        load_id,
        extracted,
        cursors,
        marked,
        output.entities,
        removed,
        output.unresolved.num_rows,
    )
    with work_connection(settings) as con:
        opslog.write_load_log(con, run_id, files, quarantined, load_id)
        opslog.record_identity_exceptions(con, run_id, src, output.unresolved)
        opslog.record_sync(
            con,
            opslog.SyncRecord(
                run_id,
                connector.vendor,
                mode,
                url,
                None if mode == "reconform" else load_id,
                extracted,
                {},
                cursors,
                marked,
                result.rows_loaded,
                result.rows_quarantined,
            ),
        )
        if runs is not None:
            opslog.record_runs(con, _success_runs(connector, runs, result, dt.datetime.now(dt.UTC)))
    report("done", STEPS, STEPS)
    return result


def check(name: str, base_url: str | None = None) -> str:
    """Credentials plus one cheap authenticated call; returns what to print."""
    from dlt.sources.helpers import requests as dlt_requests

    connector = registry.get(name)
    config = cfg.load_connector_config(connector.vendor, connector.settings_keys)
    url = _base_url(connector, config, base_url)
    creds = credentials.resolve(connector)
    if connector.resolve_base_url is not None:
        url = connector.resolve_base_url(url, creds)
    target = url + connector.check_path
    method = "GET" if connector.check_json is None else "POST"
    try:
        with dltenv.quiet():
            auth = connector.check_auth
            headers = connector.check_headers(creds) if auth is None else auth(url, creds)
            if connector.check_json is None:
                response = dlt_requests.get(target, headers=headers, timeout=30)
            else:
                response = dlt_requests.post(target, headers=headers, json=connector.check_json, timeout=30)
            response.json()
    except Exception as exc:
        raise failures.describe(connector, exc, url) from exc
    return f"{connector.label} accepted the credentials at {url} ({method} {connector.check_path} answered HTTP 200)"


@dataclass(frozen=True)
class Status:
    connector: Connector
    configured: bool  # credentials resolvable (never shown)
    last_sync: dict[str, Any] | None
    rows: dict[str, int]  # conformed table -> rows


def status(settings: Settings) -> list[Status]:
    found = []
    for connector in registry.CONNECTORS.values():
        try:
            credentials.resolve(connector)
            configured = True
        except InputError:
            configured = False
        last, rows = None, {}
        if settings.work_db.exists():
            with _read_only(settings) as con:
                last = opslog.last_sync(con, connector.vendor)
                for step in connector.conform_steps:
                    if table_exists(con, connector.conformed_schema, step.entity):
                        count = con.execute(f"select count(*) from {connector.conformed_schema}.{step.entity}")
                        rows[step.entity] = int(count.fetchall()[0][0])
        found.append(Status(connector, configured, last, rows))
    return found


@contextlib.contextmanager
def _read_only(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """`list` only reads: a read-only connection, and a busy warehouse is one line."""
    try:
        con = duckdb.connect(str(settings.work_db), read_only=True)
    except duckdb.Error as exc:
        raise WipcastError(
            f"cannot read the working warehouse {settings.work_db} ({str(exc).splitlines()[0]})",
            "a wipcast step is writing it; run `wipcast connectors list` when it has finished",
        ) from None
    try:
        yield con
    finally:
        con.close()


def run_sources(cwd: Path | None = None) -> list[str]:
    """What `wipcast run` ingests, in order: `files`, or connector names (CLI spelling: harvest-forecast).

    From `[sources] run` in wipcast.toml (default: the files alone, as before connectors). Each name at
    most once; unknown names fail before anything is written, naming the known ones.
    """
    names = cfg.load_run_sources(cwd)
    known = [cfg.FILES_SOURCE, *registry.CONNECTORS]
    found: list[str] = []
    for name in names:
        key = name if name == cfg.FILES_SOURCE else name.replace("_", "-")
        if key not in known:
            raise InputError(
                f"sources.run in wipcast.toml names {name!r}, which is not a source", f"known: {', '.join(known)}"
            )
        if key in found:
            raise InputError(f"sources.run in wipcast.toml names {name!r} twice", "list each source once")
        found.append(key)
    vendors = {registry.CONNECTORS[k].vendor: i for i, k in enumerate(found) if k != cfg.FILES_SOURCE}
    for key in found:
        if key == cfg.FILES_SOURCE:
            continue
        connector = registry.CONNECTORS[key]
        late = [dep for dep in connector.depends_on if vendors.get(dep, -1) > vendors[connector.vendor]]
        if late:  # its references resolve against the conformed rows of the sources it depends on
            raise InputError(
                f"sources.run in wipcast.toml lists {key} before {', '.join(late)}, whose ids it refers to",
                f"list {', '.join(late)} first",
            )
    return found
