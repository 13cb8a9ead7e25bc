"""The Scenarios page is read-only unless `wipcast app --allow-scenarios`, and beyond loopback needs a login on the
allow-list; failures reach the user as one line (expected) or a reference (unexpected, traceback in the log),
never a traceback or a server path.
"""

from __future__ import annotations

import logging
import re
import shutil

import duckdb
import pytest
from app_helpers import APP_SCRIPT, no_exception, open_page
from streamlit import config
from streamlit.testing.v1 import AppTest

import forecasting.scenarios
from app import access, data
from wipcast.errors import InputError

pytestmark = pytest.mark.skipif(
    not (APP_SCRIPT.parent / "app_pages" / "scenarios.py").exists(), reason="no Scenarios page"
)

SCENARIOS = "app_pages/scenarios.py"
AUTH = {
    "redirect_uri": "https://wipcast.firm.com/oauth2callback",
    "cookie_secret": "s3cret",
    "client_id": "id",
    "client_secret": "secret",
    "server_metadata_url": "https://login.example/.well-known/openid-configuration",
}


@pytest.fixture
def server_address():
    """Set Streamlit's server.address for the test (AppTest runs in this process), and put it back after."""
    before = config.get_option("server.address")

    def set_address(address: str | None) -> None:
        config.set_option("server.address", address)

    yield set_address
    config.set_option("server.address", before)


@pytest.fixture
def writable(tmp_path, warehouse_dir, use_warehouse, monkeypatch):
    """A warehouse folder of our own with a working database, as the pipeline leaves it."""
    shutil.copyfile(warehouse_dir / "wipcast.duckdb", tmp_path / "wipcast.duckdb")
    duckdb.connect(str(tmp_path / "work.duckdb")).close()
    use_warehouse(tmp_path)
    monkeypatch.chdir(tmp_path)  # no wipcast.toml of the checkout's
    return tmp_path


def scenarios_page(secrets=None, user=None) -> AppTest:
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
    if secrets is not None:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    at.switch_page(SCENARIOS).run()
    return at


def run_button(at):
    return [b for b in at.button if b.key == "run-scenario"]


def texts(at) -> list[str]:
    return [e.value for kind in ("info", "error", "warning", "caption", "success") for e in getattr(at, kind)]


def test_by_default_the_page_is_read_only_and_says_how_to_enable_running(writable, monkeypatch):
    monkeypatch.delenv(access.ALLOW_SCENARIOS_ENV, raising=False)
    at = scenarios_page()
    no_exception(at)
    assert run_button(at) == []
    lines = [i.value for i in at.info if "--allow-scenarios" in i.value]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert any("Compare with the base forecast" in s.value for s in at.subheader)  # stored scenarios still show


def test_allowed_on_loopback_the_run_button_is_there(writable, monkeypatch, server_address):
    monkeypatch.setenv(access.ALLOW_SCENARIOS_ENV, "true")
    server_address("127.0.0.1")
    at = scenarios_page()
    no_exception(at)
    assert len(run_button(at)) == 1


def test_allowed_beyond_loopback_without_an_allow_list_nobody_runs(writable, monkeypatch, server_address):
    monkeypatch.setenv(access.ALLOW_SCENARIOS_ENV, "true")
    monkeypatch.delenv("WIPCAST_APP_ALLOWED_USERS", raising=False)
    server_address("0.0.0.0")
    at = scenarios_page(secrets={"auth": AUTH}, user={"is_logged_in": True, "email": "cfo@firm.com"})
    no_exception(at)
    assert run_button(at) == []
    assert any("app_allowed_users" in i.value for i in at.info)


@pytest.mark.parametrize(
    ("user", "runs"),
    [
        ({"is_logged_in": True, "email": "cfo@firm.com"}, True),
        ({"is_logged_in": True, "email": "ana@firm.com"}, True),  # the domain entry
        ({"is_logged_in": True, "email": "intern@other.example"}, False),
        ({"is_logged_in": True, "email": "cfo@firm.com", "email_verified": False}, False),
    ],
)
def test_beyond_loopback_only_a_logged_in_user_on_the_allow_list_runs(
    writable, monkeypatch, server_address, user, runs
):
    monkeypatch.setenv(access.ALLOW_SCENARIOS_ENV, "true")
    monkeypatch.setenv("WIPCAST_APP_ALLOWED_USERS", "cfo@firm.com,@firm.com")
    server_address("0.0.0.0")
    at = scenarios_page(secrets={"auth": AUTH}, user=user)
    no_exception(at)
    assert bool(run_button(at)) is runs
    if not runs:
        refusals = [i.value for i in at.info if "run scenarios" in i.value]
        assert len(refusals) == 1 and "\n" not in refusals[0]


def test_beyond_loopback_a_logged_out_viewer_gets_the_login_and_no_run(writable, monkeypatch, server_address):
    monkeypatch.setenv(access.ALLOW_SCENARIOS_ENV, "true")
    monkeypatch.setenv("WIPCAST_APP_ALLOWED_USERS", "cfo@firm.com")
    monkeypatch.setattr(access, "authlib_installed", lambda: True)
    server_address("0.0.0.0")
    at = scenarios_page(secrets={"auth": AUTH}, user={})
    no_exception(at)
    assert run_button(at) == []
    assert [b.key for b in at.button if b.key.startswith("login-")] == ["login-default"]


def test_without_authlib_the_page_says_how_to_install_the_login(writable, monkeypatch, server_address):
    monkeypatch.setenv(access.ALLOW_SCENARIOS_ENV, "true")
    monkeypatch.setenv("WIPCAST_APP_ALLOWED_USERS", "cfo@firm.com")
    monkeypatch.setattr(access, "authlib_installed", lambda: False)
    server_address("0.0.0.0")
    at = scenarios_page(secrets={"auth": AUTH}, user={})
    assert run_button(at) == [] and not [b for b in at.button if b.key.startswith("login-")]
    assert any("streamlit[auth]" in i.value for i in at.info)


# ---------------------------------------------------------------- failures: one line, or a reference


def paste(at: AppTest, text: str) -> AppTest:
    at.radio(key="scenario_source").set_value("Paste YAML").run()
    at.text_area(key="scenario_yaml").input(text).run()
    return at


def shown(element) -> str:
    """An element's text as the browser shows it (Markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", element.value)


def test_an_impossible_date_in_the_yaml_is_one_line_not_a_traceback(writable, monkeypatch):
    monkeypatch.delenv(access.ALLOW_SCENARIOS_ENV, raising=False)
    at = paste(scenarios_page(), "name: bad-date\nas_of: 2026-13-45\n")
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    line = shown(at.error[0])
    assert "as_of" in line and "2026-13-45" in line and "\n" not in line and "Traceback" not in line


def test_a_value_yaml_itself_cannot_build_is_one_line(writable, monkeypatch):
    """PyYAML builds dates (and raises ValueError) before validation; the page says so in one line."""
    import forecasting.scenarios.definition as definition

    def yaml_fails(text, source):
        raise ValueError("month must be in 1..12")

    monkeypatch.delenv(access.ALLOW_SCENARIOS_ENV, raising=False)
    monkeypatch.setattr(definition, "from_yaml_text", yaml_fails)
    at = paste(scenarios_page(), "name: bad-date\nas_of: 2026-13-45\n")
    assert not at.exception
    assert len(at.error) == 1
    line = shown(at.error[0])
    assert (
        line.startswith("the pasted YAML has a value that is not valid (month must be in 1..12)") and "ref" not in line
    )


def test_an_invalid_field_is_one_line(writable, monkeypatch):
    monkeypatch.delenv(access.ALLOW_SCENARIOS_ENV, raising=False)
    at = paste(scenarios_page(), "name: Not Valid\ndraws: 5\n")
    assert not at.exception
    assert len(at.error) == 1 and "draws" in shown(at.error[0]) and "\n" not in at.error[0].value


def run_with(monkeypatch, server_address, failure: BaseException) -> AppTest:
    monkeypatch.setenv(access.ALLOW_SCENARIOS_ENV, "true")
    server_address("127.0.0.1")

    def failing_run(*args, **kwargs):
        raise failure

    monkeypatch.setattr(forecasting.scenarios, "run_scenario", failing_run)
    at = scenarios_page()
    run_button(at)[0].click().run()
    return at


def test_an_expected_failure_of_a_run_is_one_line(writable, monkeypatch, server_address):
    at = run_with(
        monkeypatch,
        server_address,
        InputError(f"as-of date 2031-01-01 is after the data in {writable}/work.duckdb", "choose an earlier as_of"),
    )
    assert not at.exception
    assert len(at.error) == 1
    line = at.error[0].value
    assert "2031" in line and "choose an earlier as" in line and "\n" not in line
    assert str(writable) not in line  # the server's path is cut to the file's name


def test_an_unexpected_failure_shows_a_reference_and_logs_the_traceback(writable, monkeypatch, server_address, caplog):
    caplog.set_level(logging.INFO, logger="wipcast.app")
    at = run_with(monkeypatch, server_address, RuntimeError(f"boom in {writable}/secret.py"))
    assert not at.exception
    assert len(at.error) == 1
    line = at.error[0].value
    assert "ref " in line and "server log" in line
    assert "boom" not in line and str(writable) not in line and "Traceback" not in line
    ref = line.split("ref ")[1][:6]
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert logged and logged[0].exc_info and "boom" in str(logged[0].exc_info[1])


def test_an_unexpected_failure_on_any_page_is_a_reference(warehouse_dir, use_warehouse, monkeypatch, caplog):
    use_warehouse(warehouse_dir)

    def broken():
        raise ZeroDivisionError("division by zero in /srv/wipcast/app/data.py")

    monkeypatch.setattr(data, "backtest_metrics", broken)
    at = open_page("Forecast accuracy")
    assert not at.exception
    assert len(at.error) == 1 and "ref " in at.error[0].value and "/srv" not in at.error[0].value
    assert any(r.exc_info and isinstance(r.exc_info[1], ZeroDivisionError) for r in caplog.records)


# ---------------------------------------------------------------- no server paths


def element_texts(at) -> str:
    values = [
        e.value
        for kind in ("title", "caption", "markdown", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    ]
    values += [m.label + str(m.value) for m in at.metric]
    return "\n".join(str(v) for v in values)


def test_data_health_names_the_file_not_its_server_path(warehouse_dir, use_warehouse):
    use_warehouse(warehouse_dir)
    at = open_page("Data health")
    no_exception(at)
    shown = element_texts(at)
    assert "wipcast\\.duckdb" in shown  # the file's name (Markdown-escaped), with its size and publish time
    assert " MB · published " in shown
    assert str(warehouse_dir) not in shown and str(warehouse_dir.parent) not in shown


def test_without_a_warehouse_the_message_names_no_server_path(tmp_path, use_warehouse):
    use_warehouse(tmp_path / "nothing-here")
    at = open_page("Overview")
    no_exception(at)
    assert any("make build" in w.value for w in at.warning)
    assert str(tmp_path) not in element_texts(at)
