"""The thread page's one page of messages, read as plain rows (no ORM objects).

The page renders each message from the fragment cache (``render.message_html``), which
needs a message's columns, its author's name and the message it replies to: loading 50
ORM objects with their authors cost more than the rest of the page's reads together.
The objects here carry exactly what ``templates/networks/_message.html``,
``render.message_html`` and the thread page read, under the same names as ``Message``."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from kollega.extensions import db
from kollega.networks.messages import PAGE
from kollega.networks.models import Message, Reaction
from kollega.org.models import Person
from kollega.uploads import public as uploads


@dataclass(slots=True, eq=False)
class PageAuthor:
    id: int
    name: str


@dataclass(slots=True, eq=False)
class PageReply:
    """The message a reply answers: what its quote shows."""

    id: int
    seq: int
    body: str
    deleted_at: dt.datetime | None
    author: PageAuthor


@dataclass(slots=True, eq=False)
class PageMessage:
    """One message of the page, as ``Message`` names its columns and relations."""

    id: int
    thread_id: int
    seq: int
    author_id: int
    client_id: str
    body: str
    body_html: str
    reply_to_id: int | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted_at: dt.datetime | None
    author: PageAuthor
    reply_to: PageReply | None
    # Whether it has files; only those are read (``page_attachments``).
    has_files: bool = False
    # Set by serialise.preload_attachments.
    attachments: list[Any] = field(default_factory=list)
    attachments_json: list[Any] = field(default_factory=list)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


_COLUMNS = (
    Message.id,
    Message.thread_id,
    Message.seq,
    Message.author_id,
    Message.client_id,
    Message.body,
    Message.body_html,
    Message.reply_to_id,
    Message.created_at,
    Message.edited_at,
    Message.deleted_at,
)


@functools.cache
def _statement(where: str) -> sa.Select[Any]:
    # Built once per process and kind of page (built per call, it cost a third of the
    # read): the page's messages with their authors' names and what they reply to.
    author, reply, reply_author = aliased(Person), aliased(Message), aliased(Person)
    stmt = (
        sa.select(
            *_COLUMNS,
            author.name,
            reply.id,
            reply.seq,
            reply.body,
            reply.deleted_at,
            reply.author_id,
            reply_author.name,
            uploads.has_files(Message.id),
        )
        .outerjoin(author, author.id == Message.author_id)
        .outerjoin(reply, reply.id == Message.reply_to_id)
        .outerjoin(reply_author, reply_author.id == reply.author_id)
        .where(Message.thread_id == sa.bindparam("thread_id"))
        .limit(PAGE + 1)
    )
    if where == "after":
        return stmt.where(Message.seq > sa.bindparam("seq")).order_by(Message.seq)
    if where == "before":
        stmt = stmt.where(Message.seq < sa.bindparam("seq"))
    return stmt.order_by(Message.seq.desc())


def _message(row: Any) -> PageMessage:
    *columns, name, rid, rseq, rbody, rdeleted, rauthor, rname, files = row
    reply = None
    if rid is not None:
        reply = PageReply(rid, rseq, rbody, rdeleted, PageAuthor(rauthor, rname))
    return PageMessage(
        *columns, author=PageAuthor(columns[3], name), reply_to=reply, has_files=bool(files)
    )


def page_messages(
    thread_id: int, after_seq: int | None = None, before_seq: int | None = None
) -> tuple[list[PageMessage], bool]:
    """``messages.thread_messages`` of one page (``PAGE``) of a thread the caller has had
    from ``thread_for_reader``: the messages after ``after_seq``, else before
    ``before_seq``, else the latest, oldest first; and whether there are more beyond
    them (after the page, or before it)."""
    # On the session's connection: plain rows need none of the ORM's statement handling.
    execute = db.session.connection().execute
    if after_seq is not None:
        rows = execute(_statement("after"), {"thread_id": thread_id, "seq": after_seq})
        page = [_message(r) for r in rows]
        return page[:PAGE], len(page) > PAGE
    if before_seq is not None:
        rows = execute(_statement("before"), {"thread_id": thread_id, "seq": before_seq})
    else:
        rows = execute(_statement("latest"), {"thread_id": thread_id})
    page = [_message(r) for r in rows]
    more = len(page) > PAGE
    return list(reversed(page[:PAGE])), more


@functools.cache
def _reactions_statement() -> sa.Select[Any]:
    # A page is a run of seqs (they are gap-free), so its reactions are those of the
    # thread's messages from its first seq to its last: three parameters, not fifty.
    page = sa.select(Message.id).where(
        Message.thread_id == sa.bindparam("thread_id"),
        Message.seq.between(sa.bindparam("first"), sa.bindparam("last")),
    )
    return (
        sa.select(Reaction.message_id, Reaction.emoji, Reaction.person_id)
        .where(Reaction.message_id.in_(page))
        .order_by(Reaction.id)
    )


def page_reactions(page: list[PageMessage]) -> dict[int, list[dict[str, Any]]]:
    """``messages.reactions_for`` the messages of ``page`` (one page of one thread)."""
    if not page:
        return {}
    params = {"thread_id": page[0].thread_id, "first": page[0].seq, "last": page[-1].seq}
    out: dict[int, dict[str, list[int]]] = {}
    for mid, emoji, pid in db.session.connection().execute(_reactions_statement(), params):
        out.setdefault(mid, {}).setdefault(emoji, []).append(pid)
    return {
        mid: [{"emoji": e, "count": len(p), "people": p} for e, p in by_emoji.items()]
        for mid, by_emoji in out.items()
    }
