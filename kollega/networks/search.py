"""Search in the networks: message bodies, thread titles and experience parts, stemmed for
bokmål, only what the person may read, with true totals, pages and highlighted snippets.

The index: PostgreSQL's GIN indexes on ``to_tsvector('norwegian', …)``, SQLite's FTS5
tables of Snowball stems (migration 0016, ``kollega.networks.search_text``). Each query
word is looked for as the prefix of a stem (see ``search_text``); every word must match.
Results are newest first. Deleted messages and archived networks are never found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
from collections.abc import Mapping
from typing import Any

import nh3
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from kollega import clock, permissions
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.networks.common import clean_text
from kollega.networks.models import THREAD_KINDS, Message, Network, Thread
from kollega.networks.search_text import WORD, matches, query_terms
from kollega.org.models import Person

PAGE_SIZE = 20
MAX_PAGE = 10_000
MAX_ID = 2**31 - 1  # the database's integer ids
RESULT_KINDS = ("thread", "message")
KINDS = RESULT_KINDS + THREAD_KINDS
PARTS = ("situation", "what_we_did", "what_we_learned", "next_time")
SNIPPET_WORDS = 30
_NORWEGIAN = sa.literal_column("'norwegian'::regconfig")
_SIMPLE = sa.literal_column("'simple'::regconfig")
_SPACE = sa.literal_column("' '")
_EMPTY = sa.literal_column("''")


@dataclasses.dataclass(frozen=True)
class SearchQuery:
    """A search as asked: words, filters and the page (1-based)."""

    q: str
    network_id: int | None = None
    author_id: int | None = None
    author_name: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kind: str = ""
    page: int = 1


@dataclasses.dataclass
class Hit:
    """One result: a thread (its title or parts matched) or a message."""

    kind: str
    id: int
    thread_id: int
    network_id: int
    title: str
    snippet_html: Markup
    created_at: dt.datetime
    author: Person | None
    seq: int | None = None


@dataclasses.dataclass
class SearchPage:
    total: int
    page: int
    pages: int
    results: list[Hit]


def _date(raw: Any, field: str, errors: dict[str, Any]) -> dt.date | None:
    if raw in (None, ""):
        return None
    try:
        value = dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        errors[field] = _l("Use the form YYYY-MM-DD.")
        return None
    if not clock.DATE_RANGE[0] <= value <= clock.DATE_RANGE[1]:
        errors[field] = _l("Choose a date between 1900 and 2200.")
        return None
    return value


def _whole(raw: Any, field: str, errors: dict[str, Any], minimum: int = 1) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[field] = _l("Must be a whole number.")
        return None
    if value < minimum:
        errors[field] = _l("Must be at least %(n)d.", n=minimum)
        return None
    if value > MAX_ID:
        errors[field] = _l("At most %(n)d.", n=MAX_ID)
        return None
    return value


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def parse_query(args: Mapping[str, Any], *, require_words: bool = True) -> SearchQuery:
    """A ``SearchQuery`` from request arguments (``q, network, author, from, to, kind,
    page``), or a ``ValidationError`` naming each bad one (a date that is no date, ``from``
    after ``to``, page 0, an unknown kind, no words)."""
    errors: dict[str, Any] = {}
    q = args.get("q") or ""
    if not isinstance(q, str) or len(q.strip()) > 200:
        errors["q"] = _l("At most %(n)d characters.", n=200)
        q = ""
    q = q.strip().replace("\x00", "")
    if require_words and not query_terms(q):
        errors["q"] = _l("Type one or more words to search for.")
    author = str(args.get("author") or "").strip().replace("\x00", "")
    if len(author) > 200:
        errors["author"] = _l("At most %(n)d characters.", n=200)
        author = ""
    date_from = _date(args.get("from"), "from", errors)
    date_to = _date(args.get("to"), "to", errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = _l("The end date must not be before the start date.")
    kind = str(args.get("kind") or "")
    if kind and kind not in KINDS:
        errors["kind"] = _l("Choose one of: %(choices)s.", choices=", ".join(KINDS))
    page = _whole(args.get("page"), "page", errors) or 1
    if page > MAX_PAGE:
        errors["page"] = _l("At most %(n)d.", n=MAX_PAGE)
    network_id = _whole(args.get("network"), "network", errors)
    if errors:
        raise ValidationError(_l("Check the search words and filters."), fields=errors)
    return SearchQuery(
        q=q,
        network_id=network_id,
        author_id=int(author) if _is_id(author) else None,
        author_name="" if _is_id(author) else author,
        date_from=date_from,
        date_to=date_to,
        kind=kind,
        page=page,
    )


def _thread_text() -> sa.ColumnElement[str]:
    # The same expression as the PostgreSQL index ix_threads_norwegian_fts (migration 0016).
    text: Any = sa.func.coalesce(Thread.title, _EMPTY)
    for name in PARTS:
        text = text.op("||")(_SPACE).op("||")(sa.func.coalesce(getattr(Thread, name), _EMPTY))
    return text


def _match(kind: str, terms: list[str]) -> sa.ColumnElement[bool]:
    """The WHERE clause: every term a prefix of a stem in the message or thread text."""
    if db.engine.dialect.name == "sqlite":
        table = "search_fts_messages" if kind == "message" else "search_fts_threads"
        # Quoted terms with a prefix star: user text never reaches FTS5 syntax.
        fts = " ".join(f'"{t}"*' for t in terms)
        ids = sa.select(sa.column("rowid", sa.Integer)).select_from(sa.table(table))
        ids = ids.where(sa.text(f"{table} MATCH :fts").bindparams(fts=fts))
        return (Message.id if kind == "message" else Thread.id).in_(ids)
    tsquery = sa.func.to_tsquery(_SIMPLE, " & ".join(f"'{t}':*" for t in terms))
    text = Message.body if kind == "message" else _thread_text()
    return sa.func.to_tsvector(_NORWEGIAN, text).op("@@")(tsquery)


def _utc_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), clock.OSLO).astimezone(dt.UTC)


def _part(person: Person, query: SearchQuery, terms: list[str], kind: str) -> sa.Select[Any]:
    """The ids and times of one kind of result that match and that the person may read."""
    created = Message.created_at if kind == "message" else Thread.created_at
    author_id = Message.author_id if kind == "message" else Thread.created_by_id
    row_id = Message.id if kind == "message" else Thread.id
    stmt = sa.select(
        sa.literal_column(f"'{kind}'", sa.String).label("kind"),
        row_id.label("id"),
        created.label("created_at"),
    )
    if kind == "message":
        stmt = stmt.select_from(Message).join(Thread, Thread.id == Message.thread_id)
        stmt = stmt.where(Message.deleted_at.is_(None))
    else:
        stmt = stmt.select_from(Thread)
    stmt = stmt.join(Network, Network.id == Thread.network_id).where(
        _match(kind, terms),
        Network.status == "active",
        permissions.readable_networks_filter(person),
    )
    if query.network_id is not None:
        stmt = stmt.where(Network.id == query.network_id)
    if query.kind in THREAD_KINDS:
        stmt = stmt.where(Thread.kind == query.kind)
    if query.author_id is not None:
        stmt = stmt.where(author_id == query.author_id)
    elif query.author_name:
        name = sa.func.lower(Person.name)
        named = sa.select(Person.id).where(
            name.contains(query.author_name.lower(), autoescape=True)
        )
        stmt = stmt.where(author_id.in_(named))
    if query.date_from is not None:
        stmt = stmt.where(created >= _utc_start(query.date_from))
    if query.date_to is not None:
        stmt = stmt.where(created < _utc_start(query.date_to + dt.timedelta(days=1)))
    return stmt


def search(person: Person, query: SearchQuery) -> SearchPage:
    """One page (``PAGE_SIZE``) of what matches ``query`` among the threads and messages
    the person may read (``permissions.readable_networks_filter``; active networks only),
    newest first, with the true total and snippets whose matched words are in ``<mark>``."""
    terms = query_terms(query.q)
    kinds = [query.kind] if query.kind in RESULT_KINDS else list(RESULT_KINDS)
    if not terms:
        return SearchPage(total=0, page=query.page, pages=0, results=[])
    parts = [_part(person, query, terms, kind) for kind in kinds]
    found = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("found")
    # One pass: the page's rows carry the total (a window over every match).
    rows = list(
        db.session.execute(
            sa.select(found.c.kind, found.c.id, sa.func.count().over().label("total"))
            .order_by(found.c.created_at.desc(), found.c.kind, found.c.id.desc())
            .limit(PAGE_SIZE)
            .offset((query.page - 1) * PAGE_SIZE)
        )
    )
    if rows:
        total = rows[0].total
    else:  # past the last page (or nothing): count on its own
        total = db.session.scalar(sa.select(sa.func.count()).select_from(found)) or 0
    pages = math.ceil(total / PAGE_SIZE)
    return SearchPage(total=total, page=query.page, pages=pages, results=_hits(rows, terms))


def _hits(rows: list[Any], terms: list[str]) -> list[Hit]:
    """The page's rows as ``Hit``s, in the rows' order."""
    message_ids = [r.id for r in rows if r.kind == "message"]
    thread_ids = [r.id for r in rows if r.kind == "thread"]
    messages = {
        m.id: m
        for m in db.session.scalars(
            sa.select(Message)
            .where(Message.id.in_(message_ids))
            .options(selectinload(Message.author), selectinload(Message.thread))
        )
    }
    threads = {
        t.id: t
        for t in db.session.scalars(
            sa.select(Thread)
            .where(Thread.id.in_(thread_ids))
            .options(selectinload(Thread.created_by))
        )
    }
    hits: list[Hit] = []
    for row in rows:
        if row.kind == "message" and row.id in messages:
            m = messages[row.id]
            snippet = highlight(_plain(m.body_html) or m.body, terms)
            hits.append(
                Hit(
                    "message",
                    m.id,
                    m.thread_id,
                    m.thread.network_id,
                    m.thread.title,
                    snippet,
                    m.created_at,
                    m.author,
                    m.seq,
                )
            )
        elif row.kind == "thread" and row.id in threads:
            t = threads[row.id]
            texts = [getattr(t, name) or "" for name in PARTS]
            text = next((x for x in texts if _has_match(x, terms)), t.title)
            hits.append(
                Hit(
                    "thread",
                    t.id,
                    t.id,
                    t.network_id,
                    t.title,
                    highlight(text, terms),
                    t.created_at,
                    t.created_by,
                )
            )
    return hits


def _plain(body_html: str) -> str:
    """A message's text without its markup (so a snippet shows no Markdown signs)."""
    return " ".join(html.unescape(nh3.clean(body_html or "", tags=set())).split())


def _has_match(text: str, terms: list[str]) -> bool:
    return any(matches(w, terms) for w in WORD.findall(text))


def highlight(text: str, terms: list[str], width: int = SNIPPET_WORDS) -> Markup:
    """About ``width`` words of ``text`` around its first match, escaped, with each
    matched word in ``<mark>``: the only markup in the result."""
    spans = [(m.start(), m.end(), matches(m.group(), terms)) for m in WORD.finditer(text)]
    if not spans:
        return Markup(escape(text[:200]))
    first = next((i for i, span in enumerate(spans) if span[2]), 0)
    start_word = max(0, first - width // 3)
    end_word = min(len(spans), start_word + width)
    start = spans[start_word][0] if start_word else 0
    end = spans[end_word - 1][1] if end_word < len(spans) else len(text)
    out: list[str] = ["… "] if start_word else []
    cursor = start
    for s, e, hit in spans[start_word:end_word]:
        if hit:
            out.append(str(escape(text[cursor:s])))
            out.append(f"<mark>{escape(text[s:e])}</mark>")
            cursor = e
    out.append(str(escape(text[cursor:end])))
    if end_word < len(spans):
        out.append(" …")
    return Markup("".join(out).strip())


def hit_json(hit: Hit) -> dict[str, Any]:
    """A result as the API gives it (DESIGN.md: GET /search)."""
    return {
        "kind": hit.kind,
        "id": hit.id,
        "thread_id": hit.thread_id,
        "network_id": hit.network_id,
        "seq": hit.seq,
        "title": hit.title,
        "snippet_html": str(hit.snippet_html),
        "created_at": hit.created_at.isoformat(),
        "author": {"id": hit.author.id, "name": hit.author.name} if hit.author else None,
    }


def searchable_networks(person: Person) -> list[Network]:
    """The networks whose content the person may search (for the page's network choice)."""
    return list(
        db.session.scalars(
            sa.select(Network)
            .where(Network.status == "active", permissions.readable_networks_filter(person))
            .order_by(Network.name, Network.id)
        )
    )


def search_messages(
    person: Person, query: Any, network_id: Any = None, limit: int = 30
) -> list[Message]:
    """Messages matching every word of ``query`` in the networks the person may read,
    newest first, at most ``limit`` (the older ``/messages/search``; see ``search``)."""
    words = clean_text(query, "q", required=True, max_len=200)
    args = {"q": words, "network": network_id, "kind": "message"}
    found = search(person, parse_query(args, require_words=False))
    ids = [h.id for h in found.results][: max(1, min(limit, 100))]
    by_id = {
        m.id: m
        for m in db.session.scalars(
            sa.select(Message)
            .where(Message.id.in_(ids))
            .options(selectinload(Message.author), selectinload(Message.thread))
        )
    }
    return [by_id[i] for i in ids if i in by_id]
