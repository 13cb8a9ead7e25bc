"""OAuth 2.0 refresh-token grant, for vendors that rotate refresh tokens (Xero, QuickBooks Online).

An app is authorised once in a browser (the authorization-code flow, outside wipcast), which yields a
refresh token, configured as a dlt secret. Every access token comes from `POST <token_url>` with
`grant_type=refresh_token`, the client id and secret as HTTP Basic. The answer may carry a *new*
refresh token, and then the old one stops working (Xero: at once; Intuit: after a while): whoever
holds only the old one must authorise the app again.

So the newest refresh token is kept in a token file (a connector setting, default beside dlt's
secrets.toml), written atomically with mode 0600 *before* the access token that came with it is
used: a run killed later loses nothing. The file also holds a SHA-256 of the configured refresh token
it descends from; when the configured one changes (the app authorised again, the secret replaced),
the file is stale and the configured token is used. Not dlt state or the warehouse (analysts read
those), not secrets.toml (the user's file, or an environment variable or a vault).

One refresh and one resend on a 401, the one-line refusals, and one token shared by every resource
come from ingest.connectors.oauth.ClientCredentialsAuth. No token is ever in a message, a log or a repr.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ingest.connectors.oauth import ClientCredentialsAuth, TokenRefused
from wipcast.files import write_atomically


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshTokenStore:
    """The newest refresh token descending from one configured refresh token, in a small JSON file:
    `{"configured_sha256": <SHA-256 of the configured token>, "refresh_token": <the newest>}`."""

    def __init__(self, path: Path, configured: str, setting: str) -> None:
        self.path = path
        self.setting = setting  # the setting that names the file (connectors.xero.token_file), for messages
        self._configured = configured

    def __repr__(self) -> str:
        return f"RefreshTokenStore({str(self.path)!r})"

    def current(self) -> str:
        """The kept token while it descends from the configured one, else the configured one."""
        try:
            kept = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return self._configured
        if not isinstance(kept, dict) or kept.get("configured_sha256") != _digest(self._configured):
            return self._configured  # authorised again since: the configured token is the newer one
        token = kept.get("refresh_token")
        return token if isinstance(token, str) and token else self._configured

    def keep(self, token: str) -> None:
        """Replace the kept token atomically (temp file beside it, fsync, rename), readable by the owner only."""
        text = json.dumps({"configured_sha256": _digest(self._configured), "refresh_token": token})
        write_atomically(self.path, text.encode(), mode=0o600)


class RefreshTokenAuth(ClientCredentialsAuth):
    """ClientCredentialsAuth with the refresh-token grant: only `fetch` differs.

    `__deepcopy__` stays the base's (returns self), and must: dlt copies each resource's client
    config, and a copy would hold its own access token and its own idea of the newest refresh token.
    With rotation that is worse than a wasted fetch: a second copy refreshing with a token the first
    already spent is refused (Xero retires it at once), and the two would race on the token file. One
    object per run is one token chain."""

    grant_label = "refresh token"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        store: RefreshTokenStore,
        label: str,
        hint: str,
        endpoint_hint: str = "the token_url setting",
    ) -> None:
        super().__init__(token_url, client_id, client_secret, label, hint)
        self.endpoint_hint = endpoint_hint
        self._store = store
        self.rotations = 0  # new refresh tokens kept (a test counts them)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._token_url!r}, client_id=***, client_secret=***, refresh_token=***)"

    __str__ = __repr__

    def fetch(self) -> str:
        current = self._store.current()
        answer = self._token_answer(
            {"grant_type": "refresh_token", "refresh_token": current}, (self._client_id, self._client_secret)
        )
        rotated = answer.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != current:
            try:
                self._store.keep(rotated)  # before the access token is used: a crash after it loses nothing
            except OSError as exc:
                raise TokenRefused(
                    f"cannot keep the new {self._label} refresh token in {self._store.path} "
                    f"({exc.strerror or type(exc).__name__})",
                    f"make the folder writable (or set {self._store.setting}); the old token may still work "
                    "for a short while, so rerun soon",
                ) from None
            self.rotations += 1
        self.fetches += 1
        return str(answer["access_token"])
