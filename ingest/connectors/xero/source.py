"""The Xero extraction as one declarative dlt REST source over two APIs under one base URL.

- Accounting API (`api.xro/2.0/`): Contacts and Invoices, paged by `page=` (100 a page), read
  incrementally with the `If-Modified-Since` header from the stored `UpdatedDateUTC` cursor (Xero's
  MS JSON text, compared by its moment: msdate.latest), merged on the GUID. Only invoices of Type
  ACCREC (sales invoices) are kept; ACCPAY are supplier bills and never land in raw. An invoice
  carries its lines, payments and applied credit notes, which land in child tables and are replaced
  with the invoice on every re-read (a payment changes the invoice's UpdatedDateUTC).
- Projects API (`projects.xro/2.0/`): projects, their tasks and time, and the project users, paged
  by `page`/`pageSize` with an `items` array. It has no change filter, so these are read whole on
  every run and replace their raw tables (a deleted time entry is gone on the next run).

Every item is mapped to flat snake_case columns here (money objects `{currency, value}` split,
MS JSON dates parsed to ISO), so the raw tables do not depend on dlt's name normalisation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from requests import Response

from ingest.connectors import rawcols, tally
from ingest.connectors.spec import Credentials, SourceOptions
from ingest.connectors.xero import auth, msdate
from ingest.connectors.xero import settings as xs
from ingest.connectors.xero.paging import XeroPagePaginator

RAW_TABLES: dict[str, dict[str, str]] = {
    "contacts": rawcols.root(
        "contact_id text, name text, first_name text, last_name text, email_address text, contact_status text, "
        "is_customer bool, is_supplier bool, default_currency text, updated_date_utc text, updated_at timestamp"
    ),
    "invoices": rawcols.root(
        "invoice_id text, invoice_number text, type text, status text, contact_id text, contact_name text, "
        "reference text, date date, due_date date, currency_code text, currency_rate double, "
        "line_amount_types text, sub_total decimal, total_tax decimal, total decimal, amount_due decimal, "
        "amount_paid decimal, amount_credited decimal, updated_date_utc text, updated_at timestamp"
    ),
    "invoices__line_items": rawcols.child(
        "line_item_id text, description text, quantity double, unit_amount decimal, line_amount decimal, "
        "tax_amount decimal, item_code text, account_code text, tracking_category_1 text, tracking_option_1 text, "
        "tracking_category_2 text, tracking_option_2 text"
    ),
    "invoices__payments": rawcols.child("payment_id text, date date, amount decimal, currency_rate double"),
    "invoices__credit_notes": rawcols.child(
        "credit_note_id text, credit_note_number text, date date, applied_amount decimal, total decimal"
    ),
    "projects": rawcols.root(
        "project_id text, contact_id text, name text, currency_code text, estimate_value decimal, "
        "deadline_utc timestamp, status text, minutes_logged bigint"
    ),
    "project_tasks": rawcols.root(
        "task_id text, project_id text, name text, charge_type text, rate_value decimal, rate_currency text, "
        "estimate_minutes bigint, status text"
    ),
    "project_time": rawcols.root(
        "time_entry_id text, user_id text, project_id text, task_id text, date_utc timestamp, "
        "date_entered_utc timestamp, duration bigint, description text, status text"
    ),
    "project_users": rawcols.root("user_id text, name text, email text"),
}
MERGE_TABLES = ("contacts", "invoices")  # the incremental ones; the Projects tables are replaced whole


def _money(value: Any) -> Any:
    return value.get("value") if isinstance(value, dict) else value


def _contact(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "contact_id": item.get("ContactID"),
        "name": item.get("Name"),
        "first_name": item.get("FirstName"),
        "last_name": item.get("LastName"),
        "email_address": item.get("EmailAddress"),
        "contact_status": item.get("ContactStatus"),
        "is_customer": item.get("IsCustomer"),
        "is_supplier": item.get("IsSupplier"),
        "default_currency": item.get("DefaultCurrency"),
        "updated_date_utc": item.get("UpdatedDateUTC"),
        "updated_at": msdate.iso(item.get("UpdatedDateUTC")),
    }


def _line(line: dict[str, Any]) -> dict[str, Any]:
    tracking = [t for t in line.get("Tracking") or [] if isinstance(t, dict)]
    row = {
        "line_item_id": line.get("LineItemID"),
        "description": line.get("Description"),
        "quantity": line.get("Quantity"),
        "unit_amount": line.get("UnitAmount"),
        "line_amount": line.get("LineAmount"),
        "tax_amount": line.get("TaxAmount"),
        "item_code": line.get("ItemCode"),
        "account_code": line.get("AccountCode"),
    }
    for n in (1, 2):  # Xero allows two tracking categories
        pick = tracking[n - 1] if len(tracking) >= n else {}
        row[f"tracking_category_{n}"] = pick.get("Name")
        row[f"tracking_option_{n}"] = pick.get("Option")
    return row


def _invoice(item: dict[str, Any]) -> dict[str, Any]:
    contact = item.get("Contact") or {}
    return {
        "invoice_id": item.get("InvoiceID"),
        "invoice_number": item.get("InvoiceNumber"),
        "type": item.get("Type"),
        "status": item.get("Status"),
        "contact_id": contact.get("ContactID"),
        "contact_name": contact.get("Name"),
        "reference": item.get("Reference"),
        "date": msdate.day(item.get("Date")),
        "due_date": msdate.day(item.get("DueDate")),
        "currency_code": item.get("CurrencyCode"),
        "currency_rate": item.get("CurrencyRate"),
        "line_amount_types": item.get("LineAmountTypes"),
        "sub_total": item.get("SubTotal"),
        "total_tax": item.get("TotalTax"),
        "total": item.get("Total"),
        "amount_due": item.get("AmountDue"),
        "amount_paid": item.get("AmountPaid"),
        "amount_credited": item.get("AmountCredited"),
        "updated_date_utc": item.get("UpdatedDateUTC"),
        "updated_at": msdate.iso(item.get("UpdatedDateUTC")),
        "line_items": [_line(x) for x in item.get("LineItems") or []],
        "payments": [
            {
                "payment_id": p.get("PaymentID"),
                "date": msdate.day(p.get("Date")),
                "amount": p.get("Amount"),
                "currency_rate": p.get("CurrencyRate"),
            }
            for p in item.get("Payments") or []
        ],
        "credit_notes": [
            {
                "credit_note_id": n.get("CreditNoteID"),
                "credit_note_number": n.get("CreditNoteNumber"),
                "date": msdate.day(n.get("Date")),
                "applied_amount": n.get("AppliedAmount"),
                "total": n.get("Total"),
            }
            for n in item.get("CreditNotes") or []
        ],
    }


def _is_sales_invoice(item: dict[str, Any]) -> bool:
    return item.get("Type") == "ACCREC"


def _project(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "project_id": item.get("projectId"),
        "contact_id": item.get("contactId"),
        "name": item.get("name"),
        "currency_code": item.get("currencyCode"),
        "estimate_value": _money(item.get("estimate")),
        "deadline_utc": item.get("deadlineUtc"),
        "status": item.get("status"),
        "minutes_logged": item.get("minutesLogged"),
    }


def _task(item: dict[str, Any]) -> dict[str, Any]:
    rate = item.get("rate") or {}
    return {
        "task_id": item.get("taskId"),
        "project_id": item.get("projectId"),
        "name": item.get("name"),
        "charge_type": item.get("chargeType"),
        "rate_value": _money(rate),
        "rate_currency": rate.get("currency") if isinstance(rate, dict) else None,
        "estimate_minutes": item.get("estimateMinutes"),
        "status": item.get("status"),
    }


def _time(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "time_entry_id": item.get("timeEntryId"),
        "user_id": item.get("userId"),
        "project_id": item.get("projectId"),
        "task_id": item.get("taskId"),
        "date_utc": item.get("dateUtc"),
        "date_entered_utc": item.get("dateEnteredUtc"),
        "duration": item.get("duration"),
        "description": item.get("description"),
        "status": item.get("status"),
    }


def _user(item: dict[str, Any]) -> dict[str, Any]:
    return {"user_id": item.get("userId"), "name": item.get("name"), "email": item.get("email")}


def _incremental(options: SourceOptions) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "cursor_path": "updated_date_utc",  # UpdatedDateUTC as Xero wrote it (dlt reads it after the map)
        "initial_value": msdate.to_ms(options.initial_value),
        "last_value_func": msdate.latest,
        "convert": msdate.if_modified_since,
    }
    if options.end_value is not None:
        spec["end_value"] = msdate.to_ms(options.end_value)  # a backfill: the stored cursor stays
    return spec


def _accounting(
    name: str,
    path: str,
    key: str,
    mapper: Callable[[dict[str, Any]], dict[str, Any]],
    options: SourceOptions,
    params: dict[str, Any] | None = None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [{"filter": keep}] if keep else []
    return {
        "name": name,
        "primary_key": key,
        "write_disposition": "merge",
        "endpoint": {
            "path": xs.ACCOUNTING + path,
            "params": params or {},
            "headers": {"If-Modified-Since": "{incremental.start_value}"},
            "data_selector": path,
            "paginator": XeroPagePaginator(xs.ACCOUNTING_PAGE),
            "incremental": _incremental(options),
        },
        "processing_steps": [*steps, {"map": mapper}],
        "columns": rawcols.dlt_hints(RAW_TABLES[name]),
    }


def _projects(
    name: str, path: str, key: str, mapper: Callable[[dict[str, Any]], dict[str, Any]], size: int
) -> dict[str, Any]:
    params: dict[str, Any] = {"states": "INPROGRESS,CLOSED"} if name == "projects" else {}
    return {
        "name": name,
        "primary_key": key,
        "write_disposition": "replace",
        "endpoint": {
            "path": xs.PROJECTS + path,
            "params": params,
            "data_selector": "items",
            "paginator": XeroPagePaginator(size, "pageSize"),
        },
        "processing_steps": [{"map": mapper}],
        "columns": rawcols.dlt_hints(RAW_TABLES[name]),
    }


def rest_config(options: SourceOptions, credentials: Credentials) -> dict[str, Any]:
    config = options.config
    size = xs.projects_page_size(config)
    token = auth.from_values(credentials.values, xs.token_url(config, options.base_url), xs.token_file(config))
    return {
        "client": {
            "base_url": options.base_url,
            "auth": token,
            "headers": {"Accept": "application/json", "User-Agent": "wipcast connector"},
        },
        "resources": [
            _accounting("contacts", "Contacts", "contact_id", _contact, options, {"includeArchived": "true"}),
            _accounting("invoices", "Invoices", "invoice_id", _invoice, options, keep=_is_sales_invoice),
            _projects("projects", "projects", "project_id", _project, size),
            _projects("project_tasks", "projects/{resources.projects.project_id}/tasks", "task_id", _task, size),
            _projects("project_time", "projects/{resources.projects.project_id}/time", "time_entry_id", _time, size),
            _projects("project_users", "projectsusers", "user_id", _user, size),
        ],
    }


def reported_total(response: Response) -> int | None:
    """`pagination.itemCount` of a listing's first page (`pagination.page` 1): the rows over every page. The
    Projects API always sends the block, the Accounting API in its newer responses; without it, None."""
    body = response.json()
    block = body.get("pagination") if isinstance(body, dict) else None
    if not isinstance(block, dict) or block.get("itemCount") is None or block.get("page") not in (None, 1):
        return None
    return int(block["itemCount"])


def build_source(options: SourceOptions, credentials: Credentials) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    config = rest_config(options, credentials)

    @dlt.source(name="xero", section="xero", max_table_nesting=1)
    def xero() -> Any:
        return rest_api_resources(tally.instrument(config, reported_total))  # type: ignore[arg-type]

    return xero()
