"""`[warehouse]` in wipcast.toml: kind and DSN, the password from the environment or .dlt/secrets.toml,
never from the DSN and never in a message."""

from __future__ import annotations

import pytest

from wipcast.errors import InputError
from wipcast.settings import load_settings
from wipcast.warehouses import postgres
from wipcast.warehouses.postgres import PASSWORD_ENV


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("WIPCAST_WAREHOUSE_KIND", "WIPCAST_WAREHOUSE_DSN", PASSWORD_ENV, "WIPCAST_WAREHOUSE_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_the_default_is_duckdb(tmp_path):
    settings = load_settings(cwd=tmp_path)
    assert settings.warehouse_kind == "duckdb" and settings.warehouse_dsn is None


def test_warehouse_table_and_a_socket_dsn(tmp_path):
    (tmp_path / "wipcast.toml").write_text(
        '[wipcast]\nreporting_currency = "EUR"\n\n[warehouse]\nkind = "postgres"\n'
        'dsn = "postgresql://loader@/analytics?host=/run/pg&port=6543&sslmode=disable"\n'
    )
    settings = load_settings(cwd=tmp_path)
    assert settings.warehouse_kind == "postgres" and settings.reporting_currency == "EUR"
    assert postgres.params(settings) == {
        "host": "/run/pg",
        "port": 6543,
        "user": "loader",
        "dbname": "analytics",
        "sslmode": "disable",
    }
    assert postgres.describe(settings) == "loader@/run/pg:6543/analytics"


def test_a_warehouse_table_without_a_wipcast_table(tmp_path):
    (tmp_path / "wipcast.toml").write_text('[warehouse]\nkind = "postgres"\ndsn = "postgresql://u@db.internal/w"\n')
    p = postgres.params(load_settings(cwd=tmp_path))
    assert (p["host"], p["port"], p["dbname"]) == ("db.internal", 5432, "w")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[warehouse]\nkind = "snowflake"\n', "warehouse_kind"),
        ('[warehouse]\nkind = "postgres"\n', "needs a DSN"),
        ('[warehouse]\nkind = "postgres"\ndsn = "postgresql://u:hunter2@db/w"\n', "warehouse_dsn"),
        ('[warehouse]\npassword = "hunter2"\n', "unknown key"),
    ],
)
def test_bad_warehouse_settings_are_one_clear_line(tmp_path, toml, message):
    (tmp_path / "wipcast.toml").write_text(toml)
    with pytest.raises(InputError, match=message) as caught:
        load_settings(cwd=tmp_path)
    assert "hunter2" not in str(caught.value)  # a password put in the wrong place is never echoed


def test_the_password_comes_from_the_environment_then_secrets_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert postgres.password() is None  # libpq then looks in PGPASSWORD / ~/.pgpass
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "secrets.toml").write_text('[warehouse]\npassword = "from-secrets"\n')
    assert postgres.password() == "from-secrets"
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    assert postgres.password() == "from-env"
