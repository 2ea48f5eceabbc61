"""Cross-cutting web concerns: security headers, error pages, template helpers."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask, current_app, g, jsonify, render_template, request, url_for
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import Undefined
from markupsafe import Markup
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from kollega import uow
from kollega.errors import DomainError
from kollega.extensions import db
from kollega.org.menu_person import MenuPerson

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

ERROR_TEXT = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Check what you sent and try again."),
    ),
    401: (_l("Sign-in required"), _l("You need to sign in to see this.")),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (_l("Not found"), _l("We could not find what you were looking for.")),
    405: (_l("Not allowed"), _l("That action is not allowed here.")),
    409: (_l("Conflict"), _l("This conflicts with something that already exists.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    422: (_l("Invalid input"), _l("Some of what you sent is not valid.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a little and try again.")),
    500: (
        _l("Something went wrong"),
        _l("An error on our side. It has been logged; please try again later."),
    ),
}


ROLE_LABELS = {
    "employee": _l("employee"),
    "leader": _l("leader"),
    "facilitator": _l("facilitator"),
    "hr": _l("HR"),
    "admin": _l("administrator"),
    "guest": _l("guest"),
}


UNIT_KIND_LABELS = {
    "municipality": _l("municipality"),
    "division": _l("division"),
    "unit": _l("unit"),
    "department": _l("department"),
}

# Cross-feature hooks: a feature adds its panels and menu entries here (from its views
# module), and the page that shows them imports no feature.


@dataclass(frozen=True)
class Panel:
    template: str
    show: Callable[[Any], bool]
    order: int


# The start page's panels, and the sections of the person page (shown to those who may
# see competence), each in ``order``.
START_PANELS: list[Panel] = []
PERSON_PANELS: list[Panel] = []


def _register_panel(
    panels: list[Panel], template: str, show: Callable[[Any], bool], order: int
) -> None:
    if not any(p.template == template for p in panels):
        panels.append(Panel(template, show, order))
        panels.sort(key=lambda p: p.order)


def register_start_panel(template: str, show: Callable[[Any], bool], order: int = 50) -> None:
    """Show ``template`` on the start page to the people ``show(person)`` is true for."""
    _register_panel(START_PANELS, template, show, order)


def register_person_panel(template: str, show: Callable[[Any], bool], order: int = 50) -> None:
    """Add ``template`` to the person page when ``show(target)`` is true."""
    _register_panel(PERSON_PANELS, template, show, order)


def start_panels(person: Any) -> list[str]:
    """The start page's panel templates for ``person``, in order."""
    return [p.template for p in START_PANELS if p.show(person)]


def person_panels(target: Any) -> list[str]:
    """The person page's section templates about ``target``, in order."""
    return [p.template for p in PERSON_PANELS if p.show(target)]


@dataclass(frozen=True)
class NavEntry:
    label: Any
    endpoint: str
    visible: Callable[[Any], bool]
    order: int = 50


# Features add their menu entries here (from their views module).
NAV: list[NavEntry] = []


def register_nav(
    label: Any, endpoint: str, visible: Callable[[Any], bool], order: int = 50
) -> None:
    if not any(e.endpoint == endpoint for e in NAV):
        NAV.append(NavEntry(label, endpoint, visible, order))
        NAV.sort(key=lambda e: e.order)


# Each menu entry's label and URL per (locale, script root, endpoint): the same for every
# request (an entry's URL takes no arguments), translated and built once.
K = TypeVar("K")
V = TypeVar("V")


def kept_for(kept: dict[K, V], key: K, make: Callable[[], V], limit: int) -> V:
    """``make()`` made once per ``key`` and kept in ``kept``: what depends only on the
    locale, the script root and the like (a small set of keys), bounded all the same by
    ``limit`` (beyond it made each time, not kept)."""
    found = kept.get(key)
    if found is None:
        found = make()
        if len(kept) < limit:
            kept[key] = found
    return found


_NAV_TEXT: dict[tuple[str, str, str], tuple[Markup, str]] = {}


def _visible_nav() -> list[tuple[str, bool]]:
    """The menu entries the request's person may see: (endpoint, whether current)."""
    # The person itself, not the proxy: every entry's check reads it several times.
    person = current_user._get_current_object()  # type: ignore[attr-defined]
    if not person.is_authenticated:
        return []
    # Roles and led units in one statement, not two lazy loads (kollega.org.menu_person).
    person = MenuPerson(person)
    visible = [e.endpoint for e in NAV if e.visible(person)]
    current = _current_entry(visible)
    return [(endpoint, endpoint == current) for endpoint in visible]


_NAV_PATHS: dict[tuple[str, str], str] = {}


def _current_entry(endpoints: list[str]) -> str | None:
    """The one entry the page belongs to: the entry whose address is the longest start of
    the page's path (``/competence/team/…`` is "Team competence", not "My competence" at
    ``/competence/``); else the first entry of the page's blueprint (a person's page in
    the competence register is "My competence"); else none."""
    path = request.path
    best, longest = None, 0
    for endpoint in endpoints:
        key = (request.script_root, endpoint)
        if key not in _NAV_PATHS:
            _NAV_PATHS[key] = url_for(endpoint)[len(request.script_root) :].rstrip("/")
        base = _NAV_PATHS[key]
        if base and len(base) > longest and (path == base or path.startswith(base + "/")):
            best, longest = endpoint, len(base)
    if best is not None:
        return best
    blueprint = (request.endpoint or "").split(".")[0]
    return next((e for e in endpoints if e.split(".")[0] == blueprint), None)


def nav_items(visible: list[tuple[str, bool]] | None = None) -> list[dict[str, Any]]:
    """The main menu's entries for the request's person: label, URL, whether current
    (``visible``: what ``_visible_nav`` gave, when already asked)."""
    place = (str(get_locale()), request.script_root)
    items = []
    for endpoint, current in _visible_nav() if visible is None else visible:
        key = (*place, endpoint)
        text = _NAV_TEXT.get(key)
        if text is None:
            label = next(e.label for e in NAV if e.endpoint == endpoint)
            # A lazy label renders as markup (its __html__), so kept as such.
            text = _NAV_TEXT[key] = (Markup(str(label)), url_for(endpoint))
        items.append({"label": text[0], "url": text[1], "current": current})
    return items


# The main menu's HTML (templates/_main_menu.html) per (locale, script root, whether the
# page is the start page, the visible entries and which is current): what it shows
# depends on nothing else, so the checks run on every request and the rendering once.
_MENUS: dict[tuple[Any, ...], Markup] = {}


def main_menu() -> Markup:
    """templates/_main_menu.html for the request's person and page, kept per key."""
    visible = tuple(_visible_nav())
    key = (str(get_locale()), request.script_root, request.endpoint == "home.index", visible)

    def render() -> Markup:
        template = current_app.jinja_env.get_template("_main_menu.html")
        return Markup(template.render(items=nav_items(list(visible)), home=key[2]))

    return kept_for(_MENUS, key, render, 1024)  # locales x blueprints x role mixes


def _layout_texts() -> dict[str, Markup]:
    texts = {
        "skip": _l("Skip to main content"),
        "notifications": _l("Notifications"),
        "unread": _l("unread"),
        "sign_out": _l("Sign out"),
        "footer": _l("Learning from each other in the municipality"),
        "accessibility": _l("Accessibility statement"),
    }
    out = {key: Markup(str(text)) for key, text in texts.items()}
    out["locale"] = Markup.escape(str(get_locale()))
    for key, endpoint, args in (
        ("css", "static", {"filename": "css/kollega.css"}),
        ("js", "static", {"filename": "kollega.js"}),
        ("home_url", "home.index", {}),
        ("language_url", "home.set_language", {}),
        ("logout_url", "auth.logout", {}),
        ("accessibility_url", "home.accessibility", {}),
    ):
        out[key] = Markup.escape(url_for(endpoint, **args))
    return out


# base.html's translations and URLs per (locale, script root): made once, not ten
# Flask-Babel look-ups and six url_for per page.
_LAYOUT: dict[tuple[str, str], dict[str, Markup]] = {}


def layout_texts() -> dict[str, Markup]:
    """base.html's strings (as ``_()`` gives them) and URLs, escaped, for the request."""
    key = (str(get_locale()), request.script_root)
    return kept_for(_LAYOUT, key, _layout_texts, 64)


# Templates that show only translations and URLs without the request's arguments (no
# person, no data): rendered once per (template, locale, script root), see kept_include.
_KEPT: dict[tuple[str, str, str], Markup] = {}
KEPT_TEMPLATES = frozenset({"cycle/_live.html"})


def kept_include(template: str) -> Markup:
    """``{% include template %}`` for a template of ``KEPT_TEMPLATES``, rendered once per
    locale and script root (every page's layout includes them)."""
    if template not in KEPT_TEMPLATES:
        raise ValueError(f"{template} is not a kept template")
    key = (template, str(get_locale()), request.script_root)
    return kept_for(
        _KEPT, key, lambda: Markup(current_app.jinja_env.get_template(template).render()), 64
    )


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(
    status: int,
    message: object | None = None,
    code: str | None = None,
    fields: dict[str, object] | None = None,
) -> Any:
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[400 if status < 500 else 500])
    message = message or text
    if wants_json():
        body = {
            "error": {
                "code": code or _default_code(status),
                "message": str(message),
                "fields": {k: str(v) for k, v in (fields or {}).items()},
            }
        }
        return jsonify(body), status
    return render_template(
        "error.html", status=status, title=title, message=message, fields=fields or {}
    ), status


def _default_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        422: "invalid",
        429: "rate_limited",
        500: "server_error",
    }.get(status, "error")


def init_app(app: Flask) -> None:
    uow.init_app(app)

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if current_app.config.get("ENV_NAME") == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Any:
        db.session.rollback()
        return error_response(exc.status, exc.message, exc.code, exc.fields)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return error_response(
            400,
            _l("The form had expired or was not sent from kollega. Reload the page and try again."),
            "csrf",
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = getattr(exc, "kollega_message", None)
        return error_response(status, message)

    @app.errorhandler(OverflowError)
    @app.errorhandler(sa_exc.DataError)
    def out_of_range(exc: Exception) -> Any:
        # A number or text too large for its column (an id of 2**70, an over-long string
        # on PostgreSQL): bad input, refused as such; nothing was stored.
        db.session.rollback()
        return error_response(400)

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Any:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500)

    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale()),
        nav_items=nav_items,
        main_menu=main_menu,
        layout_texts=layout_texts,
        kept_include=kept_include,
    )
    app.jinja_env.filters["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    app.jinja_env.filters["unit_kind_label"] = lambda kind: UNIT_KIND_LABELS.get(kind, kind)
    app.jinja_env.globals["person_panels"] = person_panels
    app.jinja_env.filters["localdatetime"] = _localdatetime
    app.jinja_env.filters["localdate"] = _localdate
    app.jinja_env.filters["localtime"] = _localtime
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.filters["localmonth"] = localmonth
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.context_processor
    def template_context() -> dict[str, Any]:
        return {"languages": app.config["LANGUAGES"], "request_id": g.get("request_id")}


def _localdatetime(value: dt.datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else ""


def _localdate(value: dt.date | None, fmt: str = "medium") -> str:
    return format_date(value, fmt) if value else ""


def _localtime(value: dt.datetime | None, fmt: str = "short") -> str:
    return format_time(value, fmt) if value else ""


# What a figure that is not there (hidden, not measured, no base) reads as.
MISSING = "\u2013"


def _rounded(value: Any, digits: int) -> float | int | None:
    """The value rounded to ``digits`` decimals, ``-0`` made ``0``; None when not a number."""
    if value is None or isinstance(value, (bool, Undefined)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    # Half up on the shortest decimal text of the float, as a person rounds: 1055.35 is
    # 1055.4 (binary rounding would give 1055.3).
    exact = Decimal(repr(number)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if exact == 0:
        return 0
    return int(exact) if digits == 0 else float(exact)


@functools.lru_cache(maxsize=64)
def _number_pattern(pattern: str) -> NumberPattern:
    """A number pattern parsed once (Babel parses the text on every call: a figure page's
    hundreds of numbers spent most of their time there); ``format_decimal`` takes it as
    it takes the text."""
    return parse_pattern(pattern)


def formatted(value: float | int, pattern: str) -> str:
    """``value`` by the number ``pattern`` in the user's locale (bokmål outside a
    request). A page shows the same few figures many times (0, 1, 0,00): each is made
    once per process, locale and pattern (Babel's formatting is the cost of a figure)."""
    return _formatted(str(get_locale() or "nb"), pattern, value)


@functools.lru_cache(maxsize=16_384)
def _formatted(locale: str, pattern: str, value: float | int) -> str:
    return str(babel_format_decimal(value, format=_number_pattern(pattern), locale=locale))


def number(value: Any, digits: int = 0, trim: bool = False) -> str:
    """A number in the user's locale with ``digits`` decimals: ``1 055,4`` in bokmål.

    ``|number`` for counts, ``|number(1)`` for FTEs and averages, ``|number(1, trim=True)``
    to drop zero decimals (``7,5`` and ``8`` hours); never a raw float, never ``-0``; a
    missing value reads as a dash."""
    rounded = _rounded(value, digits)
    if rounded is None:
        return value if isinstance(value, str) else MISSING
    pattern = "#,##0" + ("." + ("#" if trim else "0") * digits if digits > 0 else "")
    return formatted(rounded, pattern)


def percent(value: Any, digits: int = 0) -> str:
    """A fraction (0.38) as a percentage in the user's locale: ``38 %`` in bokmål.

    Rounded first, so a tiny negative change reads ``0 %``, never ``-0 %``."""
    rounded = _rounded(_times_100(value), digits)
    if rounded is None:
        return MISSING
    locale = get_locale() or Locale.parse("nb")
    # The locale's percent pattern ("#,##0 %" in bokmål, "#,##0%" in English) with the
    # decimals asked for; the value is already in per cent, so the pattern's x100 is undone.
    pattern = locale.percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return formatted(rounded / 100, pattern)


def figure(value: Any, kind: str = "int") -> str:
    """A table cell by the kind of its column (as ``kollega.tables`` kinds it): ``int`` or
    ``count`` a whole number, ``decimal`` one decimal, ``share`` a percentage, ``date`` a
    local date, anything else as text; a missing (hidden) figure reads as a dash."""
    if value is None or isinstance(value, Undefined):
        return MISSING
    if kind in ("int", "count"):
        return number(value)
    if kind == "decimal":
        return number(value, 1)
    if kind == "share":
        return percent(value)
    if kind == "date" and isinstance(value, dt.date):
        return _localdate(value)
    return str(value)


def localmonth(value: Any) -> str:
    """A month (a date, or ``YYYY-MM`` text) as the user's locale names it: ``mars 2026``."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return MISSING
    return format_date(value, "LLLL y")


def _times_100(value: Any) -> float | None:
    if value is None or isinstance(value, (bool, Undefined)):
        return None
    try:
        return float(value) * 100
    except (TypeError, ValueError):
        return None
