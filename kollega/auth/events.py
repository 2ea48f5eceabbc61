"""Socket.IO connection: who is on the other end.

A socket authenticates once, at connect, with the session cookie or
``auth={"token": ...}``; handlers then call ``socket_person()``, which re-checks that
the person is still active and signed in, so sign-out and deactivation bite at once
(with a shared Redis from the row the socket kept, as long as the person's revision has
not changed: ``kollega.auth.sockets``).
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from flask import g, request, session
from flask_login import current_user
from flask_socketio import join_room
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, manager_of_class
from sqlalchemy.orm.util import identity_key

from kollega import limits
from kollega.auth import sessions, sockets
from kollega.auth.services import _digest, person_for_token
from kollega.current import current_person
from kollega.extensions import db, socketio
from kollega.org.models import Person
from kollega.realtime import person_room

_KEY = "_socket_person"
_ROW = "_socket_person_row"  # (revision, column values) with a shared Redis
_SEEN = "_socket_seen_at"
_RECORDED = "_socket_recorded_at"
_GROUP = "_socket_group"


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    person: Person | None = None
    # With a shared Redis, the person's revision is read *before* their row whenever the
    # person is known before it is read (a token seen before, a cookie's user id): the
    # row is then kept for the first event, which need not read it again.
    before: tuple[int, str] | None = None
    # A connect only reads: its statements run without a transaction, so there is none
    # to roll back at its end (a round trip less on every connect).
    if not db.session.in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    token = auth.get("token") if isinstance(auth, dict) else None
    ident = ""  # the token's digest, or the browser session's id
    if isinstance(token, str):
        digest = _digest(token)
        before = _revision_before(_TOKEN_PEOPLE.get(digest))
        person = person_for_token(token)
        if person is not None:
            _remember_token(digest, person.id)
            ident = digest
    else:
        before = _revision_before(_session_person_id())
        if current_user.is_authenticated:
            person = current_person()
            # The cookie session's own rules: timeouts, and a second factor where required.
            if sessions.expiry_reason(session) is not None:
                return False
            if sessions.owes_second_factor(session, person):
                return False
            ident = str(session.get(sessions.SESSION_ID) or "")
    if person is None or not person.active or not ident:
        return False
    via_token = bool(isinstance(auth, dict) and auth.get("token"))
    now = int(time.time())
    session[_KEY] = (person.id, person.session_token, via_token)
    session[_SEEN] = now
    session[_RECORDED] = now
    if before is not None and before[0] == person.id:
        session[_ROW] = (before[1], {key: getattr(person, key) for key in _COLUMNS})
    # Its person's room, and its session's or token's: sign-out and revocation close
    # exactly the sockets they concern (kollega.auth.sockets.disconnect_group).
    group = sockets.token_group(ident) if via_token else sockets.session_group(ident)
    session[_GROUP] = group
    join_room(person_room(person.id))
    join_room(group)
    # (A person with no revision yet is given one here, not by their first event.)
    sockets.remember(person.id, socket_sid(), (group,), give_revision=before is None)
    auth_at = None if via_token else session.get(sessions.AUTH_AT)
    sockets.track(socket_sid(), auth_at, now, via_token, ident)
    return True


# Token digest -> person id (a token never changes hands), so that a token's next connect
# in this process can read the person's revision before the row. Only a hint: the row is
# kept only when the token's person is that person.
_TOKEN_PEOPLE: dict[str, int] = {}
_TOKEN_PEOPLE_SIZE = 20_000


def _remember_token(digest: str, person_id: int) -> None:
    if len(_TOKEN_PEOPLE) >= _TOKEN_PEOPLE_SIZE and digest not in _TOKEN_PEOPLE:
        _TOKEN_PEOPLE.clear()
    _TOKEN_PEOPLE[digest] = person_id


def _session_person_id() -> int | None:
    """The cookie session's person id, when flask-login has not loaded the person yet."""
    if "_login_user" in g:
        return None
    person_id, _, _ = str(session.get("_user_id") or "").partition(":")
    return int(person_id) if person_id.isdigit() else None


def _revision_before(person_id: int | None) -> tuple[int, str] | None:
    """``(person_id, revision)`` read now, before the person's row is, with a shared Redis
    and no row of the person in this session yet (one there may be older than the
    revision); else ``None``."""
    if person_id is None or not sockets.shares_revisions():
        return None
    if db.session.identity_map.get(identity_key(Person, person_id)) is not None:
        return None
    current = sockets.revision(person_id)
    return (person_id, current) if current else None


def socket_person() -> Person | None:
    """The person behind the current socket, or ``None`` when they may no longer act.

    Also where every socket event meets the session rules (a cookie socket expires as
    its session does; its own events count as activity) and the per-person limits, which
    raise ``RateLimited`` (a ``DomainError``: the handler acks it as ``rate_limited``).
    """
    data = session.get(_KEY)
    if not data:
        return None
    person_id, token, via_token = data
    event = getattr(request, "event", None) or {}
    shared = sockets.shares_revisions()
    # The limits are counted first: the same Redis round trip reads the person's revision.
    revision = limits.check_socket_event(
        person_id, event.get("message"), sockets.revision_key(person_id) if shared else None
    )
    person = _person(person_id, revision) if shared else db.session.get(Person, person_id)
    if person is None or not person.active or person.session_token != token:
        return None
    now = int(time.time())
    if not via_token:
        stamps = {sessions.AUTH_AT: session.get(sessions.AUTH_AT), sessions.SEEN_AT: session[_SEEN]}
        if sessions.expiry_reason(stamps, now) is not None:
            return None
        session[_SEEN] = now
        sockets.touch(socket_sid(), now)
    if now - session.get(_RECORDED, 0) >= sockets.REFRESH:
        session[_RECORDED] = now
        sockets.remember(person.id, socket_sid(), (session.get(_GROUP, ""),))
    return person


def _person(person_id: int, revision: Any) -> Person | None:
    """With a shared Redis: the row this socket read last, as long as the person's
    revision (``sockets.revision``; ``revision`` as the limiter read it, or ``NOT_READ``)
    has not changed since, else the row read again. A kept row joins the session as if
    it had been loaded."""
    if revision is limits.NOT_READ:
        current = sockets.revision(person_id)
    else:
        current = revision.decode() if isinstance(revision, bytes) else (revision or "")
    kept = session.get(_ROW)
    if kept is not None and kept[0] == current and current:
        return _attach(kept[1])
    if not current:
        sockets.give_revision(person_id)  # before the read: kept from the next event on
    person = db.session.get(Person, person_id)
    if person is not None and current:
        session[_ROW] = (current, {key: getattr(person, key) for key in _COLUMNS})
    return person


_COLUMNS = [attr.key for attr in sa.inspect(Person).column_attrs]


def _attach(values: dict[str, Any]) -> Person:
    existing = db.session.identity_map.get(identity_key(Person, values["id"]))
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    # As a query would build it: the values as loaded (no history, nothing to flush).
    person: Person = manager_of_class(Person).new_instance()
    instance_dict(person).update(values)
    make_transient_to_detached(person)
    db.session.add(person)
    return person


def socket_sid() -> str:
    return request.sid  # type: ignore[attr-defined,no-any-return]
