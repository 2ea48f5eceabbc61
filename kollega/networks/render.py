"""User text to safe HTML: markdown-it-py (``js-default``: raw HTML off) and then nh3.

markdown-it escapes raw HTML and refuses ``javascript:``/``vbscript:``/``data:`` links
itself; nh3 is the second wall: an allow-list of tags and attributes, http(s)/mailto
links only, and ``rel="nofollow noopener"`` on every link. And the thread page's
rendered messages, kept in a fragment cache (``message_html``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import nh3
import sqlalchemy as sa
from babel import Locale
from babel.dates import (
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
    tokenize_pattern,
)
from flask import current_app, request, url_for
from flask_babel import get_locale, get_timezone, gettext
from flask_wtf.csrf import generate_csrf
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from kollega.extensions import db
from kollega.networks.message_markup import message_item
from kollega.networks.models import Message, NetworkMember, Thread
from kollega.networks.page_strings import once_per_locale
from kollega.org.models import Person

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


def render_markdown(body: str, people: Mapping[str, int] | None = None) -> str:
    """Markdown to HTML that is safe to put into a page as it is; with ``people`` (a
    lower-cased name -> person id map, ``mention_people``) each ``@Name`` or
    ``@**Name**`` of one of them is marked as a mention."""
    html = _md.render(body)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    ).strip()
    return mark_mentions(html, people) if people else html


# "@alle" (everyone in the network) is a facilitator's: marked with this id, shown as
# data-person="all".
EVERYONE = "alle"
ALL = -1


def mention_people(network_id: int, body: str, author_id: int | None = None) -> dict[str, int]:
    """The network's active members as {lower-cased name: id}, when ``body`` has an @
    (else nothing is read); with ``"alle": ALL`` when the author facilitates it."""
    if "@" not in body:
        return {}
    rows = db.session.execute(
        sa.select(Person.id, Person.name, NetworkMember.role)
        .join(NetworkMember, NetworkMember.person_id == Person.id)
        .where(NetworkMember.network_id == network_id, NetworkMember.active())
    ).all()
    people = {name.lower(): pid for pid, name, _ in rows if name}
    if f"@{EVERYONE}" in body.lower() and any(
        pid == author_id and role == "facilitator" for pid, _, role in rows
    ):
        people.setdefault(EVERYONE, ALL)
    return people


# Text between tags (group 1), or a tag, a code block or a link (left as they are).
_HTML_PARTS = re.compile(r"(<(?:code|pre|a)\b.*?</(?:code|pre|a)>|<[^>]*>)", re.DOTALL)


def mark_mentions(html: str, people: Mapping[str, int]) -> str:
    """Wrap each ``@Name`` of ``people`` in ``<span class="mention" data-person="id">``.

    Only the person's id is marked, never who reads it: the HTML is stored and cached for
    every reader, and the reader's own mentions are highlighted in the browser. Names are
    tried longest first (``@Kari Nordmann`` before ``@Kari``); text inside code and links
    is left alone. ``@**Name**`` arrives here as ``@<strong>Name</strong>``."""
    if "@" not in html or not people:
        return html
    names = sorted(people, key=len, reverse=True)
    alternatives = "|".join(re.escape(str(escape(n))) for n in names)
    pattern = re.compile(
        rf"(?<![\w@])@(?:<strong>({alternatives})</strong>|({alternatives}))(?![\w])", re.IGNORECASE
    )

    def mark(match: re.Match[str]) -> str:
        shown = match.group(1) or match.group(2)
        pid = people.get(str(Markup(shown).unescape()).lower())
        if pid is None:
            return match.group(0)
        who = "all" if pid == ALL else pid
        return f'<span class="mention" data-person="{who}">@{shown}</span>'

    parts = _HTML_PARTS.split(html)
    # Tags, code and links sit at odd indices; a mention in bold spans a tag, so text
    # and tags are joined back for the search but code and links are kept apart.
    out, run = [], []
    for i, part in enumerate(parts):
        if i % 2 == 1 and not part.startswith(("<strong", "</strong")):
            out.append(pattern.sub(mark, "".join(run)))
            run = []
            out.append(part)
        else:
            run.append(part)
    out.append(pattern.sub(mark, "".join(run)))
    return "".join(out)


_MENTION_IDS = re.compile(r'<span class="mention" data-person="(\d+)">')


def mentioned_in(html: str) -> list[int]:
    """The ids marked as mentioned in a message's HTML, once each, in order."""
    if "mention" not in html:
        return []
    return list(dict.fromkeys(int(i) for i in _MENTION_IDS.findall(html)))


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


@dataclass(frozen=True, slots=True)
class Viewer:
    """What the viewer may do on the thread page (the message controls shown)."""

    person_id: int
    can_post: bool
    can_manage: bool
    can_moderate: bool
    editable: frozenset[int]  # ids of the viewer's messages still inside the edit window
    following: bool = False  # the viewer follows the thread (the messages' Follow button)


def _message_strings() -> dict[str, Markup]:
    """The per-message strings, translated once per page (as Jinja's ``_()`` would: the
    translation is trusted markup, ``%(name)s`` is filled in escaped)."""
    strings = {
        "edited": gettext("edited"),
        "accepted_answer": gettext("accepted answer"),
        "reply_to": gettext("Reply to"),
        "deleted": gettext("This message was deleted."),
        "reactions": gettext("reactions"),
        "actions_for": gettext("Actions for the message from %(name)s"),
        "react": gettext("React"),
        "reply": gettext("Reply"),
        "edit": gettext("Edit"),
        "delete": gettext("Delete"),
        "copy_link": gettext("Copy link"),
        "follow": gettext("Follow the thread"),
        "history": gettext("Show edits"),
        "accept": gettext("Accept as answer"),
    }
    return {key: Markup(text) for key, text in strings.items()}


_STRINGS_BY_LOCALE: dict[str, dict[str, Markup]] = {}


def message_strings() -> dict[str, Markup]:
    """``_message_strings`` in the request's locale, translated once per locale (as the
    page's own, ``page_strings.thread_strings``)."""
    return once_per_locale(_STRINGS_BY_LOCALE, _message_strings)


class _MessageRenderer:
    """Renders one thread's messages on a cache miss (``message_markup.message_item``,
    the twin of ``_message.html``); the strings are looked up at the first miss only (a
    page served from the cache needs none)."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.loaded = False

    def _load(self) -> None:
        self.loaded = True
        self.strings = message_strings()
        self.urls = {"state": url_for("networks.thread_state", thread_id=self.thread_id)}
        self.when = short_datetime_format(str(get_locale()), get_timezone())

    def render(self, m: Message, flags: tuple[bool, ...], rx: tuple[Any, ...]) -> tuple[str, ...]:
        """The message's ``<article>`` split at the CSRF marker."""
        if not self.loaded:
            self._load()
        shown: dict[str, Any] = dict(zip(FLAGS, flags, strict=True))
        shown["when"] = self.when(m.created_at)
        shown["reply_excerpt"] = reply_excerpt(m.reply_to)
        html = message_item(m, shown, rx, self.urls, self.strings, _CSRF_MARK, _attachments)
        return tuple(str(html).split(_CSRF_MARK))


def _attachments(files: Any, t: Any) -> Any:
    """``_attachments.html``'s macro (a message with files: the Jinja macro still)."""
    module = current_app.jinja_env.get_template("networks/_attachments.html").module
    return module.attachments(files, t)  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=64)
def short_datetime_format(locale: str, tz: Any) -> Callable[[dt.datetime], str]:
    """Flask-Babel's ``format_datetime(value, "short")`` for one locale and time zone,
    with the locale's patterns looked up once (Babel's own steps for "short", without
    the per-call lookups of the request's locale, time zone and patterns: a page formats
    fifty of them). ``value`` is naive UTC, as the database holds it."""
    where = Locale.parse(locale)
    joined = get_datetime_format("short", locale=where).replace("'", "")
    time_pattern = parse_pattern(get_time_format("short", locale=where))
    date_pattern = parse_pattern(get_date_format("short", locale=where))
    normalize = getattr(tz, "normalize", None)  # pytz zones

    def formatted(value: dt.datetime) -> str:
        local = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
        local = local.astimezone(tz)
        if normalize is not None:
            local = normalize(local)
        day = local.date()
        clock = time_pattern.apply(local.timetz(), where, reference_date=day)
        return joined.replace("{0}", clock).replace("{1}", date_pattern.apply(day, where))

    fields = {
        token[1][0]
        for pattern in (time_pattern, date_pattern)
        for token in tokenize_pattern(pattern.pattern)
        if token[0] == "field"
    }
    if fields & {"s", "S", "A"}:  # a pattern with seconds: each value its own
        return formatted
    # Without seconds every value of one minute reads the same: a thread's messages come
    # in bursts, and a page formats fifty (Babel's pattern steps are most of the cost).
    return _per_minute(formatted)


def _per_minute(formatted: Callable[[dt.datetime], str]) -> Callable[[dt.datetime], str]:
    minute = functools.lru_cache(maxsize=4096)(formatted)

    def when(value: dt.datetime) -> str:
        return minute(value.replace(second=0, microsecond=0))

    return when


# The viewer-dependent switches of one message's HTML, in the order message_html keys them.
FLAGS = ("mine", "accepted", "can_post", "can_edit", "can_delete", "can_accept", "following")


def reply_excerpt(reply: Message | None) -> str:
    """The quoted start of the message a reply answers ("" when it is gone)."""
    if reply is None or reply.deleted_at is not None:
        return ""
    return plain_excerpt(reply.body, 100)


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
        None
        if reply is None or deleted
        else (reply.seq, reply.author.name, reply.deleted_at is None, hash(reply.body)),
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
            viewer.following,
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
