"""User text to safe HTML: markdown-it-py (``js-default``: raw HTML off) and then nh3.

markdown-it escapes raw HTML and refuses ``javascript:``/``vbscript:``/``data:`` links
itself; nh3 is the second wall: an allow-list of tags and attributes, http(s)/mailto
links only, and ``rel="nofollow noopener"`` on every link. And the thread page's
rendered messages, kept in a fragment cache (``message_html``).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import nh3
from flask import current_app, request, url_for
from flask_babel import format_datetime, get_locale, get_timezone, gettext
from flask_wtf.csrf import generate_csrf
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from kollega.networks.models import REACTIONS, Message, Thread

_md = MarkdownIt("js-default")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}

MAX_BODY = 10_000


def render_markdown(body: str) -> str:
    """Markdown to HTML that is safe to put into a page as it is."""
    html = _md.render(body)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    ).strip()


_QUOTE_LINES = re.compile(r"^", re.MULTILINE)


def quote_markdown(author_name: str, body: str) -> str:
    """A Markdown block quote of another message, to start a reply with."""
    quoted = _QUOTE_LINES.sub("> ", body.strip())
    return f"> **{author_name}**:\n{quoted}\n\n"


def plain_excerpt(body: str, length: int = 120) -> str:
    """A short one-line plain-text excerpt (for notifications and reply previews)."""
    text = re.sub(r"[`*_>#\[\]()~|]", "", body)
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class FragmentCache:
    """A bounded, thread-safe LRU of rendered HTML fragments (process-local).

    Callers key a fragment on everything it shows, so an entry is never stale: an edit,
    a deletion or a reaction makes a new key and the old entry ages out. Bounded both in
    entries and in characters held (a 10,000-character message renders to much more
    than a short one)."""

    def __init__(self, max_entries: int = 4096, max_chars: int = 16_000_000) -> None:
        self.max_entries, self.max_chars = max_entries, max_chars
        self._items: OrderedDict[Hashable, tuple[str, ...]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> tuple[str, ...] | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: tuple[str, ...]) -> None:
        size = sum(map(len, value))
        if size > self.max_chars:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._chars -= sum(map(len, old))
            self._items[key] = value
            self._chars += size
            while len(self._items) > self.max_entries or self._chars > self.max_chars:
                _, dropped = self._items.popitem(last=False)
                self._chars -= sum(map(len, dropped))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._items)


# --- the thread page's messages ------------------------------------------------------------

# Rendered messages, keyed on everything a message's HTML shows (its text, author name,
# reply, reactions, the viewer's controls, locale and time zone): an edit, deletion,
# reaction or rename makes a new key, so an entry is never served stale, and viewers
# with the same controls share entries. The viewer's CSRF token is not in the cache: the
# fragment holds a marker (random per process, so no message can contain it) that is
# swapped for the token on the way out.
MESSAGE_FRAGMENTS = FragmentCache()
_CSRF_MARK = f"csrf-{secrets.token_hex(16)}"
_URL_MARK = 987_654_321_987_654_321


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the viewer may do on the thread page (the message controls shown)."""

    person_id: int
    can_post: bool
    can_manage: bool
    can_moderate: bool
    editable: frozenset[int]  # ids of the viewer's messages still inside the edit window


def _url_pattern(endpoint: str, **values: Any) -> tuple[str, str] | None:
    """``url_for`` once with a marker id: the text before and after the id."""
    parts = url_for(endpoint, **values).split(str(_URL_MARK))
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _message_strings() -> dict[str, Markup]:
    """The per-message strings, translated once per page (as Jinja's ``_()`` would: the
    translation is trusted markup, ``%(name)s`` is filled in escaped)."""
    strings = {
        "edited": gettext("edited"),
        "accepted_answer": gettext("accepted answer"),
        "reply_to": gettext("Reply to"),
        "deleted": gettext("This message was deleted."),
        "reactions": gettext("reactions"),
        "actions": gettext("Actions"),
        "for_message_from": gettext("for the message from %(name)s"),
        "reply": gettext("Reply"),
        "quote": gettext("Quote"),
        "edit": gettext("Edit"),
        "delete": gettext("Delete"),
        "accept": gettext("Accept as answer"),
        "react": gettext("React:"),
    }
    return {key: Markup(text) for key, text in strings.items()}


def _message_url(name: str, thread_id: int, message_id: int) -> str:
    if name == "react":
        return url_for("networks.react", message_id=message_id)
    if name == "edit":
        return url_for("networks.edit_message", message_id=message_id)
    if name == "delete":
        return url_for("networks.delete_message", message_id=message_id)
    if name == "quote":
        return url_for("networks.thread", thread_id=thread_id, reply=message_id, quote=1)
    return url_for("networks.thread", thread_id=thread_id, reply=message_id)


class _MessageRenderer:
    """Renders one thread's messages on a cache miss; the template, strings and URL
    patterns are loaded at the first miss only (a page served from the cache needs none)."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.macro: Any = None

    def _load(self) -> None:
        tid = self.thread_id
        self.macro = current_app.jinja_env.get_template("networks/_message.html").module
        self.strings = _message_strings()
        self.patterns = {
            "react": _url_pattern("networks.react", message_id=_URL_MARK),
            "edit": _url_pattern("networks.edit_message", message_id=_URL_MARK),
            "delete": _url_pattern("networks.delete_message", message_id=_URL_MARK),
            "reply": _url_pattern("networks.thread", thread_id=tid, reply=_URL_MARK),
            "quote": _url_pattern("networks.thread", thread_id=tid, reply=_URL_MARK, quote=1),
        }
        self.state_url = url_for("networks.thread_state", thread_id=tid)

    def render(self, m: Message, flags: tuple[bool, ...], rx: tuple[Any, ...]) -> tuple[str, ...]:
        """The message's ``<li>`` split at the CSRF marker."""
        if self.macro is None:
            self._load()
        urls = {"state": self.state_url}
        for name, pattern in self.patterns.items():
            urls[name] = (
                f"{pattern[0]}{m.id}{pattern[1]}"
                if pattern is not None
                else _message_url(name, self.thread_id, m.id)  # the marker showed up twice
            )
        names = ("mine", "accepted", "can_post", "can_edit", "can_delete", "can_accept")
        shown: dict[str, Any] = dict(zip(names, flags, strict=True))
        shown["when"] = format_datetime(m.created_at, "short")
        html = self.macro.message_item(m, shown, rx, REACTIONS, urls, self.strings, _CSRF_MARK)
        return tuple(str(html).split(_CSRF_MARK))


def _fragment_key(
    m: Message, rx: tuple[Any, ...], flags: tuple[bool, ...], place: tuple[str, ...]
) -> tuple[Any, ...]:
    deleted = m.deleted_at is not None
    reply = m.reply_to
    return (
        m.id,
        m.thread_id,
        m.seq,
        m.client_id,
        m.author.name,
        m.created_at,
        m.edited_at,
        deleted,
        # The text only through its hash with the edit time: keys stay small.
        None if deleted else (hash(m.body_html), len(m.body_html)),
        None if reply is None or deleted else (reply.seq, reply.author.name),
        rx,
        flags,
        place,
    )


def message_html(
    viewer: Viewer,
    thread: Thread,
    messages: list[Message],
    reactions: dict[int, list[dict[str, Any]]],
) -> list[Markup]:
    """Each message's ``<li>``, from MESSAGE_FRAGMENTS or rendered (and kept) there."""
    place = (str(get_locale()), str(get_timezone()), request.script_root)
    accepted_id = thread.accepted_message_id
    question = viewer.can_manage and thread.kind == "question"
    renderer = _MessageRenderer(thread.id)
    csrf: str | None = None
    out: list[Markup] = []
    for m in messages:
        mine = m.author_id == viewer.person_id
        rx = tuple(
            (r["emoji"], r["count"], viewer.person_id in r["people"])
            for r in reactions.get(m.id, ())
        )
        flags = (
            mine,
            accepted_id == m.id,
            viewer.can_post,
            m.id in viewer.editable,
            mine or viewer.can_moderate,
            question and accepted_id != m.id,
        )
        key = _fragment_key(m, rx, flags, place)
        parts = MESSAGE_FRAGMENTS.get(key)
        if parts is None:
            parts = renderer.render(m, flags, rx)
            MESSAGE_FRAGMENTS.put(key, parts)
        if len(parts) == 1:
            out.append(Markup(parts[0]))
        else:
            if csrf is None:
                csrf = str(escape(generate_csrf()))
            out.append(Markup(csrf.join(parts)))
    return out
