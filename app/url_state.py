"""The view in the address bar: the global filters as query parameters, so a copied link opens the same view.

`?run=run-202610&practice=Data&practice=Cloud&entity=E1` (a parameter repeated per value). Reading is
tolerant: an unknown parameter is ignored, and values the warehouse no longer has are dropped by the
sidebar, never an error. Plain functions, so the round trip is tested without a browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.queries.scope import Filters

# Filters field -> query parameter. Short names: they are what a user sees and edits in the address bar.
PARAMS = {
    "entities": "entity",
    "regions": "region",
    "practices": "practice",
    "customers": "customer",
}
RUN_PARAM = "run"
FILTER_PARAMS = (RUN_PARAM, *PARAMS.values())


def filters_to_params(f: Filters) -> dict[str, list[str]]:
    """The parameters for these filters; a filter not set has no parameter (the URL stays short)."""
    params: dict[str, list[str]] = {}
    if f.run_id:
        params[RUN_PARAM] = [f.run_id]
    for field_name, param in PARAMS.items():
        values: tuple[str, ...] = getattr(f, field_name)
        if values:
            params[param] = list(values)
    return params


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def filters_from_params(params: Mapping[str, Iterable[str]]) -> Filters:
    """Filters from query parameters (each a list of values, as st.query_params.get_all gives them)."""
    runs = _distinct(params.get(RUN_PARAM, ()))
    chosen = {field_name: _distinct(params.get(param, ())) for field_name, param in PARAMS.items()}
    return Filters(run_id=runs[0] if runs else None, **chosen)


def query_string(params: Mapping[str, Iterable[str]]) -> str:
    """`a=1&a=2&b=x`, values URL-encoded: for links that carry the view to another page."""
    from urllib.parse import urlencode

    return urlencode([(key, value) for key, values in params.items() for value in values])
