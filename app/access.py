"""Who may run scenarios from the dashboard (running one writes the warehouse and publishes).

The decision (`decide`) is plain Python: what the server was started with, where it listens, who is logged
in, the allow-list and whether the login is set up go in; a verdict comes out. `current_access` gathers
those facts from Streamlit and the settings for the Scenarios page. The rules (docs/operations.md, "The
dashboard"):

1. Off unless the server was started with `wipcast app --allow-scenarios` (WIPCAST_APP_ALLOW_SCENARIOS=true).
2. On a loopback address that is all: only this machine can connect.
3. On any other address, or an unknown one (Streamlit then listens on every interface), the viewer must be
   logged in with Streamlit's OIDC login (`st.login`, .streamlit/secrets.toml [auth]) with an e-mail on the
   allow-list (`app_allowed_users` in wipcast.toml, or WIPCAST_APP_ALLOWED_USERS). No allow-list, no login
   set up, or an e-mail the identity provider says is unverified: nobody runs scenarios (fail closed).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.formatting import plain

ALLOW_SCENARIOS_ENV = "WIPCAST_APP_ALLOW_SCENARIOS"
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
SHARED_AUTH_KEYS = ("redirect_uri", "cookie_secret")

READ_ONLY = (
    "Read-only: running scenarios is off on this dashboard. Start it with `wipcast app --allow-scenarios` to run "
    "them here, or download the YAML and run `wipcast scenario run FILE`."
)
NO_ALLOW_LIST = (
    "Running scenarios on a dashboard served beyond this machine needs an allow-list: set `app_allowed_users` in "
    "wipcast.toml (see docs/operations.md)."
)
NO_LOGIN_SETUP = (
    "Running scenarios on a dashboard served beyond this machine needs a login: configure [auth] in "
    ".streamlit/secrets.toml (see docs/operations.md)."
)
NO_AUTHLIB = (
    "Running scenarios on a dashboard served beyond this machine needs a login, and the login needs Authlib: "
    "`pip install 'streamlit[auth]'` on the server (see docs/operations.md)."
)
LOG_IN = "Log in to run scenarios: this dashboard is served beyond this machine."


@dataclass(frozen=True)
class Viewer:
    """The person looking at the page, as Streamlit's login knows them (`st.user`)."""

    logged_in: bool = False
    email: str | None = None
    email_verified: bool | None = None  # the identity provider's claim, when it sends one


@dataclass(frozen=True)
class ScenarioAccess:
    can_run: bool
    reason: str = ""  # one line (Markdown, data escaped) for the page when can_run is False
    login_providers: tuple[str | None, ...] = field(default=())  # offer these logins (None: the [auth] one)
    user: str | None = None  # who runs them, when a login decided it (for the server log)


def scenarios_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Did `wipcast app` pass --allow-scenarios? Only the exact word "true" turns it on."""
    value = (os.environ if env is None else env).get(ALLOW_SCENARIOS_ENV, "")
    return value.strip().lower() == "true"


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost. Unset means every interface; any other name may resolve anywhere."""
    if not address:
        return False
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def on_allow_list(email: str | None, allowed: Sequence[str]) -> bool:
    """`cfo@firm.com` matches that address; `@firm.com` every address at exactly that domain (no subdomain)."""
    if not email:
        return False
    address = email.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or "@" in local or not domain:
        return False
    for entry in allowed:
        wanted = entry.strip().lower()
        if wanted.startswith("@") and domain == wanted[1:]:
            return True
        if not wanted.startswith("@") and address == wanted:
            return True
    return False


def login_providers(auth: Mapping[str, object] | None) -> tuple[str | None, ...]:
    """The logins [auth] sets up: None for one given in [auth] itself, else the names of [auth.NAME] tables."""
    if not auth or not all(auth.get(key) for key in SHARED_AUTH_KEYS):
        return ()
    if all(auth.get(key) for key in PROVIDER_KEYS):
        return (None,)
    return tuple(
        sorted(
            str(name)
            for name, section in auth.items()
            if isinstance(section, Mapping) and all(section.get(key) for key in PROVIDER_KEYS)
        )
    )


def decide(
    *,
    enabled: bool,
    address: str | None,
    viewer: Viewer,
    allowed: Sequence[str],
    providers: Sequence[str | None],
    authlib_installed: bool = True,
) -> ScenarioAccess:
    if not enabled:
        return ScenarioAccess(False, READ_ONLY)
    if is_loopback(address):
        return ScenarioAccess(True)
    if not allowed:
        return ScenarioAccess(False, NO_ALLOW_LIST)
    if not providers:
        return ScenarioAccess(False, NO_LOGIN_SETUP)
    if viewer.logged_in:
        if viewer.email_verified is False:
            return ScenarioAccess(
                False, f"Your identity provider has not verified {plain(viewer.email)}, so it cannot run scenarios."
            )
        if not on_allow_list(viewer.email, allowed):
            who = plain(viewer.email) if viewer.email else "an account without an e-mail"
            return ScenarioAccess(False, f"You are logged in as {who}, which is not allowed to run scenarios here.")
        return ScenarioAccess(True, user=viewer.email)
    if not authlib_installed:
        return ScenarioAccess(False, NO_AUTHLIB)
    return ScenarioAccess(False, LOG_IN, login_providers=tuple(providers))


# ---------------------------------------------------------------- the facts, from Streamlit and the settings


def authlib_installed() -> bool:
    """Streamlit's login needs Authlib (`pip install 'streamlit[auth]'`)."""
    return importlib.util.find_spec("authlib") is not None


def _viewer() -> Viewer:
    import streamlit as st

    info = st.user.to_dict()
    email = info.get("email")
    verified = info.get("email_verified")
    return Viewer(
        logged_in=info.get("is_logged_in") is True,
        email=email if isinstance(email, str) else None,
        email_verified=verified if isinstance(verified, bool) else None,
    )


def _auth_section() -> Mapping[str, object] | None:
    import streamlit as st

    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get("auth")
    except (OSError, ValueError, KeyError, AttributeError):  # no readable secrets.toml: no login set up
        return None
    return section if isinstance(section, Mapping) else None


def current_access() -> ScenarioAccess:
    """The verdict for this viewer of this server, now (the page asks again when Run is pressed)."""
    import streamlit as st

    from wipcast.errors import WipcastError
    from wipcast.settings import load_settings

    enabled = scenarios_enabled()
    if not enabled:
        return decide(enabled=False, address=None, viewer=Viewer(), allowed=(), providers=())
    address = st.get_option("server.address")
    allowed: Sequence[str] = ()
    if not is_loopback(address):
        try:
            allowed = load_settings().app_allowed_users
        except WipcastError as exc:
            return ScenarioAccess(False, plain(exc.one_line()))
    return decide(
        enabled=True,
        address=address,
        viewer=_viewer(),
        allowed=allowed,
        providers=login_providers(_auth_section()),
        authlib_installed=authlib_installed(),
    )
