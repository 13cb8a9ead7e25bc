"""Who may run scenarios from the dashboard: the decision in app/access.py and the allow-list setting (no browser)."""

from __future__ import annotations

import pytest

from app import access
from app.access import ScenarioAccess, Viewer, decide
from wipcast.errors import InputError
from wipcast.settings import load_settings

ALLOWED = ("cfo@firm.com", "@partners.example")
AUTH = {
    "redirect_uri": "https://wipcast.firm.com/oauth2callback",
    "cookie_secret": "s3cret",
    "client_id": "id",
    "client_secret": "secret",
    "server_metadata_url": "https://login.example/.well-known/openid-configuration",
}
CFO = Viewer(logged_in=True, email="cfo@firm.com", email_verified=True)


def verdict(**changes) -> ScenarioAccess:
    facts = {
        "enabled": True,
        "address": "0.0.0.0",
        "viewer": CFO,
        "allowed": ALLOWED,
        "providers": (None,),
        "authlib_installed": True,
    }
    facts.update(changes)
    return decide(**facts)


@pytest.mark.parametrize(
    ("value", "enabled"),
    [("true", True), ("TRUE ", True), ("false", False), ("", False), ("1", False), ("yes", False)],
)
def test_only_the_word_true_from_wipcast_app_enables_scenarios(value, enabled):
    assert access.scenarios_enabled({access.ALLOW_SCENARIOS_ENV: value}) is enabled
    assert access.scenarios_enabled({}) is False


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("wipcast.firm.com", False),  # a name may resolve anywhere
        ("", False),
        (None, False),  # Streamlit's default: every interface
    ],
)
def test_loopback_addresses(address, loopback):
    assert access.is_loopback(address) is loopback


def test_scenarios_are_off_by_default_whoever_looks():
    off = verdict(enabled=False, address="127.0.0.1")
    assert not off.can_run
    assert "wipcast app --allow-scenarios" in off.reason
    assert "\n" not in off.reason


def test_on_loopback_enabling_is_enough():
    assert verdict(address="127.0.0.1", viewer=Viewer(), allowed=(), providers=()).can_run


def test_beyond_loopback_an_allowed_logged_in_user_may_run():
    ok = verdict()
    assert ok.can_run and ok.user == "cfo@firm.com"
    assert verdict(viewer=Viewer(logged_in=True, email="Ana@Partners.Example")).can_run  # a domain entry
    assert verdict(address=None).can_run  # unset address: treated as beyond loopback, and the rules hold


@pytest.mark.parametrize(
    "viewer",
    [
        Viewer(logged_in=True, email="intern@firm.com"),
        Viewer(logged_in=True, email="cfo@firm.com.evil.example"),
        Viewer(logged_in=True, email="ana@sub.partners.example"),  # a domain entry does not cover subdomains
        Viewer(logged_in=True, email="ana@evilpartners.example"),
        Viewer(logged_in=True, email="x@cfo@firm.com"),
        Viewer(logged_in=True, email=None),
        Viewer(logged_in=True, email="cfo@firm.com", email_verified=False),
    ],
)
def test_beyond_loopback_anyone_else_gets_one_line_and_no_run(viewer):
    denied = verdict(viewer=viewer)
    assert not denied.can_run and denied.reason and "\n" not in denied.reason
    assert denied.login_providers == ()


def test_the_users_e_mail_in_the_refusal_is_escaped():
    denied = verdict(viewer=Viewer(logged_in=True, email="![x](http://127.0.0.1:9/b.png)@firm.org"))
    assert "![" not in denied.reason and "](" not in denied.reason
    assert "\\!\\[x\\]" in denied.reason


def test_beyond_loopback_a_logged_out_viewer_is_offered_the_login():
    logged_out = verdict(viewer=Viewer())
    assert not logged_out.can_run
    assert logged_out.login_providers == (None,)
    assert not verdict(viewer=Viewer(), authlib_installed=False).login_providers  # says how to install it instead
    assert "streamlit[auth]" in verdict(viewer=Viewer(), authlib_installed=False).reason


def test_beyond_loopback_it_fails_closed_without_an_allow_list_or_a_login_setup():
    no_list = verdict(allowed=())
    assert not no_list.can_run and "app_allowed_users" in no_list.reason
    no_login = verdict(providers=())
    assert not no_login.can_run and "secrets.toml" in no_login.reason


def test_login_providers_from_the_auth_section():
    assert access.login_providers(AUTH) == (None,)
    shared = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    assert access.login_providers({**shared, "microsoft": provider, "google": provider}) == ("google", "microsoft")
    assert access.login_providers({**shared, "google": {"client_id": "id"}}) == ()  # incomplete
    assert access.login_providers({**provider, "redirect_uri": AUTH["redirect_uri"]}) == ()  # no cookie secret
    assert access.login_providers(None) == ()
    assert access.login_providers({}) == ()


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("cfo@firm.com", True),
        (" CFO@FIRM.COM ", True),
        ("ceo@firm.com", False),
        ("bob@partners.example", True),
        ("bob@partners.example.org", False),
        ("@partners.example", False),
        ("partners.example", False),
        ("", False),
    ],
)
def test_allow_list_matching(email, allowed):
    assert access.on_allow_list(email, ALLOWED) is allowed


def test_the_allow_list_comes_from_wipcast_toml_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("WIPCAST_APP_ALLOWED_USERS", raising=False)
    assert load_settings(cwd=tmp_path).app_allowed_users == ()
    (tmp_path / "wipcast.toml").write_text('app_allowed_users = ["CFO@firm.com", "@firm.com", "cfo@firm.com"]\n')
    assert load_settings(cwd=tmp_path).app_allowed_users == ("cfo@firm.com", "@firm.com")
    monkeypatch.setenv("WIPCAST_APP_ALLOWED_USERS", "ana@firm.com, @partners.example,")
    assert load_settings(cwd=tmp_path).app_allowed_users == ("ana@firm.com", "@partners.example")


@pytest.mark.parametrize("bad", ["firm.com", "a@b@firm.com", "@", "a@localhost", "two words@firm.com", "@.com"])
def test_a_malformed_allow_list_entry_is_an_input_error(tmp_path, monkeypatch, bad):
    monkeypatch.setenv("WIPCAST_APP_ALLOWED_USERS", bad)
    with pytest.raises(InputError, match="app_allowed_users"):
        load_settings(cwd=tmp_path)
