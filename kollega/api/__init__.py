"""The JSON API under ``/api/v1``: the blueprint, authentication, errors and OpenAPI.

Feature packages add their operations in their own ``api.py`` with ``@route`` below;
each operation documents itself, so ``/api/v1/openapi.json`` grows with every feature.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kollega import clock
from kollega.api.openapi import build_document
from kollega.errors import DomainError, ValidationError
from kollega.extensions import csrf
from kollega.web import error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS: set[str] = set()
_SAFE = {"GET", "HEAD", "OPTIONS"}

# What a guest may reach of the API: their account and their network (DESIGN.md, roles:
# a guest sees nothing of kollega beyond it, no catalogue, frameworks, people or
# calendars). The first path segment after /api/v1; each operation still checks its
# own permission (a guest reads only their network's threads, events, people). Every
# other operation, a new one included until it is listed here, is a 403 for a guest.
GUEST_AREAS = frozenset(
    {"me", "networks", "threads", "messages", "notifications", "uploads", "search", "cycle"}
)
GUEST_ENDPOINTS = frozenset({"api.person_detail"})  # themselves, their network's people


def route(
    rule: str,
    methods: list[str] | None = None,
    *,
    summary: str,
    body: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
    public: bool = False,
    status: int = 200,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API operation with the facts OpenAPI needs."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "body": body,
            "response": response,
            "query": query or {},
            "public": public,
            "status": status,
        }
        endpoint = fn.__name__
        if public:
            PUBLIC_ENDPOINTS.add(f"api.{endpoint}")
        bp.add_url_rule(rule, endpoint, fn, methods=methods or ["GET"])
        return fn

    return decorator


def json_body(required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what is wrong."""
    data = _parsed_json()
    if not isinstance(data, dict):
        raise DomainError(_l("The request body must be a JSON object."))
    missing = {name: _l("Required.") for name in required if data.get(name) in (None, "")}
    if missing:
        raise ValidationError(_l("Some required fields are missing."), fields=missing)
    return data


_TOO_DEEP = _l("The request body is nested too deeply.")


def _parsed_json() -> Any:
    """The request's parsed JSON (``None`` when it is not JSON); a body nested deeper
    than Python's parser goes (``"[" * 100000``) is a 400, never a ``RecursionError``."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise DomainError(_TOO_DEEP) from None


def int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError(
            _l("Must be a whole number."), fields={name: _l("Must be a whole number.")}
        ) from None


@bp.before_request
def authenticate() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return error_response(401, _l("Sign in or send a valid bearer token."))
    if current_user.is_guest and not _guest_may(request.path, request.endpoint):
        return error_response(403, _l("Guests take part in their own network only."), "forbidden")
    if request.method not in _SAFE and not g.get("auth_via_token"):
        # Cookie-authenticated scripts must send the CSRF token as a header.
        csrf.protect()
    if request.method not in _SAFE and request.is_json:
        # Parsed once here (and kept), so that no operation meets a body too deep to parse.
        try:
            request.get_json(silent=True)
        except RecursionError:
            return error_response(400, _TOO_DEEP, "bad_request")
    return None


def _guest_may(path: str, endpoint: str | None) -> bool:
    area = path.removeprefix(bp.url_prefix or "").lstrip("/").split("/", 1)[0]
    return area in GUEST_AREAS or endpoint in GUEST_ENDPOINTS


@route("/openapi.json", summary="This OpenAPI document", public=True)
def openapi() -> Any:
    return jsonify(build_document())


def date_arg(name: str, default: dt.date | None = None) -> dt.date | None:
    """An ISO 8601 date from the query string, or a 422 naming the parameter."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            _l("Not a valid date."), fields={name: _l("Use the form YYYY-MM-DD.")}
        ) from None
    if not clock.DATE_RANGE[0] <= value <= clock.DATE_RANGE[1]:
        raise ValidationError(
            _l("The date is out of range."),
            fields={name: _l("Choose a date between 1900 and 2200.")},
        )
    return value
