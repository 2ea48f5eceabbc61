"""JSON shapes of networks, threads and messages (API and Socket.IO alike)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from kollega.extensions import db
from kollega.networks.models import Message, Network, NetworkMember, Notification, Thread
from kollega.networks.render import mentioned_in, plain_excerpt, reply_excerpt
from kollega.org.models import Person
from kollega.uploads import public as uploads

# GET /messages/{id}/history (messages.edit_history): each earlier version, oldest first.
EDIT_HISTORY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "previous_body": {"type": "string"},
            "previous_html": {"type": "string"},
            "edited_at": {"type": "string", "format": "date-time"},
            "editor": {
                "type": ["object", "null"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
        },
        "required": ["previous_body", "edited_at", "editor"],
    },
}


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def network_json(
    network: Network, members: int | None = None, my_state: str | None = None
) -> dict[str, Any]:
    return {
        "id": network.id,
        "name": network.name,
        "purpose": network.purpose,
        "kind": network.kind,
        "visibility": network.visibility,
        "status": network.status,
        "unit": (
            {"id": network.unit.id, "code": network.unit.code, "name": network.unit.name}
            if network.unit
            else None
        ),
        "target_competences": list(network.target_competences or []),
        "edit_window_minutes": network.edit_window_minutes,
        "created_at": iso(network.created_at),
        "members": members,
        "my_membership": my_state,
    }


def member_json(member: NetworkMember) -> dict[str, Any]:
    return {
        "person": {"id": member.person.id, "name": member.person.name},
        "role": member.role,
        "state": member.state,
        "guest": member.guest,
        "joined_at": iso(member.joined_at),
    }


def thread_json(thread: Thread, unread: int | None = None) -> dict[str, Any]:
    return {
        "id": thread.id,
        "network_id": thread.network_id,
        "title": thread.title,
        "kind": thread.kind,
        "competence_tags": list(thread.competence_tags or []),
        "resolved": thread.resolved,
        "accepted_message_id": thread.accepted_message_id,
        "last_seq": thread.last_seq,
        "last_message_at": iso(thread.last_message_at),
        "created_by": thread.created_by_id,
        "created_at": iso(thread.created_at),
        "unread": unread,
    }


def _person_ref(person: Any) -> dict[str, Any]:
    return {"id": person.id, "name": person.name}


def _reply_ref(reply: Message | None) -> dict[str, Any] | None:
    """Whom a reply answers: the message's id, seq, author and the start of its text."""
    if reply is None:
        return None
    return {
        "id": reply.id,
        "seq": reply.seq,
        "author": _person_ref(reply.author),
        "excerpt": reply_excerpt(reply),
    }


def message_json(message: Message, reactions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One message; a deleted one keeps its id and seq and loses its text."""
    return {
        **new_message_json(message),
        "body": message.body,
        "reply_to": _reply_ref(message.reply_to),
        "edited_at": iso(message.edited_at),
        "deleted": message.deleted_at is not None,
        "reactions": reactions or [],
    }


_Reply = aliased(Message)
_Author = aliased(Person)
_ReplyAuthor = aliased(Person)
_PAGE_COLUMNS = (
    Message.id,
    Message.seq,
    Message.thread_id,
    Message.client_id,
    _Author.id,
    _Author.name,
    Message.body_html,
    Message.created_at,
    Message.body,
    _Reply.id,
    _Reply.seq,
    _ReplyAuthor.id,
    _ReplyAuthor.name,
    Message.edited_at,
    Message.deleted_at,
    _Reply.body,
)


def _page_statement(replay: bool) -> Any:
    stmt = (
        sa.select(*_PAGE_COLUMNS)
        .join(_Author, _Author.id == Message.author_id)
        .outerjoin(_Reply, _Reply.id == Message.reply_to_id)
        .outerjoin(_ReplyAuthor, _ReplyAuthor.id == _Reply.author_id)
        .where(Message.thread_id == sa.bindparam("thread_id"))
    )
    if replay:
        stmt = stmt.where(Message.seq > sa.bindparam("after_seq")).order_by(Message.seq)
    else:
        stmt = stmt.order_by(Message.seq.desc())
    return stmt.limit(sa.bindparam("limit"))


# Built once: a statement's construction costs more CPU than its cached compilation.
_PAGE = {False: _page_statement(False), True: _page_statement(True)}


def page_json(
    thread_id: int, after_seq: int | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """``messages.thread_messages(thread, after_seq, limit=limit)`` as ``message_json``
    gives each (without reactions: the caller adds them), from one query of the columns
    shown, building no ORM objects: what every ``thread:join`` answers, on each of
    thousands of reconnects (benchmarks/connect_join.py). The caller has checked that
    the reader may read the thread. Returns the messages in seq order and whether there
    are more."""
    params = {"thread_id": thread_id, "limit": limit + 1}
    if after_seq is not None:
        params["after_seq"] = after_seq
    rows = db.session.execute(_PAGE[after_seq is not None], params).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if after_seq is None:
        rows.reverse()
    page = []
    for (
        mid,
        seq,
        tid,
        cid,
        aid,
        aname,
        html,
        created,
        body,
        rid,
        rseq,
        raid,
        raname,
        edited,
        gone,
        rbody,
    ) in rows:
        reply = (
            {
                "id": rid,
                "seq": rseq,
                "author": {"id": raid, "name": raname},
                "excerpt": plain_excerpt(rbody or "", 100),
            }
            if rid is not None
            else None
        )
        page.append(
            {
                "id": mid,
                "seq": seq,
                "thread_id": tid,
                "client_id": cid,
                "author": {"id": aid, "name": aname},
                "body_html": html,
                "created_at": iso(created),
                "body": body,
                "reply_to": reply,
                "edited_at": iso(edited),
                "deleted": gone is not None,
                "reactions": [],
                "mentions": mentioned_in(html),
            }
        )
    files = uploads.attachments_for([m["id"] for m in page if not m["deleted"]])
    for m in page:
        m["attachments"] = files.get(m["id"], [])
    return page, more


def new_message_json(message: Message) -> dict[str, Any]:
    """``message:new``: the design's fields, and ``reply_to`` for a reply. Leaner than
    ``message_json``, as it goes to every socket in the thread: a new message has no
    edits, reactions or deletion yet, and clients that want the Markdown source read it
    through the API."""
    payload = {
        "id": message.id,
        "seq": message.seq,
        "thread_id": message.thread_id,
        "client_id": message.client_id,
        "author": _person_ref(message.author),
        "body_html": message.body_html,
        "created_at": iso(message.created_at),
        "mentions": mentioned_in(message.body_html),
    }
    if message.reply_to is not None:
        payload["reply_to"] = _reply_ref(message.reply_to)
    payload["attachments"] = message_attachments(message)
    return payload


def message_attachments(message: Message) -> list[dict[str, Any]]:
    """The message's files (kollega.uploads): those the send just linked, those
    ``preload_attachments`` read, or one query; none once the message is deleted."""
    if message.deleted_at is not None:
        return []
    files = message.__dict__.get("attachments_json")
    if files is None:
        files = uploads.attachments_for([message.id]).get(message.id, [])
    return files


def preload_attachments(messages: list[Message]) -> None:
    """Read the files of ``messages`` in one query, for ``message_json`` of each."""
    files = uploads.attachments_for([m.id for m in messages])
    for m in messages:
        # attachments: what templates/networks/_message.html shows (its macro's list).
        m.attachments_json = m.attachments = files.get(m.id, [])  # type: ignore[attr-defined]


def notification_json(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "actor": {"id": n.actor.id, "name": n.actor.name} if n.actor else None,
        "network": {"id": n.network.id, "name": n.network.name} if n.network else None,
        "thread": {"id": n.thread.id, "title": n.thread.title} if n.thread else None,
        "message_id": n.message_id,
        "link": n.link,
        "created_at": iso(n.created_at),
        "read": n.read_at is not None,
    }
