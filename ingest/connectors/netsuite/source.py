"""The NetSuite extraction as one declarative dlt REST source over SuiteQL.

Every resource is one SuiteQL query, `POST services/rest/query/v1/suiteql` with `Prefer: transient`
and the query as `{"q": ...}`, paged by `limit`/`offset` while `hasMore` (paging.SuiteQLPaginator).
Changing records are read incrementally: the query starts at the cursor (`lastmodifieddate >=`,
less a lag) and orders by `lastmodifieddate, id`, so a window can restart at the last value read
when the 100,000-row cap is near. Currency rates are windowed by their effective date. Small
reference tables (subsidiaries, currencies) are read whole every run. Deletes come from SuiteQL's
`deletedrecord` (windowed on the deletion time); the conform SQL leaves the deleted records out.

SuiteQL returns every value as text, leaves null columns out of the item, and writes dates in the
user's preference (M/D/YYYY) unless formatted: every date is formatted with TO_CHAR here, and the
conform SQL still reads either form. Column keys are lower case; each item's empty `links` is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from requests import Response

from ingest.connectors import rawcols, tally
from ingest.connectors.netsuite import auth
from ingest.connectors.netsuite import settings as ns
from ingest.connectors.netsuite.paging import SuiteQLPaginator, date_literal, timestamp_literal
from ingest.connectors.spec import Credentials, SourceOptions
from wipcast.errors import WipcastError

STAMP = "'YYYY-MM-DD HH24:MI:SS'"
DAY = "'YYYY-MM-DD'"


def _modified(alias: str) -> str:
    return f"TO_CHAR({alias}.lastmodifieddate, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS lastmodified"


def _day(column: str, name: str) -> str:
    return f"TO_CHAR({column}, {DAY}) AS {name}"


def _since(alias: str, start: str) -> str:
    """The window predicate (the demo server matches it: keep the form)."""
    return f"{alias}.lastmodifieddate >= TO_TIMESTAMP('{start}', {STAMP})"


@dataclass(frozen=True)
class Query:
    name: str  # resource and raw table
    primary_key: tuple[str, ...]
    columns: str  # rawcols spec: every column the conform SQL reads (absent ones are null)
    sql: Callable[[str], str]  # window start literal -> SuiteQL; a whole-table query ignores it
    cursor: str | None = None  # result column the window and the dlt cursor follow
    by_date: bool = False  # the cursor is a date (TO_DATE) rather than a timestamp


QUERIES: tuple[Query, ...] = (
    Query(
        "subsidiaries",
        ("id",),
        "id text, name text, fullname text, country text, currency text, currency_symbol text, "
        "iselimination text, isinactive text, parent text",
        lambda _start: (
            "SELECT s.id, s.name, s.fullname, s.country, s.currency, c.symbol AS currency_symbol, "
            "s.iselimination, s.isinactive, s.parent FROM subsidiary s LEFT JOIN currency c ON c.id = s.currency "
            "ORDER BY s.id"
        ),
    ),
    Query(
        "currencies",
        ("id",),
        "id text, symbol text, name text, isbasecurrency text, isinactive text",
        lambda _start: "SELECT c.id, c.symbol, c.name, c.isbasecurrency, c.isinactive FROM currency c ORDER BY c.id",
    ),
    Query(
        "currency_rates",
        ("id",),
        "id text, basecurrency text, transactioncurrency text, exchangerate text, effectivedate text",
        lambda start: (
            "SELECT r.id, r.basecurrency, r.transactioncurrency, r.exchangerate, "
            f"{_day('r.effectivedate', 'effectivedate')} FROM currencyrate r "
            f"WHERE r.effectivedate >= TO_DATE('{start}', {DAY}) ORDER BY r.effectivedate, r.id"
        ),
        cursor="effectivedate",
        by_date=True,
    ),
    Query(
        "customers",
        ("id",),
        "id text, entityid text, companyname text, altname text, firstname text, lastname text, isperson text, "
        "isinactive text, subsidiary text, currency text, currency_symbol text, externalid text, lastmodified text",
        lambda start: (
            "SELECT c.id, c.entityid, c.companyname, c.altname, c.firstname, c.lastname, c.isperson, c.isinactive, "
            "c.subsidiary, c.currency, cur.symbol AS currency_symbol, c.externalid, "
            f"{_modified('c')} FROM customer c LEFT JOIN currency cur ON cur.id = c.currency "
            f"WHERE {_since('c', start)} ORDER BY c.lastmodifieddate, c.id"
        ),
        cursor="lastmodified",
    ),
    Query(
        "jobs",
        ("id",),
        "id text, entityid text, companyname text, altname text, parent text, subsidiary text, currency text, "
        "currency_symbol text, jobbillingtype text, jobtype text, entitystatus text, isinactive text, "
        "externalid text, startdate text, projectedenddate text, estimatedtimeoverride text, lastmodified text",
        lambda start: (
            "SELECT j.id, j.entityid, j.companyname, j.altname, j.parent, j.subsidiary, j.currency, "
            "cur.symbol AS currency_symbol, j.jobbillingtype, BUILTIN.DF(j.jobtype) AS jobtype, "
            "BUILTIN.DF(j.entitystatus) AS entitystatus, j.isinactive, j.externalid, "
            f"{_day('j.startdate', 'startdate')}, {_day('j.projectedenddate', 'projectedenddate')}, "
            f"j.estimatedtimeoverride, {_modified('j')} FROM job j LEFT JOIN currency cur ON cur.id = j.currency "
            f"WHERE {_since('j', start)} ORDER BY j.lastmodifieddate, j.id"
        ),
        cursor="lastmodified",
    ),
    Query(
        "invoices",
        ("id",),
        "id text, tranid text, entity text, subsidiary text, currency text, currency_symbol text, exchangerate text, "
        "foreigntotal text, foreignamountunpaid text, status text, voided text, trandate text, duedate text, "
        "memo text, lastmodified text",
        lambda start: (
            "SELECT t.id, t.tranid, t.entity, ml.subsidiary, t.currency, cur.symbol AS currency_symbol, "
            "t.exchangerate, t.foreigntotal, t.foreignamountunpaid, BUILTIN.DF(t.status) AS status, t.voided, "
            f"{_day('t.trandate', 'trandate')}, {_day('t.duedate', 'duedate')}, t.memo, {_modified('t')} "
            "FROM transaction t LEFT JOIN transactionline ml ON ml.transaction = t.id AND ml.mainline = 'T' "
            "LEFT JOIN currency cur ON cur.id = t.currency "
            f"WHERE t.type = 'CustInvc' AND {_since('t', start)} ORDER BY t.lastmodifieddate, t.id"
        ),
        cursor="lastmodified",
    ),
    Query(
        "invoice_lines",
        ("transaction", "line"),
        "transaction text, line text, linesequencenumber text, item text, item_name text, entity text, "
        "quantity text, foreignamount text, memo text, lastmodified text",
        lambda start: (
            "SELECT tl.transaction, tl.id AS line, tl.linesequencenumber, tl.item, BUILTIN.DF(tl.item) AS item_name, "
            "tl.entity, tl.quantity, tl.foreignamount, tl.memo, "
            f"{_modified('t')} FROM transactionline tl INNER JOIN transaction t ON t.id = tl.transaction "
            f"WHERE t.type = 'CustInvc' AND tl.mainline = 'F' AND tl.taxline = 'F' AND {_since('t', start)} "
            "ORDER BY t.lastmodifieddate, t.id, tl.id"
        ),
        cursor="lastmodified",
    ),
    Query(
        "payments",
        ("payment", "paymentline", "invoice", "invoiceline"),
        "payment text, paymentline text, invoice text, invoiceline text, tranid text, trandate text, "
        "foreignamount text, voided text, lastmodified text",
        lambda start: (
            "SELECT l.nextdoc AS payment, l.nextline AS paymentline, l.previousdoc AS invoice, "
            "l.previousline AS invoiceline, p.tranid, "
            f"{_day('p.trandate', 'trandate')}, l.foreignamount, p.voided, {_modified('p')} "
            "FROM transaction p INNER JOIN nexttransactionlinelink l ON l.nextdoc = p.id "
            f"WHERE p.type = 'CustPymt' AND {_since('p', start)} "
            "ORDER BY p.lastmodifieddate, p.id, l.previousdoc, l.previousline"
        ),
        cursor="lastmodified",
    ),
    Query(
        "deleted_records",
        ("recordtype", "recordid"),
        "recordtype text, recordid text, name text, deleteddate text",
        lambda start: (
            "SELECT d.recordtype, d.recordid, d.name, "
            "TO_CHAR(d.deleteddate, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS deleteddate FROM deletedrecord d "
            f"WHERE d.deleteddate >= TO_TIMESTAMP('{start}', {STAMP}) ORDER BY d.deleteddate, d.recordid"
        ),
        cursor="deleteddate",
    ),
    Query(
        "time_bills",
        ("id",),
        "id text, employee text, employee_name text, customer text, casetaskevent text, item text, hours text, "
        "isbillable text, rate text, trandate text, postingperiod text, periodstart text, posted text, "
        "approvalstatus text, subsidiary text, externalid text, memo text, lastmodified text",
        lambda start: (
            "SELECT tb.id, tb.employee, BUILTIN.DF(tb.employee) AS employee_name, tb.customer, tb.casetaskevent, "
            "tb.item, tb.hours, tb.isbillable, tb.rate, "
            f"{_day('tb.trandate', 'trandate')}, tb.postingperiod, {_day('ap.startdate', 'periodstart')}, "
            "tb.posted, BUILTIN.DF(tb.approvalstatus) AS approvalstatus, tb.subsidiary, tb.externalid, tb.memo, "
            f"{_modified('tb')} FROM timebill tb LEFT JOIN accountingperiod ap ON ap.id = tb.postingperiod "
            f"WHERE {_since('tb', start)} ORDER BY tb.lastmodifieddate, tb.id"
        ),
        cursor="lastmodified",
    ),
)

RAW_TABLES: dict[str, dict[str, str]] = {q.name: rawcols.root(q.columns) for q in QUERIES}
MERGE_TABLES = tuple(q.name for q in QUERIES)


def _initial(value: str, by_date: bool) -> str:
    literal = timestamp_literal(value)
    return literal[:10] if by_date else literal.replace(" ", "T")


def _incremental(options: SourceOptions, query: Query, lag: float) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "cursor_path": query.cursor,
        "initial_value": _initial(options.initial_value, query.by_date),
        "convert": date_literal if query.by_date else timestamp_literal,
    }
    if options.end_value is not None:
        spec["end_value"] = _initial(options.end_value, query.by_date)  # a backfill: the stored cursor stays
    elif not query.by_date:
        spec["lag"] = lag
    return spec


def _drop_links(item: dict[str, Any]) -> dict[str, Any]:
    item.pop("links", None)  # always [] on SuiteQL rows
    return item


def _refused(resource: str) -> Callable[..., Any]:
    """HTTP 400 on a query: say what NetSuite said (a field this account does not expose, usually)."""

    def action(response: Response, *args: Any, **kwargs: Any) -> Response:
        try:
            details = response.json().get("o:errorDetails") or [{}]
            detail = " ".join(str(details[0].get("detail") or response.reason).split())[:300]
        except (ValueError, AttributeError):
            detail = response.reason or "no detail"
        raise WipcastError(
            f"NetSuite refused the {resource} query (HTTP 400): {detail}",
            "nothing was written and the cursor did not move; a field the query reads may not be exposed to "
            "this role or account (docs/connectors/netsuite.md lists the queries)",
        )

    return action


def _resource(query: Query, options: SourceOptions, lag: float) -> dict[str, Any]:
    config = options.config
    literal = date_literal if query.by_date else timestamp_literal
    windowed = query.cursor is not None
    endpoint: dict[str, Any] = {
        "path": ns.SUITEQL_PATH,
        "method": "POST",
        "json": {"q": query.sql("{incremental.start_value}" if windowed else "")},
        "data_selector": "items",
        "response_actions": [{"status_code": 400, "action": _refused(query.name)}],
        "paginator": SuiteQLPaginator(
            ns.page_size(config),
            ns.max_rows(config),
            resource=query.name,
            cursor_key=query.cursor,
            build=query.sql if windowed else None,
            literal=literal,
        ),
    }
    if windowed:
        endpoint["incremental"] = _incremental(options, query, lag)
    return {
        "name": query.name,
        "primary_key": list(query.primary_key),
        "endpoint": endpoint,
        "processing_steps": [{"map": _drop_links}],
        "columns": rawcols.dlt_hints(RAW_TABLES[query.name]),
    }


def base_url(url: str, credentials: Credentials) -> str:
    """The default URL names the account: fill it in from the account id."""
    return url.replace("{account}", auth.account_host(credentials.account_id))


def rest_config(options: SourceOptions, credentials: Credentials) -> dict[str, Any]:
    lag = options.config.number("lag_seconds", ns.DEFAULT_LAG_SECONDS) or 0.0
    return {
        "client": {
            "base_url": options.base_url,  # with the account filled in (Connector.resolve_base_url)
            "auth": auth.from_values(credentials.values),
            "headers": {"Prefer": "transient", "Content-Type": "application/json", "User-Agent": "wipcast connector"},
        },
        "resource_defaults": {"write_disposition": "merge"},
        "resources": [_resource(q, options, lag) for q in QUERIES],
    }


def reported_total(response: Response) -> int | None:
    """`totalResults` of a SuiteQL query's first page (`offset` 0): the rows the query matches."""
    body = response.json()
    if not isinstance(body, dict) or body.get("totalResults") is None or int(body.get("offset") or 0) != 0:
        return None
    return int(body["totalResults"])


def build_source(options: SourceOptions, credentials: Credentials) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    config = rest_config(options, credentials)

    @dlt.source(name="netsuite", section="netsuite", max_table_nesting=0)
    def netsuite() -> Any:
        return rest_api_resources(tally.instrument(config, reported_total, windowed=True))  # type: ignore[arg-type]

    return netsuite()
