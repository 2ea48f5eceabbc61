"""Socket.IO connection: who is on the other end.

A socket authenticates once, at connect, with the session cookie or
``auth={"token": ...}``; handlers then call ``socket_person()``, which re-checks that
the person is still active and signed in, so sign-out and deactivation bite at once.
"""

from __future__ import annotations

import time
from typing import Any

from flask import request, session
from flask_login import current_user
from flask_socketio import join_room

from kollega import limits
from kollega.auth import sessions, sockets
from kollega.extensions import db, socketio
from kollega.org.models import Person
from kollega.realtime import person_room

_KEY = "_socket_person"
_SEEN = "_socket_seen_at"
_RECORDED = "_socket_recorded_at"


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    person: Person | None = None
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        from kollega.auth.services import person_for_token

        person = person_for_token(auth["token"])
    elif current_user.is_authenticated:
        person = current_user._get_current_object()
        # The cookie session's own rules: timeouts, and a second factor where required.
        if sessions.expiry_reason(session) is not None:
            return False
        if sessions.owes_second_factor(session, person):
            return False
    if person is None or not person.active:
        return False
    via_token = bool(isinstance(auth, dict) and auth.get("token"))
    now = int(time.time())
    session[_KEY] = (person.id, person.session_token, via_token)
    session[_SEEN] = now
    session[_RECORDED] = now
    join_room(person_room(person.id))
    sockets.remember(person.id, socket_sid())
    auth_at = None if via_token else session.get(sessions.AUTH_AT)
    sockets.track(socket_sid(), auth_at, now, via_token)
    return True


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
    person = db.session.get(Person, person_id)
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
        sockets.remember(person.id, socket_sid())
    event = getattr(request, "event", None) or {}
    limits.check_socket_event(person.id, event.get("message"))
    return person


def socket_sid() -> str:
    return request.sid  # type: ignore[attr-defined,no-any-return]
