"""Language choice: the person's setting, then the session, then bokmål."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang") if request else None
    if wanted in languages:
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    user = current_user
    if getattr(user, "is_authenticated", False) and getattr(user, "locale", None) in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]
