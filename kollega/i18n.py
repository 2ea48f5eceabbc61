"""Language choice: ``?lang=``, then for a client with a bearer token its
``Accept-Language``, then the session, then the person's setting, then bokmål.

A browser's ``Accept-Language`` is not followed (an English browser gets bokmål until the
person chooses): the pages and the API calls their scripts make speak one language. A
client with a bearer token sets the header itself, so it is its explicit ask."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user

# Bokmål answers a client that asks for Norwegian in general or for nynorsk.
ALIASES = {"no": "nb", "nn": "nb"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang") if request else None
    if wanted in languages:
        return wanted
    user = current_user
    authenticated = getattr(user, "is_authenticated", False)
    if authenticated and g.get("auth_via_token"):
        asked = _accepted(languages)
        if asked is not None:
            return asked
    if session.get("lang") in languages:
        return session["lang"]
    if authenticated and getattr(user, "locale", None) in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _accepted(languages: list[str]) -> str | None:
    """The language a token client asks for in ``Accept-Language`` that kollega speaks,
    by the client's order of preference; None when it names none (or sends none)."""
    for value, quality in request.accept_languages:
        if quality <= 0:  # "q=0": not this one
            continue
        primary = value.split("-")[0].split("_")[0].lower()
        primary = ALIASES.get(primary, primary)
        if primary in languages:
            return primary
    return None
