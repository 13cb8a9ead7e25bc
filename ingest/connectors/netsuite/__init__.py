"""NetSuite connector (SuiteQL over REST, token-based authentication): subsidiaries, currencies and
rates, customers, projects (jobs), invoices and their lines, payments, and time as NetSuite posted it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.connectors.netsuite import auth, settings, source
from ingest.connectors.spec import ConformStep, Connector, Credentials
from wipcast import contract as c

CONFORM_DIR = Path(__file__).parent / "conform"
CHECK_PATH = settings.SUITEQL_PATH + "?limit=1"
CHECK_QUERY = {"q": "SELECT id FROM subsidiary"}
CREDENTIAL_KEYS = ("account_id", "consumer_key", "consumer_secret", "token_id", "token_secret")


def _headers(credentials: Credentials) -> dict[str, str]:
    return {"Prefer": "transient", "User-Agent": "wipcast connector"}


def _check_auth(url: str, credentials: Credentials) -> dict[str, str]:
    """The one check request, signed (OAuth 1.0a signs the method and the exact URL)."""
    tba = auth.from_values(credentials.values)
    header = auth.authorization_header(
        "POST",
        url + CHECK_PATH,
        realm=auth.realm(tba.account_id),
        consumer_key=tba.consumer_key,
        consumer_secret=tba.consumer_secret,
        token_id=tba.token_id,
        token_secret=tba.token_secret,
        nonce=auth._nonce(),
        timestamp=auth._now(),
    )
    return {**_headers(credentials), "Authorization": header}


@dataclass(frozen=True)
class NetSuiteConnector(Connector):
    """Every conform step first declares the identity views of conform/_identity.sql (one DuckDB
    connection runs the steps in order, so the views always see this run's raw tables)."""

    def sql(self, step: ConformStep) -> str:
        return (self.conform_dir / "_identity.sql").read_text() + "\n" + super().sql(step)


CONNECTOR = NetSuiteConnector(
    name="netsuite",
    vendor="netsuite",
    label="NetSuite",
    default_base_url=settings.BASE_URL,
    settings_keys=settings.KNOWN,
    build_source=source.build_source,
    check_path=CHECK_PATH,
    check_headers=_headers,
    conform_dir=CONFORM_DIR,
    conform_steps=(
        ConformStep("legal_entities", "subsidiaries", "legal_entities.sql"),
        ConformStep("fx_rates", "currency_rates", "fx_rates.sql"),
        ConformStep(
            "customers",
            "customers",
            "customers.sql",
            {
                "country": "connectors.netsuite.default_country or connectors.netsuite.customers_file (the row)",
                "region": "connectors.netsuite.default_region or connectors.netsuite.customers_file (the row)",
            },
        ),
        ConformStep(
            "projects",
            "jobs",
            "projects.sql",
            {
                "practice": "connectors.netsuite.default_practice or connectors.netsuite.jobs_file (the job's row)",
                "entity_id": "connectors.netsuite.subsidiaries (the job's subsidiary)",
            },
        ),
        ConformStep("invoices", "invoices", "invoices.sql"),
        ConformStep(
            "invoice_lines",
            "invoice_lines",
            "invoice_lines.sql",
            {"line_type": "connectors.netsuite.item_line_types (map the item to a line type)"},
        ),
        ConformStep("payments", "payments", "payments.sql"),
        ConformStep("erp_time_postings", "time_bills", "erp_time_postings.sql"),
    ),
    config_tables=settings.config_tables,
    raw_tables=source.RAW_TABLES,
    merge_tables=source.MERGE_TABLES,
    depends_on=("harvest",),
    credential_keys=CREDENTIAL_KEYS,
    check_auth=_check_auth,
    check_json=CHECK_QUERY,
    resolve_base_url=source.base_url,
    reads_schemas=(c.RAW_SCHEMA,),
)
