"""The thread page's own translated strings, looked up once per locale.

Each ``_()`` in a template asks Flask-Babel for the request's translations again; the
thread page had fifteen of them. ``thread_strings()`` gives them as a dict of trusted
markup (what ``_()`` gives in an autoescaped template), made once per locale."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_locale, gettext
from markupsafe import Markup

from kollega.web import kept_for

_BY_LOCALE: dict[str, dict[str, Markup]] = {}


def once_per_locale(
    kept: dict[str, dict[str, Markup]], translate: Callable[[], dict[str, Markup]]
) -> dict[str, Markup]:
    """``translate()`` in the request's locale, made once per locale and kept in ``kept``."""
    return kept_for(kept, str(get_locale()), translate, 32)  # locales come from LANGUAGES


def _translated() -> dict[str, Markup]:
    strings = {
        "breadcrumb": gettext("Breadcrumb"),
        "networks": gettext("Learning networks"),
        "resolved": gettext("resolved"),
        "archived": gettext("archived: read only"),
        "unfollow": gettext("Stop following"),
        "follow": gettext("Follow the thread"),
        "reopen": gettext("Reopen"),
        "resolve": gettext("Mark as resolved"),
        "messages": gettext("Messages"),
        "older": gettext("Show older messages"),
        "none": gettext("No messages yet."),
        "new": gettext("New messages"),
        "newest": gettext("Show the newest messages"),
        "write": gettext("Write a message"),
        "read_only": gettext("The network is archived and can only be read."),
    }
    return {key: Markup(text) for key, text in strings.items()}


def thread_strings() -> dict[str, Markup]:
    """The thread page's strings in the request's locale (``networks/thread.html``)."""
    return once_per_locale(_BY_LOCALE, _translated)
