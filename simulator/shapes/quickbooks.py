"""The demo firm's US books as a QuickBooks Online company holds them (for shapes.quickbooks_api).

One QuickBooks company is one legal entity's books: the firm's US entity (LE-US) here. Writes,
under the output folder:
- quickbooks/<Entity>.json as a query answer, `{"QueryResponse": {"<Entity>": [...]}}`:
  Customer (the firm's customers, and its US projects as sub-customers with IsProject and
  ParentRef), Invoice (the US entity's issued invoices: every canonical line a SalesItemLineDetail
  line, then the SubTotalLineDetail line QuickBooks adds), Payment (a customer's payments of one
  day as one QuickBooks payment, one line per invoice it pays) and CompanyInfo. Ids are numeric
  strings, timestamps carry the company's local offset (America/Los_Angeles: -07:00 or -08:00),
  no CurrencyRef (a single-currency company) unless an invoice is in another currency;
- psa/: the canonical files a PSA and the other entities' books would hold: everything but the
  US entity's issued invoices, their lines and payments; drafts stay here (QuickBooks has no
  draft invoices); invoice ids on time entries and milestones point at the QuickBooks invoices;
- wipcast.toml and mappings/quickbooks_identity.csv: the company as the firm's LE-US, what each
  item bills, and the QuickBooks customers and projects as the PSA's;
- _ids.csv: canonical id <-> QuickBooks id, for a round trip.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from simulator.shapes.harvest import _csv, _rows

FOLDER = "quickbooks"
COMPANY_ENTITY = "LE-US"
ZONE = ZoneInfo("America/Los_Angeles")
REALM = "9130347596324516"
QBO_ENTITIES = ("invoices", "invoice_lines", "payments")
ITEMS = {
    "time": "Consulting Hours",
    "fixed_fee": "Fixed Fee Services",
    "milestone": "Milestone Billing",
    "retainer": "Retainer",
    "expense": "Reimbursable Expenses",
    "other": "Other Services",
}
ID_BASE = {"customer": 0, "project": 500, "invoice": 1000, "payment": 5000}


class _Ids:
    def __init__(self) -> None:
        self.maps: dict[str, dict[str, str]] = defaultdict(dict)

    def get(self, kind: str, canonical: str) -> str:
        found = self.maps[kind]
        if canonical not in found:
            found[canonical] = str(ID_BASE[kind] + len(found) + 1)
        return found[canonical]


def _local(value: Any) -> str:
    """A timestamp as QuickBooks writes it: the company's local time and offset, seconds."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    else:
        moment = dt.datetime.combine(value, dt.time(17, 0), tzinfo=dt.UTC)
    return moment.astimezone(ZONE).replace(microsecond=0).isoformat()


def _day(value: Any) -> str:
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def _money(value: Any) -> float:
    return round(float(value), 2)


def write_quickbooks_shape(canonical_dir: Path | str, out_dir: Path | str, as_of: dt.date) -> dict[str, int]:
    src, out = Path(canonical_dir), Path(out_dir)
    con = duckdb.connect()
    names = ("legal_entities", "customers", "projects", "invoices", "invoice_lines", "payments")
    data = {name: _rows(con, src, name) for name in names}
    ids = _Ids()
    entities, held = _entities(data, ids, as_of)
    (out / FOLDER).mkdir(parents=True, exist_ok=True)
    for name, rows in entities.items():
        (out / FOLDER / f"{name}.json").write_text(json.dumps({"QueryResponse": {name: rows}}, separators=(",", ":")))
    _write_psa(con, src, out / "psa", ids, held)
    con.close()
    _write_settings(out, data, ids, as_of)
    _write_ids(out, ids)
    return {f"{FOLDER}/{k}": len(v) for k, v in entities.items()}


def _entities(
    data: dict[str, list[dict[str, Any]]], ids: _Ids, as_of: dt.date
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, set[str]]]:
    company = next(e for e in data["legal_entities"] if e["entity_id"] == COMPANY_ENTITY)
    home = company["currency"]
    invoices = sorted(
        (i for i in data["invoices"] if i["entity_id"] == COMPANY_ENTITY and i["status"] != "draft"),
        key=lambda i: i["invoice_id"],
    )
    held_invoices = {i["invoice_id"] for i in invoices}
    multi_currency = any(i["currency"] != home for i in invoices)
    projects = sorted(
        (p for p in data["projects"] if p["entity_id"] == COMPANY_ENTITY and p["customer_id"]),
        key=lambda p: p["project_id"],
    )
    names = {c["customer_id"]: c["name"] for c in data["customers"]}

    def currency_ref(code: str) -> dict[str, Any]:
        return {"CurrencyRef": {"value": code, "name": code}} if multi_currency else {}

    customers = [
        {
            "Id": ids.get("customer", c["customer_id"]),
            "SyncToken": "0",
            "DisplayName": c["name"],
            "CompanyName": c["name"],
            "Active": True,
            "Job": False,
            "BillWithParent": False,
            "BillAddr": {"Country": c["country"]},
            **currency_ref(home),
            "MetaData": {"CreateTime": "2019-12-31T16:00:00-08:00", "LastUpdatedTime": "2019-12-31T16:00:00-08:00"},
        }
        for c in sorted(data["customers"], key=lambda c: c["customer_id"])
    ]
    for p in projects:
        day = min(p["start_date"], as_of)  # never a future cursor
        created = _local(dt.datetime.combine(day, dt.time(17, 0), tzinfo=dt.UTC))
        customers.append(
            {
                "Id": ids.get("project", p["project_id"]),
                "SyncToken": "1",
                "DisplayName": p["name"],
                "FullyQualifiedName": f"{names.get(p['customer_id'], '')}:{p['name']}",
                "Active": p["status"] != "closed",
                "Job": True,
                "IsProject": True,
                "BillWithParent": False,
                "ParentRef": {"value": ids.get("customer", p["customer_id"])},
                **currency_ref(p["currency"]),
                "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
            }
        )
    paid: dict[str, float] = defaultdict(float)
    for pay in data["payments"]:
        paid[pay["invoice_id"]] += float(pay["amount"])
    lines_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in sorted(data["invoice_lines"], key=lambda line: line["invoice_line_id"]):
        lines_of[line["invoice_id"]].append(line)
    qbo_invoices = []
    for i in invoices:
        void = i["status"] == "void"
        lines = []
        for n, line in enumerate(lines_of[i["invoice_id"]], start=1):
            ids.maps["invoice_line"][line["invoice_line_id"]] = f"{ids.get('invoice', i['invoice_id'])}:{n}"
            amount = 0.0 if void else _money(line["amount"])
            qty = float(line["hours"]) if line["hours"] is not None else 1.0
            lines.append(
                {
                    "Id": str(n),
                    "LineNum": n,
                    "Description": line["line_type"].replace("_", " "),
                    "Amount": amount,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {
                            "value": str(list(ITEMS).index(line["line_type"]) + 1),
                            "name": ITEMS[line["line_type"]],
                        },
                        "Qty": qty,
                        "UnitPrice": round(amount / qty, 4) if qty else amount,
                        "TaxCodeRef": {"value": "NON"},
                    },
                }
            )
        total = 0.0 if void else _money(i["amount"])
        lines.append({"DetailType": "SubTotalLineDetail", "Amount": total, "SubTotalLineDetail": {}})
        invoice: dict[str, Any] = {
            "Id": ids.get("invoice", i["invoice_id"]),
            "SyncToken": "0",
            "DocNumber": i["invoice_id"],
            "TxnDate": _day(i["invoice_date"]),
            "DueDate": _day(i["due_date"]),
            "CustomerRef": {"value": ids.get("customer", i["customer_id"]), "name": names.get(i["customer_id"], "")},
            **currency_ref(i["currency"]),
            "TotalAmt": total,
            "Balance": 0.0 if void else _money(float(i["amount"]) - paid[i["invoice_id"]]),
            "Line": lines,
            "TxnTaxDetail": {"TotalTax": 0},
            "MetaData": {"CreateTime": _local(i["created_at"]), "LastUpdatedTime": _local(i["updated_at"])},
        }
        if i["project_id"]:
            invoice["ProjectRef"] = {"value": ids.get("project", i["project_id"])}
        if void:
            invoice["PrivateNote"] = "Voided"
        qbo_invoices.append(invoice)
    payments = _payments(data, ids, held_invoices, currency_ref)
    info = [
        {
            "Id": "1",
            "CompanyName": company["name"],
            "Country": company["country"],
            "MetaData": {"CreateTime": "2019-12-31T16:00:00-08:00", "LastUpdatedTime": "2019-12-31T16:00:00-08:00"},
        }
    ]
    held = {
        "invoices": held_invoices,
        "invoice_lines": {line["invoice_line_id"] for i in held_invoices for line in lines_of[i]},
        "payments": {p["payment_id"] for p in data["payments"] if p["invoice_id"] in held_invoices},
    }
    return {"Customer": customers, "Invoice": qbo_invoices, "Payment": payments, "CompanyInfo": info}, held


def _payments(
    data: dict[str, list[dict[str, Any]]], ids: _Ids, held: set[str], currency_ref: Any
) -> list[dict[str, Any]]:
    """A customer's payments of one day are one QuickBooks payment with a line per invoice (a second
    payment to an invoice already on it that day starts another)."""
    customer_of = {i["invoice_id"]: i["customer_id"] for i in data["invoices"]}
    currency_of = {i["invoice_id"]: i["currency"] for i in data["invoices"]}
    groups: list[tuple[str, Any, list[dict[str, Any]]]] = []
    for p in sorted(data["payments"], key=lambda p: (p["payment_date"], p["payment_id"])):
        if p["invoice_id"] not in held:
            continue
        customer = customer_of[p["invoice_id"]]
        group = next(
            (
                g
                for g in groups
                if g[0] == customer
                and g[1] == p["payment_date"]
                and all(x["invoice_id"] != p["invoice_id"] for x in g[2])
            ),
            None,
        )
        if group is None:
            groups.append((customer, p["payment_date"], [p]))
        else:
            group[2].append(p)
    payments = []
    for customer, day, members in groups:
        pay_id = ids.get("payment", members[0]["payment_id"])
        for p in members:
            ids.maps["payment_row"][p["payment_id"]] = f"{pay_id}:{ids.get('invoice', p['invoice_id'])}"
        stamp = _local(dt.datetime.combine(day, dt.time(20, 0), tzinfo=dt.UTC))
        payments.append(
            {
                "Id": pay_id,
                "SyncToken": "0",
                "TxnDate": _day(day),
                "CustomerRef": {"value": ids.get("customer", customer)},
                **currency_ref(currency_of[members[0]["invoice_id"]]),
                "TotalAmt": _money(sum(float(p["amount"]) for p in members)),
                "UnappliedAmt": 0,
                "Line": [
                    {
                        "Amount": _money(p["amount"]),
                        "LinkedTxn": [{"TxnId": ids.get("invoice", p["invoice_id"]), "TxnType": "Invoice"}],
                    }
                    for p in members
                ],
                "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
            }
        )
    return payments


def _write_psa(con: duckdb.DuckDBPyConnection, src: Path, psa: Path, ids: _Ids, held: dict[str, set[str]]) -> None:
    """The canonical files but the rows QuickBooks holds, in their own format (CSV kept as text);
    invoice references point at the QuickBooks invoices."""
    from wipcast import contract as c

    psa.mkdir(parents=True, exist_ok=True)
    vendor = {k: f"quickbooks:{v}" for k, v in ids.maps["invoice"].items()}
    con.execute("CREATE OR REPLACE TEMP TABLE qb_invoice (canonical VARCHAR, vendor VARCHAR)")
    if vendor:
        con.executemany("INSERT INTO qb_invoice VALUES (?, ?)", [[k, v] for k, v in vendor.items()])
    for entity in c.ENTITIES:
        key = entity.primary_key[0]
        drop = held.get(entity.name, set())
        if (src / f"{entity.name}.csv").exists():
            with (src / f"{entity.name}.csv").open(newline="") as fh:
                rows = list(csv.reader(fh))
            at_key = rows[0].index(key) if key in rows[0] else None
            rows = [rows[0]] + [r for r in rows[1:] if at_key is None or r[at_key] not in drop]
            if entity.name not in QBO_ENTITIES and "invoice_id" in rows[0]:
                at = rows[0].index("invoice_id")
                for row in rows[1:]:
                    row[at] = vendor.get(row[at], row[at])
            with (psa / f"{entity.name}.csv").open("w", newline="") as fh:
                csv.writer(fh).writerows(rows)
        elif (src / f"{entity.name}.parquet").exists():
            con.execute("CREATE OR REPLACE TEMP TABLE qb_drop (k VARCHAR)")
            if drop:
                con.executemany("INSERT INTO qb_drop VALUES (?)", [[k] for k in drop])
            select = (
                f"SELECT * FROM read_parquet('{src / (entity.name + '.parquet')}') "
                f"WHERE CAST({key} AS VARCHAR) NOT IN (SELECT k FROM qb_drop)"
            )
            if entity.name not in QBO_ENTITIES and "invoice_id" in entity.column_names:
                select = (
                    f"SELECT s.* REPLACE (coalesce(m.vendor, s.invoice_id) AS invoice_id) FROM ({select}) s "
                    "LEFT JOIN qb_invoice m ON m.canonical = s.invoice_id"
                )
            con.execute(f"COPY ({select}) TO '{psa / (entity.name + '.parquet')}' (FORMAT parquet)")


def _write_settings(out: Path, data: dict[str, list[dict[str, Any]]], ids: _Ids, as_of: dt.date) -> None:
    company = next(e for e in data["legal_entities"] if e["entity_id"] == COMPANY_ENTITY)
    items = ", ".join(f'"{name}" = "{kind}"' for kind, name in ITEMS.items())
    _csv(
        out / "mappings" / "quickbooks_identity.csv",
        ["entity", "source_system", "source_id", "canonical_id"],
        [["customers", "quickbooks", v, k] for k, v in sorted(ids.maps["customer"].items())]
        + [["projects", "quickbooks", v, k] for k, v in sorted(ids.maps["project"].items())],
    )
    (out / "wipcast.toml").write_text(
        "# The demo firm's US books as a QuickBooks Online company; the PSA and the other entities as files (psa/).\n"
        "[wipcast]\n"
        f'as_of = "{as_of.isoformat()}"\n'
        'reporting_currency = "USD"\n\n'
        "[connectors]\n"
        'identity_map = "mappings/quickbooks_identity.csv"  # QuickBooks customers and projects are the PSA\'s\n\n'
        "[connectors.quickbooks]\n"
        "# the demo server (`wipcast demo serve quickbooks`); drop both for Intuit's\n"
        'base_url = "http://127.0.0.1:8765/"\n'
        'token_url = "http://127.0.0.1:8765/oauth2/v1/tokens/bearer"\n'
        f'entity_id = "{COMPANY_ENTITY}"  # the company is the firm\'s US entity\n'
        f'home_currency = "{company["currency"]}"\n'
        f"item_line_types = {{ {items} }}\n"
    )


def _write_ids(out: Path, ids: _Ids) -> None:
    kinds = {
        "customer": "customers",
        "project": "projects",
        "invoice": "invoices",
        "invoice_line": "invoice_lines",
        "payment_row": "payments",
    }
    rows = [
        [entity, canonical, "quickbooks", vendor]
        for kind, entity in kinds.items()
        for canonical, vendor in sorted(ids.maps[kind].items())
    ]
    with (out / "_ids.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["entity", "canonical_id", "source_system", "source_id"])
        writer.writerows(rows)
