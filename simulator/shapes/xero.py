"""The demo firm as a Xero organisation would hold it (for shapes.xero_api).

Writes, under the output folder:
- xero/<collection>.json: the Accounting API's Contacts, Invoices (ACCREC, with their lines,
  payments and MS JSON dates; plus a few supplier bills, ACCPAY, which the connector must skip) and
  Organisation, and the Projects API's projects, tasks, time and projectsusers, in Xero's shapes;
- files/: the canonical files Xero has no place for (rate cards, plans, milestones, the CRM, fx
  rates, holidays, targets, ERP postings, accounting periods, the legal entity), their ids
  rewritten to the Xero ones (xero:<guid>), as a firm keeping those beside Xero would;
- wipcast.toml and mappings/*.csv: the organisation's legal entity and what Xero lacks (a
  contact's country and region, a user's role, practice, capacity and cost, a project's practice,
  billing type, start and status), and which item code bills what;
- _ids.csv: canonical id <-> Xero id, for a round trip.

A Xero organisation is one legal entity: the firm is written as one, the entity whose currency is
the reporting currency (every project, employee and invoice of the others is booked there too).
What Xero cannot hold is lost on purpose (docs/connectors/xero.md, "Round trip"): rejected time
(Xero has no approval), each time entry's invoice, and a project's opportunity.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from simulator.shapes.harvest import _csv, _rows

FOLDER = "xero"
REPORTING = "USD"
XERO_ENTITIES = ("customers", "employees", "projects", "time_entries", "invoices", "invoice_lines", "payments")
INVOICE_STATUS = {"draft": "DRAFT", "open": "AUTHORISED", "paid": "PAID", "void": "VOIDED"}
ITEM_CODES = {
    "time": "CONSULT",
    "fixed_fee": "FIXEDFEE",
    "milestone": "MILESTONE",
    "retainer": "RETAINER",
    "expense": "EXPENSE",
    "other": "OTHER",
}
ID_COLUMNS = {  # column of a canonical file -> the entity whose id it holds
    "customer_id": "customers",
    "project_id": "projects",
    "employee_id": "employees",
    "project_manager_id": "employees",
    "invoice_id": "invoices",
    "time_entry_id": "time_entries",
}
_NAMESPACE = uuid.UUID("5d1c8d4e-7a43-4a59-9f0c-3b8e2a1f6c70")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def guid(kind: str, canonical: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{canonical}"))


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)


def ms_date(value: Any) -> str | None:
    """Xero's `/Date(ms+0000)/`; a date is its midnight UTC."""
    if value is None:
        return None
    return f"/Date({(_moment(value) - _EPOCH) // dt.timedelta(milliseconds=1)}+0000)/"


def _iso(value: Any) -> str | None:
    return None if value is None else _moment(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(value: Any) -> float:
    return round(float(value), 2)


def write_xero_shape(canonical_dir: Path | str, out_dir: Path | str, as_of: dt.date) -> dict[str, int]:
    src, out = Path(canonical_dir), Path(out_dir)
    con = duckdb.connect()
    names = (*XERO_ENTITIES, "legal_entities", "fx_rates")
    data = {name: _rows(con, src, name) for name in names}
    tenant = _tenant(data["legal_entities"])
    ids: dict[str, dict[str, str]] = defaultdict(dict)
    collections, mappings = _collections(data, ids, tenant, as_of)
    (out / FOLDER).mkdir(parents=True, exist_ok=True)
    for name, items in collections.items():
        key = name if name[0].isupper() else "items"
        (out / FOLDER / f"{name}.json").write_text(json.dumps({key: items}, separators=(",", ":")))
    _write_files(con, src, out / "files", ids, tenant["entity_id"])
    con.close()
    _write_settings(out, mappings, tenant, as_of)
    with (out / "_ids.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["entity", "canonical_id", "source_system", "source_id"])
        writer.writerows(
            [entity, canonical, "xero", vendor]
            for entity, found in sorted(ids.items())
            for canonical, vendor in sorted(found.items())
        )
    return {f"{FOLDER}/{k}": len(v) for k, v in collections.items()}


def _tenant(entities: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(entities, key=lambda e: (e["currency"] != REPORTING, e["entity_id"]))
    return dict(ordered[0])


def _collections(
    data: dict[str, list[dict[str, Any]]], ids: dict[str, dict[str, str]], tenant: dict[str, Any], as_of: dt.date
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[list[Any]]]]:
    def xid(entity: str, canonical: str) -> str:
        found = ids[entity].setdefault(canonical, guid(entity, canonical))
        return found

    home = guid("contacts", "__firm__")  # the firm itself: the contact of its internal projects
    contacts = [
        {"ContactID": home, "ContactStatus": "ACTIVE", "Name": tenant["name"], "IsCustomer": False,
         "IsSupplier": False, "UpdatedDateUTC": ms_date(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))},
        {"ContactID": guid("contacts", "__supplier__"), "ContactStatus": "ACTIVE", "Name": "Office Supplies Co",
         "IsCustomer": False, "IsSupplier": True, "UpdatedDateUTC": ms_date(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))},
    ]  # fmt: skip
    contact_rows = []
    for c in sorted(data["customers"], key=lambda c: c["customer_id"]):
        contacts.append(
            {
                "ContactID": xid("customers", c["customer_id"]),
                "ContactStatus": "ACTIVE",
                "Name": c["name"],
                "IsCustomer": True,
                "IsSupplier": False,
                "DefaultCurrency": None,
                "UpdatedDateUTC": ms_date(dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
            }
        )
        contact_rows.append([xid("customers", c["customer_id"]), c["country"], c["region"], c["industry"]])

    users, user_rows = [], []
    for e in sorted(data["employees"], key=lambda e: e["employee_id"]):
        users.append({"userId": xid("employees", e["employee_id"]), "name": e["name"], "email": e["email"]})
        user_rows.append(
            [xid("employees", e["employee_id"]), None, e["role"], e["practice"], e["region"], e["employment_type"],
             e["hire_date"], e["termination_date"], e["weekly_capacity_hours"], e["cost_rate"],
             e["utilization_target"]]
        )  # fmt: skip

    entries = [t for t in data["time_entries"] if t["approval_status"] != "rejected"]  # Xero has no rejection
    tasks: dict[tuple[str, str], dict[str, Any]] = {}

    def task(entry: dict[str, Any]) -> str:
        rate = None if entry["bill_rate"] is None else _money(entry["bill_rate"])
        kind = ("TIME", rate) if entry["billable"] else ("NON_CHARGEABLE", None)
        label = "Non-chargeable" if kind[0] == "NON_CHARGEABLE" else ("Time" if rate is None else f"Time @ {rate:g}")
        key = (entry["project_id"], label)
        if key not in tasks:
            currency = project_currency[entry["project_id"]]
            tasks[key] = {
                "taskId": guid("tasks", f"{entry['project_id']}:{label}"),
                "projectId": xid("projects", entry["project_id"]),
                "name": label,
                "rate": {"currency": currency, "value": rate or 0.0},
                "chargeType": kind[0],
                "status": "ACTIVE",
                "estimateMinutes": 0,
            }
        return str(tasks[key]["taskId"])

    project_currency = {p["project_id"]: p["currency"] for p in data["projects"]}
    projects, project_rows = [], []
    for p in sorted(data["projects"], key=lambda p: p["project_id"]):
        customer = xid("customers", p["customer_id"]) if p["customer_id"] else home
        projects.append(
            {
                "projectId": xid("projects", p["project_id"]),
                "contactId": customer,
                "name": p["name"],
                "currencyCode": p["currency"],
                "estimate": {"currency": p["currency"], "value": _money(p["contract_value"] or 0)},
                "deadlineUtc": _iso(p["end_date"]),
                "status": "CLOSED" if p["status"] == "closed" else "INPROGRESS",
            }
        )
        manager = xid("employees", p["project_manager_id"]) if p.get("project_manager_id") else None
        project_rows.append(
            [xid("projects", p["project_id"]), p["practice"], p["billing_type"], None, p["budget_hours"],
             p["start_date"], p["status"], None if manager is None else f"xero:{manager}"]
        )  # fmt: skip

    time = [
        {
            "timeEntryId": xid("time_entries", t["time_entry_id"]),
            "userId": xid("employees", t["employee_id"]),
            "projectId": xid("projects", t["project_id"]),
            "taskId": task(t),
            "dateUtc": _iso(t["work_date"]),
            "dateEnteredUtc": _iso(t["approved_at"] or t["updated_at"]),
            "duration": round(float(t["hours"]) * 60),
            "description": "",
            "status": "INVOICED" if t["invoice_id"] else "ACTIVE",
        }
        for t in sorted(entries, key=lambda t: t["time_entry_id"])
    ]

    names: dict[str, int] = defaultdict(int)
    for p in data["projects"]:
        names[p["name"].lower()] += 1
    option = {
        p["project_id"]: p["name"] if names[p["name"].lower()] == 1 else xid("projects", p["project_id"])
        for p in data["projects"]
    }
    rates = {(r["rate_date"], r["currency"]): float(r["rate_to_reporting"]) for r in data["fx_rates"]}
    lines_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in sorted(data["invoice_lines"], key=lambda x: x["invoice_line_id"]):
        lines_of[line["invoice_id"]].append(line)
    paid_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pay in sorted(data["payments"], key=lambda x: x["payment_id"]):
        paid_of[pay["invoice_id"]].append(pay)
    invoices = []
    for i in sorted(data["invoices"], key=lambda i: i["invoice_id"]):
        base_rate = rates.get((i["invoice_date"], i["currency"]))
        rate = 1.0 if i["currency"] == tenant["currency"] or not base_rate else round(1 / base_rate, 6)
        paid = sum(_money(p["amount"]) for p in paid_of[i["invoice_id"]])
        items = []
        for line in lines_of[i["invoice_id"]]:
            hours = None if line["hours"] is None else float(line["hours"])
            quantity = hours if line["line_type"] == "time" and hours else 1.0
            items.append(
                {
                    "LineItemID": xid("invoice_lines", line["invoice_line_id"]),
                    "ItemCode": ITEM_CODES[line["line_type"]],
                    "Description": line["line_type"],
                    "Quantity": quantity,
                    "UnitAmount": round(float(line["amount"]) / quantity, 4),
                    "LineAmount": _money(line["amount"]),
                    "TaxAmount": 0.0,
                    "TaxType": "NONE",
                    "AccountCode": "200",
                    "Tracking": [{"Name": "Project", "Option": option[line["project_id"]]}],
                }
            )
        for pay in paid_of[i["invoice_id"]]:
            xid("payments", pay["payment_id"])
        invoices.append(
            {
                "Type": "ACCREC",
                "InvoiceID": xid("invoices", i["invoice_id"]),
                "InvoiceNumber": i.get("invoice_number") or i["invoice_id"],
                "Reference": "",
                "Contact": {"ContactID": xid("customers", i["customer_id"]), "Name": ""},
                "DateString": f"{i['invoice_date'].isoformat()}T00:00:00",
                "Date": ms_date(i["invoice_date"]),
                "DueDate": ms_date(i["due_date"]),
                "Status": INVOICE_STATUS[i["status"]],
                "LineAmountTypes": "NoTax",
                "LineItems": items,
                "SubTotal": _money(i["amount"]),
                "TotalTax": 0.0,
                "Total": _money(i["amount"]),
                "AmountPaid": round(paid, 2),
                "AmountDue": round(_money(i["amount"]) - paid, 2),
                "AmountCredited": 0.0,
                "CurrencyCode": i["currency"],
                "CurrencyRate": rate,
                "Payments": [
                    {"PaymentID": ids["payments"][p["payment_id"]], "Date": ms_date(p["payment_date"]),
                     "Amount": _money(p["amount"]), "CurrencyRate": rate}
                    for p in paid_of[i["invoice_id"]]
                ],
                "CreditNotes": [],
                "UpdatedDateUTC": ms_date(min(_moment(i["updated_at"]), _moment(as_of))),
            }
        )  # fmt: skip
    for n in range(1, 4):  # supplier bills: in the organisation, never a receivable
        day = as_of - dt.timedelta(days=30 * n)
        invoices.append(
            {"Type": "ACCPAY", "InvoiceID": guid("bills", str(n)), "InvoiceNumber": f"BILL-{n}",
             "Contact": {"ContactID": guid("contacts", "__supplier__"), "Name": "Office Supplies Co"},
             "Date": ms_date(day), "DueDate": ms_date(day + dt.timedelta(days=30)), "Status": "AUTHORISED",
             "LineAmountTypes": "NoTax", "LineItems": [], "Total": 250.0 * n, "CurrencyCode": tenant["currency"],
             "CurrencyRate": 1.0, "UpdatedDateUTC": ms_date(day)}
        )  # fmt: skip
    mappings = {"contacts": contact_rows, "users": user_rows, "projects": project_rows, "home": [[home]]}
    collections = {
        "Contacts": contacts,
        "Invoices": invoices,
        "Organisation": [{"OrganisationID": guid("organisation", tenant["entity_id"]), "Name": tenant["name"],
                          "BaseCurrency": tenant["currency"], "CountryCode": tenant["country"]}],
        "projects": projects,
        "tasks": sorted(tasks.values(), key=lambda t: str(t["taskId"])),
        "time": time,
        "projectsusers": users,
    }  # fmt: skip
    return collections, mappings


def _write_files(
    con: duckdb.DuckDBPyConnection, src: Path, dst: Path, ids: dict[str, dict[str, str]], entity: str
) -> None:
    """The canonical files Xero does not hold (Xero's own entities header-only), ids rewritten to Xero's
    (xero:<guid>) and every legal entity to the organisation's, in the source's format."""
    from wipcast import contract as c

    dst.mkdir(parents=True, exist_ok=True)
    con.execute("CREATE OR REPLACE TEMP TABLE xero_ids (entity VARCHAR, canonical VARCHAR, vendor VARCHAR)")
    con.executemany(
        "INSERT INTO xero_ids VALUES (?, ?, ?)",
        [[e, k, f"xero:{v}"] for e, found in ids.items() for k, v in found.items()],
    )
    literal = entity.replace("'", "''")
    kept: set[str] = set()
    for ent in c.ENTITIES:  # parents first
        for suffix, reader in ((".csv", "read_csv"), (".parquet", "read_parquet")):
            path = src / f"{ent.name}{suffix}"
            if not path.exists():
                continue
            args = ", all_varchar = true" if suffix == ".csv" else ""
            select, joins = [], []
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}('{path}'{args})").fetchall()]
            refs = {
                col.name: col.references.split(".") for col in ent.columns if col.references and col.name in columns
            }
            held = [f"s.{name} IS NULL" for name, (parent, _key) in refs.items() if parent in XERO_ENTITIES]
            held += [  # and a row whose parent row was left out here (an opportunity's history)
                f"(s.{name} IS NULL OR s.{name} IN (SELECT k.{key} FROM kept_{parent} AS k))"
                for name, (parent, key) in refs.items()
                if parent not in XERO_ENTITIES and parent in kept
            ]
            for n, col in enumerate(columns):
                if col in ID_COLUMNS:
                    joins.append(
                        f"LEFT JOIN xero_ids m{n} ON m{n}.entity = '{ID_COLUMNS[col]}' AND m{n}.canonical = s.{col}"
                    )
                    select.append(f"coalesce(m{n}.vendor, s.{col}) AS {col}")
                elif col == "entity_id":
                    select.append(f"'{literal}' AS entity_id")
                else:
                    select.append(f"s.{col}")
            # a row whose checked reference is a Xero-held project, person or customer cannot load from files:
            # the file validator knows only raw_canonical's keys (project rate cards, the plan, milestones,
            # opportunities of existing customers), so it is left out
            where = "false" if ent.name in XERO_ENTITIES else " AND ".join(["true", *held])
            if ent.name == "legal_entities":
                where = f"s.entity_id = '{literal}'"
            query = f"SELECT {', '.join(select)} FROM {reader}('{path}'{args}) s {' '.join(joins)} WHERE {where}"
            if ent.name == "accounting_periods":
                order = "entity_id, period_start, closed_at"
                query = f"SELECT DISTINCT ON (entity_id, period_start) * FROM ({query}) ORDER BY {order}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE kept_{ent.name} AS {query}")
            kept.add(ent.name)
            fmt = "(FORMAT csv, HEADER)" if suffix == ".csv" else "(FORMAT parquet)"
            con.execute(f"COPY kept_{ent.name} TO '{dst / path.name}' {fmt}")


def _write_settings(out: Path, mappings: dict[str, list[list[Any]]], tenant: dict[str, Any], as_of: dt.date) -> None:
    _csv(
        out / "mappings" / "xero_contacts.csv",
        ["xero_contact_id", "country", "region", "industry"],
        mappings["contacts"],
    )
    _csv(
        out / "mappings" / "xero_users.csv",
        ["xero_user_id", "email", "role", "practice", "region", "employment_type", "hire_date", "termination_date",
         "weekly_capacity_hours", "cost_rate", "utilization_target"],
        mappings["users"],
    )  # fmt: skip
    _csv(
        out / "mappings" / "xero_projects.csv",
        ["xero_project_id", "practice", "billing_type", "contract_value", "budget_hours", "start_date", "status",
         "project_manager_id"],
        mappings["projects"],
    )  # fmt: skip
    items = ", ".join(f'"{code}" = "{kind}"' for kind, code in ITEM_CODES.items())
    (out / "wipcast.toml").write_text(
        "# The demo firm as one Xero organisation; what Xero has no place for is in files/.\n"
        "[wipcast]\n"
        f'as_of = "{as_of.isoformat()}"\n'
        f'reporting_currency = "{REPORTING}"\n\n'
        "[connectors.xero]\n"
        'contacts_file = "mappings/xero_contacts.csv"\n'
        'users_file = "mappings/xero_users.csv"\n'
        'projects_file = "mappings/xero_projects.csv"\n'
        f'internal_contact_ids = ["{mappings["home"][0][0]}"]  # the firm itself\n'
        f"item_line_types = {{ {items} }}\n\n"
        "[connectors.xero.legal_entity]  # declared by files/legal_entities.csv: the id alone, and its currency\n"
        f'entity_id = "{tenant["entity_id"]}"\n'
        f'currency = "{tenant["currency"]}"\n'
    )
