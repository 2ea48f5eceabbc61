"""The thread page's composer (networks/_composer.html) without building its form on
every page.

A fresh composer (no reply, no errors) is the same for every reader of a thread in a
locale but for two values: the reader's CSRF token and the page's new client id. It is
rendered once through its form with markers (random per process, so no user text can
hold them) in place of those two, kept per thread, locale and script root, and the two
values are put in on the way out. A reply or a refused post renders the composer with
its own form, as before."""

from __future__ import annotations

import secrets

from flask import render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from kollega.networks.forms import MessageForm
from kollega.networks.render import FragmentCache

COMPOSER_FRAGMENTS = FragmentCache(max_entries=1024, max_chars=4_000_000)
_CSRF_MARK = f"csrf{secrets.token_hex(16)}"
_CLIENT_MARK = f"client{secrets.token_hex(16)}"


def composer_html(thread_id: int, form: MessageForm) -> Markup:
    """The composer of ``form`` (a reply or a refused post)."""
    html = render_template("networks/_composer.html", form=form, thread_id=thread_id)
    return Markup(html.strip())


def fresh_composer_html(thread_id: int) -> Markup:
    """A fresh composer with a new client id, from COMPOSER_FRAGMENTS when kept there;
    the same HTML as ``composer_html`` of ``MessageForm(client_id=...)``."""
    key = (thread_id, str(get_locale()), request.script_root)
    kept = COMPOSER_FRAGMENTS.get(key)
    csrf = str(escape(generate_csrf()))
    if kept is None:
        html = str(composer_html(thread_id, MessageForm(formdata=None, client_id=_CLIENT_MARK)))
        # The token once (none where CSRF protection is off, as in tests), the id once:
        # anything else and a value could land in the wrong place, so refuse.
        if html.count(csrf) > 1 or html.count(_CLIENT_MARK) != 1:
            raise RuntimeError("the composer's CSRF token or client id is not where expected")
        kept = (html.replace(csrf, _CSRF_MARK),)
        COMPOSER_FRAGMENTS.put(key, kept)
    client_id = secrets.token_urlsafe(12)
    return Markup(kept[0].replace(_CSRF_MARK, csrf).replace(_CLIENT_MARK, client_id))
