"""The demo firm's ERP side as NetSuite would hold it: SuiteQL query results (for shapes.netsuite_api).

Writes, under the output folder:
- netsuite/<collection>.json, `{"items": [...]}`: the rows the connector's SuiteQL queries return
  (every value text, T/F booleans, dates as its TO_CHAR formats them, no key for a null):
  subsidiary, currency, currencyrate, customer, job, transaction.CustInvc (invoices),
  transactionline.CustInvc (their lines, income as negative credits), transaction.CustPymt (payment
  applications) and timebill (the ERP's time postings, when the canonical folder holds them);
- psa/: the canonical files a PSA would hold (everything but the ERP's invoices, lines, payments,
  rates and time postings, which are header-only), with the invoice ids on time entries and
  milestones rewritten to the NetSuite invoices' (netsuite:<id>), as a PSA synced with the ERP keeps;
- wipcast.toml and mappings/identity.csv: the subsidiaries as the firm's legal entity ids, what each
  invoice item bills, and NetSuite employees as the PSA's (for the time postings);
- _ids.csv: canonical id <-> NetSuite id, for a round trip.

Every customer and project carries the canonical id as its NetSuite externalid, as an integration
that creates them from the PSA does, so the connector resolves them to the PSA's records.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from simulator.shapes.harvest import _csv, _rows

FOLDER = "netsuite"
ERP_ENTITIES = ("invoices", "invoice_lines", "payments", "fx_rates", "erp_time_postings")
REPORTING = "USD"
BILLING = {"time_and_materials": "TM", "fixed_fee": "FBI", "retainer": "FBI", "milestone": "FBM"}
STATUS = {"planned": "Pending", "active": "In Progress", "on_hold": "On Hold", "closed": "Closed"}
INVOICE_STATUS = {"draft": "Pending Approval", "open": "Open", "paid": "Paid In Full", "void": "Voided"}
ITEMS = {
    "time": "PS - Consulting Hour",
    "fixed_fee": "PS - Fixed Fee",
    "milestone": "PS - Milestone Billing",
    "retainer": "PS - Retainer",
    "expense": "PS - Expense Rebill",
    "other": "PS - Other",
}
ID_BASE = {
    "subsidiary": 0,
    "currency": 0,
    "customer": 1000,
    "job": 5000,
    "employee": 300,
    "invoice": 100_000,
    "payment": 300_000,
    "timebill": 1_000_000,
}


class _Ids:
    def __init__(self) -> None:
        self.maps: dict[str, dict[str, int]] = defaultdict(dict)

    def get(self, kind: str, canonical: str) -> str:
        found = self.maps[kind]
        if canonical not in found:
            found[canonical] = ID_BASE[kind] + len(found) + 1
        return str(found[canonical])


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def _stamp(value: Any) -> str:
    """lastmodified as the connector's TO_CHAR writes it (the account's zone: UTC here)."""
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value
    else:
        moment = dt.datetime.combine(value, dt.time(9, 0))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _num(value: Any) -> str:
    """A number as SuiteQL sends it: text, no trailing zeros."""
    text = format(float(value), "f") if not isinstance(value, str) else value
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text or "0"


def _item(**values: Any) -> dict[str, Any]:
    """A result item: null columns are absent, as SuiteQL sends them."""
    return {k: v for k, v in values.items() if v is not None}


def write_netsuite_shape(canonical_dir: Path | str, out_dir: Path | str, as_of: dt.date) -> dict[str, int]:
    src, out = Path(canonical_dir), Path(out_dir)
    con = duckdb.connect()
    names = ("legal_entities", "customers", "employees", "projects", "invoices", "invoice_lines", "payments")
    data = {name: _rows(con, src, name) for name in (*names, "fx_rates", "erp_time_postings")}
    ids = _Ids()
    collections = _collections(data, ids, as_of)
    (out / FOLDER).mkdir(parents=True, exist_ok=True)
    for name, items in collections.items():
        (out / FOLDER / f"{name}.json").write_text(json.dumps({"items": items}, separators=(",", ":")))
    _write_psa(con, src, out / "psa", ids)
    con.close()
    _write_settings(out, data, ids, as_of)
    _write_ids(out, ids, data)
    return {f"{FOLDER}/{k}": len(v) for k, v in collections.items()}


def _collections(data: dict[str, list[dict[str, Any]]], ids: _Ids, as_of: dt.date) -> dict[str, list[dict[str, Any]]]:
    currencies = sorted(
        {REPORTING}
        | {e["currency"] for e in data["legal_entities"]}
        | {p["currency"] for p in data["projects"]}
        | {i["currency"] for i in data["invoices"]}
        | {r["currency"] for r in data["fx_rates"]},
        key=lambda code: (code != REPORTING, code),
    )
    cur = {code: ids.get("currency", code) for code in currencies}
    currency = [
        _item(id=cur[code], symbol=code, name=code, isbasecurrency="T" if code == REPORTING else "F", isinactive="F")
        for code in currencies
    ]
    subsidiary = [
        _item(
            id=ids.get("subsidiary", e["entity_id"]),
            name=e["name"],
            fullname=e["name"],
            country=e["country"],
            currency=cur[e["currency"]],
            currency_symbol=e["currency"],
            iselimination="F",
            isinactive="F",
        )
        for e in sorted(data["legal_entities"], key=lambda e: e["entity_id"])
    ]
    rates = [
        _item(
            id=str(n),
            basecurrency=cur[REPORTING],
            transactioncurrency=cur[r["currency"]],
            exchangerate=repr(float(r["rate_to_reporting"])),
            effectivedate=_day(r["rate_date"]),
        )
        for n, r in enumerate(sorted(data["fx_rates"], key=lambda r: (r["rate_date"], r["currency"])), start=1)
    ]
    entity_of = {p["project_id"]: p["entity_id"] for p in data["projects"]}
    first_entity: dict[str, str] = {}
    for p in sorted(data["projects"], key=lambda p: p["project_id"]):
        if p["customer_id"]:
            first_entity.setdefault(p["customer_id"], p["entity_id"])
    customer = [
        _item(
            id=ids.get("customer", c["customer_id"]),
            entityid=f"CUST-{ids.get('customer', c['customer_id'])} {c['name']}",
            companyname=c["name"],
            isperson="F",
            isinactive="F",
            subsidiary=ids.get(
                "subsidiary", first_entity.get(c["customer_id"], data["legal_entities"][0]["entity_id"])
            ),
            externalid=c["customer_id"],
            lastmodified="2020-01-01T00:00:00",
        )
        for c in sorted(data["customers"], key=lambda c: c["customer_id"])
    ]
    job = [
        _item(
            id=ids.get("job", p["project_id"]),
            entityid=f"PRJ-{ids.get('job', p['project_id'])}",
            companyname=p["name"],
            altname=p["name"],
            parent=ids.get("customer", p["customer_id"]) if p["customer_id"] else None,
            subsidiary=ids.get("subsidiary", p["entity_id"]),
            currency=cur[p["currency"]],
            currency_symbol=p["currency"],
            jobbillingtype=BILLING.get(p["billing_type"]),
            entitystatus=STATUS[p["status"]],
            isinactive="T" if p["status"] == "closed" else "F",
            externalid=p["project_id"],
            startdate=_day(p["start_date"]),
            projectedenddate=_day(p["end_date"]),
            estimatedtimeoverride=None if p["budget_hours"] is None else _num(p["budget_hours"]),
            lastmodified=_stamp(min(p["start_date"], as_of)),  # never a future cursor
        )
        for p in sorted(data["projects"], key=lambda p: p["project_id"])
    ]
    paid: dict[str, float] = defaultdict(float)
    for pay in data["payments"]:
        paid[pay["invoice_id"]] += float(pay["amount"])
    invoices, stamp_of = [], {}
    for i in sorted(data["invoices"], key=lambda i: i["invoice_id"]):
        stamp_of[i["invoice_id"]] = _stamp(i["updated_at"])
        entity = ids.get("job", i["project_id"]) if i["project_id"] else ids.get("customer", i["customer_id"])
        invoices.append(
            _item(
                id=ids.get("invoice", i["invoice_id"]),
                tranid=i["invoice_id"],
                entity=entity,
                subsidiary=ids.get("subsidiary", i["entity_id"]),
                currency=cur[i["currency"]],
                currency_symbol=i["currency"],
                foreigntotal=_num(i["amount"]),
                foreignamountunpaid=_num(round(float(i["amount"]) - paid[i["invoice_id"]], 2)),
                status=f"Invoice : {INVOICE_STATUS[i['status']]}",
                voided="T" if i["status"] == "void" else "F",
                trandate=_day(i["invoice_date"]),
                duedate=_day(i["due_date"]),
                lastmodified=stamp_of[i["invoice_id"]],
            )
        )
    lines: list[dict[str, Any]] = []
    line_no: dict[str, int] = defaultdict(int)
    for line in sorted(data["invoice_lines"], key=lambda line: line["invoice_line_id"]):
        invoice = line["invoice_id"]
        line_no[invoice] += 1
        lines.append(
            _item(
                transaction=ids.get("invoice", invoice),
                line=str(line_no[invoice]),
                linesequencenumber=str(line_no[invoice]),
                item=str(list(ITEMS).index(line["line_type"]) + 200),
                item_name=ITEMS[line["line_type"]],
                entity=ids.get("job", line["project_id"]),
                quantity=_num(line["hours"]) if line["hours"] is not None else "1",
                foreignamount=_num(-float(line["amount"])),  # income lines are credits
                lastmodified=stamp_of[invoice],
                _canonical=line["invoice_line_id"],
            )
        )
    payments = [
        _item(
            payment=ids.get("payment", p["payment_id"]),
            paymentline="1",
            invoice=ids.get("invoice", p["invoice_id"]),
            invoiceline="0",
            tranid=p["payment_id"],
            trandate=_day(p["payment_date"]),
            foreignamount=_num(p["amount"]),
            voided="F",
            lastmodified=_stamp(p["payment_date"]),
        )
        for p in sorted(data["payments"], key=lambda p: p["payment_id"])
    ]
    timebill = [
        _item(
            id=ids.get("timebill", t["posting_id"]),
            employee=ids.get("employee", t["employee_id"]) if t.get("employee_id") else None,
            customer=ids.get("job", t["project_id"]),
            hours=_num(t["hours"]),
            isbillable="T",
            rate=_num(float(t["amount"]) / float(t["hours"])) if float(t["hours"]) else "0",
            trandate=_day(t["work_date"]),
            periodstart=_day(t["accounting_period"]),
            posted="T",
            approvalstatus="Rejected" if t["status"] == "reversed" else "Approved",
            subsidiary=ids.get("subsidiary", entity_of.get(t["project_id"], data["legal_entities"][0]["entity_id"])),
            externalid=t.get("time_entry_id"),
            lastmodified=_stamp(t["posted_at"]),
        )
        for t in sorted(data["erp_time_postings"], key=lambda t: t["posting_id"])
        if t["project_id"] in entity_of
    ]
    line_ids = {line.pop("_canonical"): f"{line['transaction']}:{line['line']}" for line in lines}
    ids.maps["invoice_line"] = {k: v for k, v in line_ids.items()}  # type: ignore[misc]
    return {
        "subsidiary": subsidiary,
        "currency": currency,
        "currencyrate": rates,
        "customer": customer,
        "job": job,
        "transaction.CustInvc": invoices,
        "transactionline.CustInvc": lines,
        "transaction.CustPymt": payments,
        "timebill": timebill,
    }


def _write_psa(con: duckdb.DuckDBPyConnection, src: Path, psa: Path, ids: _Ids) -> None:
    """The canonical files but the ERP's (header-only), in their own format; invoice references
    point at the NetSuite invoices. CSV is rewritten as text, so every value stays as written."""
    from wipcast import contract as c

    psa.mkdir(parents=True, exist_ok=True)
    vendor = {k: f"netsuite:{v}" for k, v in ids.maps["invoice"].items()}
    con.execute("CREATE OR REPLACE TEMP TABLE ns_invoice (canonical VARCHAR, vendor VARCHAR)")
    con.executemany("INSERT INTO ns_invoice VALUES (?, ?)", [[k, v] for k, v in vendor.items()])
    for entity in c.ENTITIES:
        erp = entity.name in ERP_ENTITIES
        if (src / f"{entity.name}.csv").exists():
            with (src / f"{entity.name}.csv").open(newline="") as fh:
                rows = list(csv.reader(fh))
            if erp:
                rows = rows[:1]
            elif "invoice_id" in rows[0]:
                at = rows[0].index("invoice_id")
                for row in rows[1:]:
                    row[at] = vendor.get(row[at], row[at])
            with (psa / f"{entity.name}.csv").open("w", newline="") as fh:
                csv.writer(fh).writerows(rows)
        elif (src / f"{entity.name}.parquet").exists():
            select = f"SELECT * FROM read_parquet('{src / (entity.name + '.parquet')}')"
            if erp:
                select += " WHERE false"
            elif "invoice_id" in entity.column_names:
                select = (
                    f"SELECT s.* REPLACE (coalesce(m.vendor, s.invoice_id) AS invoice_id) FROM ({select}) s "
                    "LEFT JOIN ns_invoice m ON m.canonical = s.invoice_id"
                )
            con.execute(f"COPY ({select}) TO '{psa / (entity.name + '.parquet')}' (FORMAT parquet)")


def _write_settings(out: Path, data: dict[str, list[dict[str, Any]]], ids: _Ids, as_of: dt.date) -> None:
    subsidiaries = ", ".join(
        f'"{ids.get("subsidiary", e["entity_id"])}" = "{e["entity_id"]}"'
        for e in sorted(data["legal_entities"], key=lambda e: e["entity_id"])
    )
    items = ", ".join(f'"{name}" = "{kind}"' for kind, name in ITEMS.items())
    _csv(
        out / "mappings" / "netsuite_identity.csv",
        ["entity", "source_system", "source_id", "canonical_id"],
        [["employees", "netsuite", v, k] for k, v in sorted(ids.maps["employee"].items())],
    )
    (out / "wipcast.toml").write_text(
        "# The demo firm's ERP side as a NetSuite account, its PSA side as files (psa/).\n"
        "[wipcast]\n"
        f'as_of = "{as_of.isoformat()}"\n'
        f'reporting_currency = "{REPORTING}"\n\n'
        "[connectors]\n"
        'identity_map = "mappings/netsuite_identity.csv"  # NetSuite employees are the PSA\'s\n\n'
        "[connectors.netsuite]\n"
        f"subsidiaries = {{ {subsidiaries} }}\n"
        f"item_line_types = {{ {items} }}\n"
    )


def _write_ids(out: Path, ids: _Ids, data: dict[str, list[dict[str, Any]]]) -> None:
    kinds = {
        "customer": "customers",
        "job": "projects",
        "invoice": "invoices",
        "invoice_line": "invoice_lines",
        "timebill": "erp_time_postings",
    }
    rows = [
        [entity, canonical, "netsuite", vendor]
        for kind, entity in kinds.items()
        for canonical, vendor in sorted(ids.maps[kind].items())
    ]
    invoice_of = {p["payment_id"]: p["invoice_id"] for p in data["payments"]}
    rows += [
        ["payments", canonical, "netsuite", f"{vendor}:{ids.get('invoice', invoice_of[canonical])}"]
        for canonical, vendor in sorted(ids.maps["payment"].items())
    ]
    with (out / "_ids.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["entity", "canonical_id", "source_system", "source_id"])
        writer.writerows(rows)
