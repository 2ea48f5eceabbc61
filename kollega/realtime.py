"""Room names, the outbox, and ``publish``: the only place that emits to Socket.IO clients.

A use case never emits. It *queues* what its change means for the people watching
(``queue(room, event, payload)``) or work that must wait for the change to be durable
(``on_commit(fn)``), on the database session's outbox. When the session commits, an
``after_commit`` listener publishes the outbox in order; when it rolls back, the outbox is
dropped (a savepoint's rollback drops only what was queued inside it). So a client never
hears of a row that is not in the database, and hears of each committed change once, as
Zulip's ``send_event_on_commit`` does.

A payload may be a callable: it is called just before the commit (the objects are still
loaded, with their ids), so an edge need not serialise anything early.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from socketio.packet import Packet
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from kollega.extensions import db, socketio

log = logging.getLogger(__name__)

Payload = dict[str, Any] | Callable[[], dict[str, Any] | None]
_OUTBOX = "kollega_outbox"
# A stop opening for 6,500 members took ~3 s in separate publishes: one message-queue
# publish per this many rooms, and a socket in several of the rooms hears the event once.
ROOM_CHUNK = 1000


def person_room(person_id: int) -> str:
    return f"person:{person_id}"


def thread_room(thread_id: int) -> str:
    return f"thread:{thread_id}"


def network_room(network_id: int) -> str:
    return f"network:{network_id}"


_EVENT_NAME = re.compile(r'\[\s*"([A-Za-z0-9:_\-]{1,64})"')


class JsonPacket(Packet):
    """python-socketio's packet with a cheaper check for binary data. The stock check
    builds a list and a ``reduce`` at every level of the payload, and a ``thread:join``
    answer of 50 messages spent about a fifth of its server CPU there
    (``benchmarks/connect_join.py --profile``). Same answer, one walk, no lists."""

    def decode(self, encoded_packet: Any) -> int:
        """As python-socketio's, but a payload nested deeper than the JSON parser goes
        (``[[[[…``) reaches its handler as a payload no handler takes (the handler acks
        ``bad_request``) instead of a ``RecursionError`` in the engine."""
        try:
            return super().decode(encoded_packet)  # type: ignore[no-any-return]
        except RecursionError:
            head = encoded_packet[:200] if isinstance(encoded_packet, str) else ""
            name = _EVENT_NAME.search(head)
            self.data = [name.group(1), "(nested too deeply)"] if name else [""]
            return 0

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, bytes | bytearray):
                return True
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list) and type(item) is not Encoded:
                stack.extend(item)
        return False

    def encode(self) -> Any:
        """As python-socketio's; an ``Encoded`` value of a dict in the data goes in as the
        JSON it made once, not encoded again."""
        data = self.data
        if not isinstance(data, list) or not any(
            isinstance(d, dict) and any(type(v) is Encoded for v in d.values()) for d in data
        ):
            return super().encode()
        texts: list[str] = []

        def swap(d: Any) -> Any:
            if not isinstance(d, dict):
                return d
            out = {}
            for key, value in d.items():
                if type(value) is Encoded:
                    texts.append(value.text(self.json))
                    value = f"{_MARK}{len(texts) - 1}"
                out[key] = value
            return out

        self.data = [swap(d) for d in data]
        try:
            encoded = super().encode()
        finally:
            self.data = data
        for n, text in enumerate(texts):
            encoded = encoded.replace(f'"{_MARK}{n}"', text, 1)
        return encoded


# Stands in for an ``Encoded`` value while the rest is encoded (as itself: nothing in it
# is escaped): random per process, so no string a person wrote is taken for it.
_MARK = f"kollega-encoded-{secrets.token_hex(16)}-"


class Encoded(list):  # type: ignore[type-arg]
    """A list of JSON values with no binary data, whose JSON is made once (``text``) and
    reused by every packet it is sent in (``JsonPacket.encode``): a ``thread:join`` page,
    the same for every reader (kollega.networks.page_cache). Never change it once sent."""

    _text: str | None = None

    def text(self, json: Any) -> str:
        if self._text is None:
            self._text = json.dumps(list(self), separators=(",", ":"))
        return self._text


def publish(
    room: str | list[str], event: str, payload: dict[str, Any], skip_sid: str | None = None
) -> None:
    """Send ``event`` with ``payload`` to everyone in ``room`` (across processes via Redis);
    with a list of rooms, once to everyone in any of them, ``ROOM_CHUNK`` rooms a publish.
    Only for what changes nothing in the database (typing, presence); a change's events go
    through ``queue``."""
    if isinstance(room, list):
        for start in range(0, len(room), ROOM_CHUNK):
            socketio.emit(event, payload, to=room[start : start + ROOM_CHUNK], skip_sid=skip_sid)
    else:
        socketio.emit(event, payload, to=room, skip_sid=skip_sid)


@dataclass
class _Entry:
    owner: SessionTransaction | None  # the savepoint it was queued in, None for the outermost
    action: Callable[[], None] | None = None
    room: str | list[str] | None = None
    event: str = ""
    payload: Payload | None = None
    skip_sid: str | None = None


def _outbox(session: Session) -> list[_Entry]:
    return session.info.setdefault(_OUTBOX, [])


def _current(session: Session | None) -> Session:
    s = session if session is not None else db.session
    if not s.in_transaction():
        s.begin()  # no connection yet; a rollback before any statement still drops the outbox
    return s


def queue(
    room: str | list[str],
    event: str,
    payload: Payload,
    *,
    skip_sid: str | None = None,
    session: Session | None = None,
) -> None:
    """Publish ``event`` to ``room`` (or to any of a list of rooms) once the current unit
    of work commits; never if it rolls back. ``payload`` is a dict or a callable made into
    one just before the commit (returning None sends nothing)."""
    s = _current(session)
    _outbox(s).append(
        _Entry(
            s.get_nested_transaction(), room=room, event=event, payload=payload, skip_sid=skip_sid
        )
    )


def on_commit(action: Callable[[], None], *, session: Session | None = None) -> None:
    """Run ``action()`` after the current unit of work commits (closing sockets, sending
    mail); never if it rolls back. It runs outside the transaction and must not write."""
    s = _current(session)
    _outbox(s).append(_Entry(s.get_nested_transaction(), action=action))


def pending(session: Session | None = None) -> list[tuple[Any, str]]:
    """(room, event) of what the session's outbox holds now (for tests and logging)."""
    return [(e.room, e.event) for e in _current(session).info.get(_OUTBOX, []) if e.event]


@event.listens_for(Session, "before_commit")
def _resolve_payloads(session: Session) -> None:
    # Build lazy payloads while the objects are loaded and the transaction is open; a
    # savepoint's commit (release) fires no before_commit, the outermost's does.
    if session.get_nested_transaction() is not None:
        return
    box = session.info.get(_OUTBOX)
    if not box:
        return
    session.flush()
    for entry in box:
        if callable(entry.payload):
            entry.payload = entry.payload()


@event.listens_for(Session, "after_commit")
def _publish_outbox(session: Session) -> None:
    box = session.info.pop(_OUTBOX, None)
    for entry in box or ():
        try:
            if entry.action is not None:
                entry.action()
            elif entry.payload is not None and entry.room is not None:
                publish(entry.room, entry.event, entry.payload, entry.skip_sid)  # type: ignore[arg-type]
        except Exception:
            # The change is committed and the person who made it has their answer; a
            # message queue that is down costs listeners a live update, not the change.
            log.exception("publishing %s after commit failed", entry.event or entry.action)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    box = session.info.get(_OUTBOX)
    if not box:
        return
    if not previous_transaction.nested:
        session.info.pop(_OUTBOX, None)
        return
    box[:] = [e for e in box if not _inside(e.owner, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _drop_unpublished(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (closed, or rolled back without
    # after_soft_rollback, as on a connection error): what it queued never happened.
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_OUTBOX, None)


def _inside(owner: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while owner is not None:
        if owner is savepoint:
            return True
        owner = owner.parent
    return False
