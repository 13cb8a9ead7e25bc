"""The connectors wipcast knows, by CLI name."""

from __future__ import annotations

from ingest.connectors.harvest import CONNECTOR as HARVEST
from ingest.connectors.harvest_forecast import CONNECTOR as HARVEST_FORECAST
from ingest.connectors.hubspot import CONNECTOR as HUBSPOT
from ingest.connectors.kantata import CONNECTOR as KANTATA
from ingest.connectors.netsuite import CONNECTOR as NETSUITE
from ingest.connectors.quickbooks import CONNECTOR as QUICKBOOKS
from ingest.connectors.salesforce import CONNECTOR as SALESFORCE
from ingest.connectors.spec import Connector
from ingest.connectors.xero import CONNECTOR as XERO
from wipcast.errors import InputError

CONNECTORS: dict[str, Connector] = {
    conn.name: conn for conn in (HARVEST, HARVEST_FORECAST, KANTATA, SALESFORCE, NETSUITE, HUBSPOT, QUICKBOOKS, XERO)
}


def get(name: str) -> Connector:
    key = name.replace("_", "-")
    if key not in CONNECTORS:
        raise InputError(f"unknown connector {name!r}", f"known connectors: {', '.join(CONNECTORS)}")
    return CONNECTORS[key]
