"""Saved views: a user names the view on screen (its page and query parameters: filters, forecast run, open
detail, project) and opens it again later from the sidebar.

Each user's views are one small JSON file, `views/<user>.json` in the folder of the published warehouse
(`$WIPCAST_WAREHOUSE_DIR/views/`; wipcast.toml has no app section to name another folder), never inside the
published file, which is read-only and replaced on every publish. The user is the logged-in e-mail when the
dashboard has a login, else "local" (everyone on a dashboard without a login shares those views). Files are
written atomically (a temporary file in the same folder, then os.replace). A file that cannot be read is never
overwritten silently: reading it is a one-line error naming the file, and saving over it first keeps it as
`<file>.bad`.

Plain functions (no Streamlit): the sidebar widget is in app/filters.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wipcast.errors import InputError, WipcastError
from wipcast.files import write_atomically

if TYPE_CHECKING:
    from app.access import Viewer
    from app.queries.scope import Filters

VIEWS_FOLDER = "views"
LOCAL_USER = "local"
NAME_MAX = 60
MAX_VIEWS = 200  # per user: a file that stays small
MAX_VALUES = 500  # query parameter values per view
FORMAT_VERSION = 1
_SLUG_MAX = 100
# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: a name is one line.
_NOT_IN_A_NAME = ("Cc", "Zl", "Zp")


class CorruptViewsFile(WipcastError):
    """The user's views file is not the JSON this module writes; it is left as it is."""


@dataclass(frozen=True)
class SavedView:
    name: str
    page: str  # the page title ("Overview")
    params: dict[str, list[str]] = field(default_factory=dict)  # query parameters, each a list of values
    saved_at: str = ""  # ISO 8601, UTC

    @property
    def filters(self) -> Filters:
        """The filters the view opens with (app.url_state reads them like a link's)."""
        from app.url_state import filters_from_params

        return filters_from_params(self.params)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "page": self.page, "params": self.params, "saved_at": self.saved_at}


@dataclass(frozen=True)
class Saved:
    """What a save did: the view, whether it replaced one of that name, where an unreadable file was kept."""

    view: SavedView
    replaced: bool = False
    kept_as: str | None = None  # the file name an unreadable views file was moved to


class ViewExists(InputError):
    """A view of that name exists: the caller asks before replacing it (save with overwrite=True)."""

    def __init__(self, name: str):
        super().__init__(f"view name: a view named {name!r} exists", "overwrite it or choose another name")
        self.name = name


# ---------------------------------------------------------------- who and where


def user_of(viewer: Viewer) -> str | None:
    """Whose views these are: the logged-in e-mail (lower case), "local" without a login. None for a login whose
    identity provider says the e-mail is not verified (it could be anyone's): no saved views for them."""
    if not viewer.logged_in:
        return LOCAL_USER
    if not viewer.email or viewer.email_verified is False:
        return None
    return viewer.email.strip().lower()


def user_slug(user: str) -> str:
    """A file name for the user, one to one: lower-case letters, digits, "." and "-" stay, every other character
    is `_` and its code in hex ("cfo@firm.com" -> "cfo_40_firm.com"), a leading "." too. Over 100 characters: the
    first 80 and a hash of the whole."""
    text = user.strip().lower()
    slug = "".join(c if re.fullmatch(r"[a-z0-9.-]", c) else f"_{ord(c):x}_" for c in text)
    if slug.startswith("."):
        slug = f"_{ord('.'):x}_" + slug[1:]
    if not slug:
        raise InputError("user: empty", "log in again")
    if len(slug) > _SLUG_MAX:
        slug = f"{slug[:80]}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    return slug


def views_dir(published_db: Path) -> Path:
    """The folder beside the published warehouse file."""
    return published_db.parent / VIEWS_FOLDER


def validate_name(name: object) -> str:
    """The name as it is kept (surrounding spaces removed); an InputError naming the field otherwise."""
    if not isinstance(name, str):
        raise InputError("view name: must be text", "type a name for the view")
    text = name.strip()
    if not 1 <= len(text) <= NAME_MAX:
        raise InputError(
            f"view name: must be 1 to {NAME_MAX} characters (got {len(text)})", "type a shorter or non-empty name"
        )
    if any(unicodedata.category(c) in _NOT_IN_A_NAME for c in text):
        raise InputError("view name: must not contain control characters or line breaks", "type it on one line")
    return text


def clean_params(params: Mapping[str, Iterable[str] | str]) -> dict[str, list[str]]:
    """Query parameters as a view keeps them: text keys, each with a list of text values, empty ones left out."""
    cleaned: dict[str, list[str]] = {}
    count = 0
    for key, values in params.items():
        listed = [values] if isinstance(values, str) else list(values)
        if not isinstance(key, str) or not all(isinstance(v, str) for v in listed):
            raise InputError("view: query parameters must be text", "open the view's page again and save it")
        if listed:
            cleaned[key] = listed
            count += len(listed)
    if count > MAX_VALUES:
        raise InputError(f"view: more than {MAX_VALUES} filter values", "save a view with fewer values")
    return cleaned


# ---------------------------------------------------------------- the file


class ViewStore:
    """One user's saved views in `folder/<user slug>.json`."""

    def __init__(self, folder: Path, user: str):
        self.folder, self.user = folder, user
        self.path = folder / f"{user_slug(user)}.json"

    # reading

    def views(self) -> list[SavedView]:
        """The views, in the order saved (a missing file: none). CorruptViewsFile when the file is unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except UnicodeDecodeError:
            raise self._corrupt("is not UTF-8 text") from None
        except OSError as exc:
            raise WipcastError(
                f"cannot read the saved views file {self.path.name} ({exc.strerror or type(exc).__name__})",
                "ask the operator to check the views folder beside the warehouse",
            ) from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self._corrupt(f"is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
        return self._parse(document)

    def _corrupt(self, why: str) -> CorruptViewsFile:
        return CorruptViewsFile(
            f"the saved views file {self.path.name} {why}",
            f"it is left as it is; saving a view keeps it as {self.path.name}.bad and starts a new file",
        )

    def _parse(self, document: object) -> list[SavedView]:
        if not isinstance(document, dict) or not isinstance(document.get("views"), list):
            raise self._corrupt('has no "views" list')
        views: list[SavedView] = []
        for item in document["views"]:
            try:
                if not isinstance(item, dict) or not isinstance(item.get("page"), str):
                    raise InputError("view: no page")
                params = item.get("params", {})
                if not isinstance(params, dict):
                    raise InputError("view: params is not a table")
                views.append(
                    SavedView(
                        name=validate_name(item.get("name")),
                        page=item["page"],
                        params=clean_params(params),
                        saved_at=str(item.get("saved_at", "")),
                    )
                )
            except InputError as exc:
                raise self._corrupt(f"has a view that cannot be read ({exc.what})") from None
        return views

    def get(self, name: str) -> SavedView:
        wanted = _key(name)
        for view in self.views():
            if _key(view.name) == wanted:
                return view
        raise InputError(f"view name: no saved view named {name!r}", "pick one of the saved views")

    # writing

    def save(self, name: str, page: str, params: Mapping[str, Iterable[str] | str], overwrite: bool = False) -> Saved:
        """Save the view under `name` (compared without case). A name that exists raises ViewExists unless
        `overwrite`; an unreadable file is first kept as `<file>.bad`."""
        view = SavedView(
            validate_name(name),
            page,
            clean_params(params),
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        kept_as = None
        try:
            views = self.views()
        except CorruptViewsFile:
            kept_as = self._keep_bad()
            views = []
        others = [v for v in views if _key(v.name) != _key(view.name)]
        replaced = len(others) < len(views)
        if replaced and not overwrite:
            raise ViewExists(view.name)
        if not replaced and len(views) >= MAX_VIEWS:
            raise InputError(f"view name: you have {MAX_VIEWS} saved views", "delete one before saving another")
        position = next((i for i, v in enumerate(views) if _key(v.name) == _key(view.name)), len(others))
        self._write([*others[:position], view, *others[position:]])
        return Saved(view, replaced, kept_as)

    def delete(self, name: str) -> None:
        views = self.views()
        remaining = [v for v in views if _key(v.name) != _key(name)]
        if len(remaining) == len(views):
            raise InputError(f"view name: no saved view named {name!r}", "pick one of the saved views")
        self._write(remaining)

    def _keep_bad(self) -> str:
        """Move the unreadable file aside (`x.json.bad`, else `x.json.2.bad`, ...) and return its name."""
        for n in range(1, 1000):
            bad = self.path.with_name(f"{self.path.name}.bad" if n == 1 else f"{self.path.name}.{n}.bad")
            if not bad.exists():
                try:
                    os.replace(self.path, bad)
                except OSError as exc:
                    raise self._unwritable(exc) from None
                return bad.name
        raise WipcastError(f"too many unreadable copies of {self.path.name}", "ask the operator to tidy the folder")

    def _write(self, views: list[SavedView]) -> None:
        document = {"version": FORMAT_VERSION, "user": self.user, "views": [v.to_json() for v in views]}
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        try:
            write_atomically(self.path, text.encode("utf-8"))
        except OSError as exc:
            raise self._unwritable(exc) from None

    def _unwritable(self, exc: OSError) -> WipcastError:
        return WipcastError(
            f"cannot write the saved views file {self.path.name} ({exc.strerror or type(exc).__name__})",
            f"ask the operator to let the dashboard write the {VIEWS_FOLDER} folder beside the warehouse",
        )


def _key(name: str) -> str:
    return name.strip().casefold()
