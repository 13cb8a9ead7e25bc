"""Vendor-shaped views of the demo firm: what its data looks like inside a vendor's API.

Each shape is a writer (canonical demo folder -> the vendor's collections as JSON) and a demo API
that serves those collections with the vendor's paging and filtering (simulator.serve). `SHAPES`
lists them by the name `wipcast demo generate --shape` and `wipcast demo serve` take; the modules
load only when a shape is used.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Shape:
    name: str
    label: str  # "Harvest + Harvest Forecast"
    folder: str  # subfolder of OUT a written shape always has (how `serve` recognises one)
    writer: str  # "module:function", (canonical_dir, out_dir, as_of) -> record counts per collection
    api: str  # "module:Class", with from_dir(folder, page_size=None)
    endpoints: tuple[tuple[str, str], ...]  # (label, path under the server URL) printed by `serve`
    next_step: str  # printed by `serve`, {url} and {folder} filled in

    def write(self, canonical_dir: Path, out_dir: Path, as_of: dt.date) -> dict[str, int]:
        counts: dict[str, int] = _load(self.writer)(canonical_dir, out_dir, as_of)
        return counts

    def demo_api(self, folder: Path, page_size: int | None = None) -> Any:
        return _load(self.api).from_dir(folder, page_size=page_size)


def _load(ref: str) -> Any:
    module, attr = ref.split(":")
    return getattr(importlib.import_module(module), attr)


SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        Shape(
            name="harvest",
            label="Harvest + Harvest Forecast",
            folder="harvest",
            writer="simulator.shapes.harvest:write_harvest_shape",
            api="simulator.shapes.harvest_api:HarvestDemoApi",
            endpoints=(("Harvest API", "/v2/"), ("Forecast API", "/forecast/")),
            next_step=(
                "set SOURCES__HARVEST__ACCESS_TOKEN / __ACCOUNT_ID (and the same for SOURCES__HARVEST_FORECAST__), "
                "then run `wipcast ingest harvest --base-url {url}/v2/` from {folder} (its wipcast.toml maps the firm)"
            ),
        ),
        Shape(
            name="kantata",
            label="Kantata",
            folder="kantata",
            writer="simulator.shapes.kantata:write_kantata_shape",
            api="simulator.shapes.kantata_api:KantataDemoApi",
            endpoints=(("Kantata API", "/api/v1/"),),
            next_step=(
                "set SOURCES__KANTATA__ACCESS_TOKEN, then run "
                "`wipcast ingest kantata --base-url {url}/api/v1/` from {folder} (its wipcast.toml maps the firm)"
            ),
        ),
        Shape(
            name="salesforce",
            label="Salesforce",
            folder="salesforce",
            writer="simulator.shapes.salesforce:write_salesforce_shape",
            api="simulator.shapes.salesforce_api:SalesforceDemoApi",
            endpoints=(("Salesforce", "/"), ("OAuth token", "/services/oauth2/token")),
            next_step=(
                "set SOURCES__SALESFORCE__CLIENT_ID and __CLIENT_SECRET (any values), then run "
                "`wipcast ingest salesforce --base-url {url}/` from {folder} (its wipcast.toml names the custom fields)"
            ),
        ),
        Shape(
            name="hubspot",
            label="HubSpot",
            folder="hubspot",
            writer="simulator.shapes.hubspot:write_hubspot_shape",
            api="simulator.shapes.hubspot_api:HubSpotDemoApi",
            endpoints=(("HubSpot API", "/"),),
            next_step=(
                "set SOURCES__HUBSPOT__ACCESS_TOKEN (any value), then run "
                "`wipcast ingest hubspot --base-url {url}/` from {folder} (its wipcast.toml names its properties)"
            ),
        ),
        Shape(
            name="netsuite",
            label="NetSuite (the ERP side; the PSA side as files in psa/)",
            folder="netsuite",
            writer="simulator.shapes.netsuite:write_netsuite_shape",
            api="simulator.shapes.netsuite_api:NetSuiteDemoApi",
            endpoints=(("SuiteQL", "/services/rest/query/v1/suiteql"),),
            next_step=(
                "from {folder}: `wipcast ingest files psa`, set SOURCES__NETSUITE__ACCOUNT_ID, __CONSUMER_KEY, "
                "__CONSUMER_SECRET, __TOKEN_ID and __TOKEN_SECRET (any values), then run "
                "`wipcast ingest netsuite --base-url {url}/` (its wipcast.toml maps the firm)"
            ),
        ),
        Shape(
            name="quickbooks",
            label="QuickBooks Online (the US books; the PSA and the other entities as files in psa/)",
            folder="quickbooks",
            writer="simulator.shapes.quickbooks:write_quickbooks_shape",
            api="simulator.shapes.quickbooks_api:QuickBooksDemoApi",
            endpoints=(
                ("Query API", "/v3/company/9130347596324516/query"),
                ("OAuth token", "/oauth2/v1/tokens/bearer"),
            ),
            next_step=(
                "from {folder}: `wipcast ingest files psa`, set SOURCES__QUICKBOOKS__CLIENT_ID, __CLIENT_SECRET, "
                "__REFRESH_TOKEN (any values) and __REALM_ID=9130347596324516, then run `wipcast ingest quickbooks` "
                "(its wipcast.toml points base_url and token_url at {url}/ and maps the firm)"
            ),
        ),
        Shape(
            name="xero",
            label="Xero (one organisation: invoices, payments, projects and time; the rest as files in files/)",
            folder="xero",
            writer="simulator.shapes.xero:write_xero_shape",
            api="simulator.shapes.xero_api:XeroDemoApi",
            endpoints=(
                ("Accounting", "/api.xro/2.0/"),
                ("Projects", "/projects.xro/2.0/"),
                ("OAuth token", "/connect/token"),
            ),
            next_step=(
                "from {folder}: `wipcast ingest files files`, set SOURCES__XERO__CLIENT_ID, __CLIENT_SECRET, "
                "__REFRESH_TOKEN and __TENANT_ID (any values), then run `wipcast ingest xero --base-url {url}/` "
                "(its wipcast.toml maps the firm)"
            ),
        ),
    )
}
