"""The latest page of a thread, kept per process for every reader's ``thread:join``.

The page a join answers without ``after_seq`` (the latest 50 messages with their
reactions, ``serialise.page_json``) is the same for every reader of the thread: nothing
in it depends on who reads (the permission is checked before, the unread count after).
After a restart every browser reconnects and joins, so each process keeps the pages it
built, and serves one again as long as the thread's *page revision* has not changed.

Revisions live in Redis, shared by every process and command (so only with a shared Redis,
as ``kollega.auth.sockets`` person revisions; without one every join reads the database):
a random value per thread, and one for all threads, each replaced after every commit
that may have changed what a page shows. What may change a page is noted from the session
itself, not from the use cases, so no path is forgotten:

- ORM objects flushed: a message added, changed or deleted (its thread); a reaction added,
  changed or deleted (its message's thread when the message is loaded, else all threads);
  a person renamed or deleted, a thread or network deleted (all threads);
- statements (``do_orm_execute``): the send's own INSERT (``send._insert_statements``,
  the thread from its parameters); an INSERT or DELETE of reactions by ``message_id`` of
  loaded messages (their threads); any other INSERT, UPDATE or DELETE of messages,
  reactions or people, a DELETE of threads or networks, and any textual statement that
  writes one of those tables: all threads.

The revisions are replaced after the commit and before the commit's events are published
(the ``after_commit`` listener goes first): a reader joins the room, then reads the
revision, so either it reads the new one (and the committed page) or it was in the room
before the event went out (and hears it). A value noted in a transaction that rolls back
is renewed with the next commit anyway: a needless renewal costs one page build, a missed
one a stale page. Random values, not counters, so a Redis that lost its keys can never
hand back a value a process holds a page for.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.util import identity_key

from kollega.auth import sockets
from kollega.networks.messages import PAGE, reactions_for
from kollega.networks.models import Message, Network, Reaction, Thread
from kollega.networks.send import _insert_statements
from kollega.networks.serialise import page_json
from kollega.org.models import Person
from kollega.realtime import Encoded

# Pages kept per process (a page of 50 messages is some tens of kB).
SIZE = 256
# A kept page is built again after this long whatever its revision: the bound on a stale
# page should a renewal ever fail (Redis unreachable just after a commit).
MAX_AGE = 60.0
_REVISION_TTL = 7 * 24 * 60 * 60
_CHANGED = "kollega_pages_changed"
_ALL = 0  # in the noted set: every thread
_EXTENSION = "kollega_page_cache"
_lock = threading.Lock()


def _keys(thread_id: int) -> list[str]:
    channel = current_app.config["SOCKETIO_CHANNEL"]
    return [f"{channel}:thread:{thread_id}:page", f"{channel}:pages"]


def revision(thread_id: int) -> str | None:
    """The thread's page revision (its own and all threads', in one round trip), or
    ``None`` while either has no value yet: a value is then given, and the page not kept
    under the empty one (a Redis that lost its keys would hand that back)."""
    client = sockets._redis()
    keys = _keys(thread_id)
    mine, every = client.mget(keys)
    if not mine or not every:
        with client.pipeline(transaction=False) as pipe:
            for key, value in zip(keys, (mine, every), strict=True):
                if not value:
                    pipe.set(key, secrets.token_hex(8), ex=_REVISION_TTL, nx=True)
            pipe.execute()
        return None
    return f"{mine.decode()}/{every.decode()}"


def bump(thread_ids: set[int]) -> None:
    """New revisions for these threads (``_ALL`` among them: for every thread)."""
    client = sockets._redis()
    if client is None or not thread_ids:
        return
    channel = current_app.config["SOCKETIO_CHANNEL"]
    with client.pipeline(transaction=False) as pipe:
        for tid in sorted(thread_ids):
            key = f"{channel}:pages" if tid == _ALL else f"{channel}:thread:{tid}:page"
            pipe.set(key, secrets.token_hex(8), ex=_REVISION_TTL)
        pipe.execute()


def build(thread_id: int) -> tuple[list[dict[str, Any]], bool]:
    """The latest page from the database: ``page_json`` with each message's reactions."""
    messages, more = page_json(thread_id, None, PAGE)
    reactions = reactions_for([m["id"] for m in messages])
    for m in messages:
        m["reactions"] = reactions.get(m["id"]) or []
    return messages, more


def latest_page(thread: Thread) -> tuple[list[dict[str, Any]], bool]:
    """``build(thread.id)``, served from this process's pages while the thread's revision
    is unchanged. Call it after joining the thread's room (see the module docstring). The
    messages are shared between readers (a ``realtime.Encoded``, whose JSON is made once):
    read them, never change them."""
    if not sockets.shares_revisions():
        return build(thread.id)
    current = revision(thread.id)
    if current is None:
        return build(thread.id)
    # A thread id used again (SQLite) is a different thread: its creation time tells.
    tag = (current, thread.created_at)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pages: OrderedDict[int, Any] = app.extensions.setdefault(_EXTENSION, OrderedDict())
    with _lock:
        kept = pages.get(thread.id)
        if kept is not None and kept[0] == tag and time.monotonic() - kept[3] < MAX_AGE:
            pages.move_to_end(thread.id)
            return kept[1], kept[2]
    built_at = time.monotonic()
    built, more = build(thread.id)
    # Its JSON made once, with the first answer, for every answer after (JsonPacket).
    messages = Encoded(built)
    with _lock:
        pages[thread.id] = (tag, messages, more, built_at)
        pages.move_to_end(thread.id)
        while len(pages) > SIZE:
            pages.popitem(last=False)
    return messages, more


# --- noting what may change a page -----------------------------------------------------------


def _note(session: Session, thread_ids: set[int]) -> None:
    if thread_ids:
        session.info.setdefault(_CHANGED, set()).update(thread_ids)


def _thread_of_message(session: Session, message_id: Any) -> int:
    """The thread of a loaded message, else ``_ALL`` (never a query: called mid-flush)."""
    if not isinstance(message_id, int):
        return _ALL
    message = session.identity_map.get(identity_key(Message, message_id))
    tid = instance_dict(message).get("thread_id") if message is not None else None
    return tid if isinstance(tid, int) else _ALL


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: Any) -> None:
    noted: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Message):
            tid = instance_dict(obj).get("thread_id")
            noted.add(tid if isinstance(tid, int) else _ALL)
        elif isinstance(obj, Reaction):
            noted.add(_thread_of_message(session, instance_dict(obj).get("message_id")))
        elif isinstance(obj, Person):
            if obj in session.deleted or sa.inspect(obj).attrs.name.history.has_changes():
                noted.add(_ALL)
        elif isinstance(obj, Thread | Network) and obj in session.deleted:
            noted.add(_ALL)
    _note(session, noted)


_PAGE_TABLES = {"messages", "reactions", "people"}
_GONE_TABLES = {"threads", "networks"}  # their deletion takes messages with it
_WRITES = re.compile(
    r"\b(insert\s+into|update|delete\s+from)\s+\"?(messages|reactions|people|threads|networks)\b",
    re.IGNORECASE,
)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    statement = state.statement
    if not (state.is_insert or state.is_update or state.is_delete):
        if isinstance(statement, sa.TextClause) and _WRITES.search(statement.text):
            _note(state.session, {_ALL})
        return
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name in _GONE_TABLES:
        if state.is_delete:
            _note(state.session, {_ALL})
        return
    if name not in _PAGE_TABLES:
        return
    _note(state.session, _threads_written(state, name))


def _threads_written(state: ORMExecuteState, table: str) -> set[int]:
    params = state.parameters if isinstance(state.parameters, dict) else None
    sends = _insert_statements().values()
    if table == "messages" and params is not None and any(state.statement is s for s in sends):
        tid = params.get("p_thread_id")
        if isinstance(tid, int):
            return {tid}
    if table == "reactions" and (state.is_insert or state.is_delete):
        # Only statements whose parameters are message ids (``message_id`` or
        # ``message_id_1``: a row's message, or WHERE message_id = ...).
        try:
            compiled = state.statement.compile(dialect=state.session.get_bind().dialect)
        except Exception:
            return {_ALL}
        bound = {**compiled.params, **(params or {})}
        ids = [v for k, v in bound.items() if k.startswith("message_id")]
        if ids and len(ids) == len(bound) - _other_reaction_columns(bound):
            return {_thread_of_message(state.session, mid) for mid in ids}
    return {_ALL}


def _other_reaction_columns(bound: dict[str, Any]) -> int:
    """How many of an INSERT's parameters are the row's other columns (not a filter)."""
    return sum(1 for k in bound if k in ("person_id", "emoji", "created_at"))


@event.listens_for(Session, "after_commit", insert=True)
def _bump_noted(session: Session) -> None:
    # First among the after_commit listeners: before the commit's events are published.
    if session.get_nested_transaction() is not None:
        return
    noted = session.info.pop(_CHANGED, None)
    if not noted or not has_app_context():
        return
    try:
        bump(noted)
    except Exception:  # the commit stands; kept pages then last MAX_AGE at most
        current_app.logger.exception("could not renew the page revisions of threads %s", noted)
