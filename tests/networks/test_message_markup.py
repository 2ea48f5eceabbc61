"""The thread page's messages are built in Python (``message_markup.message_item``); its
markup is ``templates/networks/_message.html``'s macro (the browser twin of
``assets/chat/message.js``), byte for byte, over every switch a message has."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from flask import render_template_string
from markupsafe import Markup

from kollega.networks.message_markup import message_item
from kollega.networks.page_messages import PageAuthor, PageMessage, PageReply
from kollega.networks.render import FLAGS, _attachments, _message_strings

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7)
TRICKY = "Kari <b>\"&' Nordmann"


def _message(**kw: Any) -> PageMessage:
    values: dict[str, Any] = {
        "id": 7,
        "thread_id": 3,
        "seq": 12,
        "author_id": 5,
        "client_id": 'c-"<1>',
        "body": "x",
        "body_html": '<p>Hei <strong>alle</strong> &amp; <a href="https://e.org">e</a></p>',
        "reply_to_id": None,
        "created_at": WHEN,
        "edited_at": None,
        "deleted_at": None,
        "author": PageAuthor(5, TRICKY),
        "reply_to": None,
    }
    values.update(kw)
    return PageMessage(**values)


def _reply(deleted: bool = False) -> PageReply:
    return PageReply(4, 9, "svar", WHEN if deleted else None, PageAuthor(6, "Ola <i>"))


MESSAGES = [
    _message(),
    _message(edited_at=WHEN),
    _message(deleted_at=WHEN, edited_at=WHEN),
    _message(reply_to_id=4, reply_to=_reply()),
    _message(reply_to_id=4, reply_to=_reply(deleted=True), deleted_at=WHEN),
]
FILES = [
    {
        "id": 1,
        "name": "bilde <1>.png",
        "size": 2048,
        "content_type": "image/png",
        "url": "/files/1",
        "thumbnail_url": "/files/1/thumb",
    },
    {
        "id": 2,
        "name": "notat.pdf",
        "size": 3_500_000,
        "content_type": "application/pdf",
        "url": "/files/2",
        "thumbnail_url": None,
    },
]
REACTIONS = [(), (("👍", 2, True), ("<&>", 1, False))]


def _jinja(m: Any, f: dict[str, Any], rx: Any, u: Any, t: Any, csrf: str) -> str:
    return render_template_string(
        '{% from "networks/_message.html" import message_item %}'
        "{{ message_item(m, f, rx, u, t, csrf) }}",
        m=m,
        f=f,
        rx=rx,
        u=u,
        t=t,
        csrf=csrf,
    )


def _compare(t: dict[str, Markup]) -> int:
    u = {"state": "/threads/3/state?a=1&b=<2>"}
    checked = 0
    for m, rx, flags, excerpt in itertools.product(
        MESSAGES, REACTIONS, itertools.product((False, True), repeat=len(FLAGS)), ("", "a <b>")
    ):
        f: dict[str, Any] = dict(zip(FLAGS, flags, strict=True))
        f["when"] = "04.03.2026, 06:06 <x>"
        f["reply_excerpt"] = excerpt
        ours = message_item(m, f, rx, u, t, 'csrf"<mark>', _attachments)
        assert str(ours) == _jinja(m, f, rx, u, t, 'csrf"<mark>'), (m, f, rx)
        checked += 1
    return checked


def test_python_markup_is_the_templates_over_every_switch(app):
    with app.test_request_context("/"):
        assert _compare(_message_strings()) == len(MESSAGES) * 2 * 2 ** len(FLAGS) * 2
        # Strings with markup in them (a translation is trusted, as Jinja's _() gives it).
        odd = {k: Markup(f"{k} &amp; <i>x</i>") for k in _message_strings()}
        odd["actions_for"] = Markup("Handlinger for %(name)s")
        _compare(odd)


def test_a_message_with_files_shows_them_as_the_template_does(app):
    with app.test_request_context("/"):
        t = _message_strings()
        f: dict[str, Any] = dict.fromkeys(FLAGS, True)
        f.update(when="nå", reply_excerpt="")
        u = {"state": "/s"}
        for files in (FILES, FILES[:1], FILES[1:]):
            m = _message(attachments=files)
            ours = str(message_item(m, f, (), u, t, "c", _attachments))
            assert ours == _jinja(m, f, (), u, t, "c")
            assert "attachment-images" in ours or "attachment-files" in ours
