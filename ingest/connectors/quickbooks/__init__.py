"""QuickBooks Online connector (the accounting query API, OAuth 2.0 refresh tokens): one company's
customers, projects (sub-customers), invoices and their lines, and payments: receivables, DSO and
billed amounts for a firm that keeps its books there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.connectors import config as cfg
from ingest.connectors.quickbooks import settings, source
from ingest.connectors.spec import ConformStep, Connector, Credentials
from wipcast import contract as c

CONFORM_DIR = Path(__file__).parent / "conform"
# the cheapest authenticated read: the company's own record
CHECK_PATH = f"query?query=select%20*%20from%20CompanyInfo&minorversion={settings.MINOR_VERSION}"
_S = "connectors.quickbooks."


def _headers(_credentials: Credentials) -> dict[str, str]:
    return {"Accept": "application/json", "User-Agent": "wipcast connector"}


def _check_auth(base_url: str, credentials: Credentials) -> dict[str, str]:
    """`connectors check`: an access token from the refresh token (a refusal is one line). The
    token URL and the token file are settings: read them as a sync does."""
    config = cfg.load_connector_config("quickbooks", settings.KNOWN)
    return {**_headers(credentials), "Authorization": f"Bearer {source.auth(config, credentials).fetch()}"}


@dataclass(frozen=True)
class QuickBooksConnector(Connector):
    """Every conform step first declares the identity views of conform/_identity.sql."""

    def sql(self, step: ConformStep) -> str:
        return (self.conform_dir / "_identity.sql").read_text() + "\n" + super().sql(step)


CONNECTOR = QuickBooksConnector(
    name="quickbooks",
    vendor="quickbooks",
    label=source.LABEL,
    default_base_url=settings.BASE_URL,
    settings_keys=settings.KNOWN,
    build_source=source.build_source,
    check_path=CHECK_PATH,
    check_headers=_headers,
    check_auth=_check_auth,
    conform_dir=CONFORM_DIR,
    conform_steps=(
        ConformStep(
            "legal_entities",
            "company",  # from the settings: QuickBooks is one set of books
            "legal_entities.sql",
            {
                "name": _S + "entity_name",
                "country": _S + "entity_country",
                "currency": _S + "home_currency",
            },
        ),
        ConformStep(
            "customers",
            "customers",
            "customers.sql",
            {
                "country": _S + "default_country or " + _S + "customers_file (the row)",
                "region": _S + "default_region or " + _S + "customers_file (the row)",
            },
        ),
        ConformStep(
            "projects",
            "customers",
            "projects.sql",
            {
                "entity_id": _S + "entity_id (the company's legal entity)",
                "practice": _S + "default_practice or " + _S + "projects_file (the project's row)",
                "billing_type": _S + "default_billing_type or " + _S + "projects_file (the project's row)",
                "currency": _S + "home_currency (the company has no multi-currency)",
            },
        ),
        ConformStep(
            "invoices",
            "invoices",
            "invoices.sql",
            {
                "entity_id": _S + "entity_id (the company's legal entity)",
                "currency": _S + "home_currency (the company has no multi-currency)",
            },
        ),
        ConformStep("invoice_lines", "invoices", "invoice_lines.sql"),
        ConformStep("payments", "payments", "payments.sql"),
    ),
    config_tables=settings.config_tables,
    raw_tables=source.RAW_TABLES,
    merge_tables=source.MERGE_TABLES,
    depends_on=("harvest",),
    credential_keys=source.CREDENTIAL_KEYS,
    resolve_base_url=source.base_url,
    reads_schemas=(c.RAW_SCHEMA,),
)
