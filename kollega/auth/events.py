"""Socket.IO connection: who is on the other end.

A socket authenticates once, at connect, with the session cookie or
``auth={"token": ...}``; handlers then call ``socket_person()``, which re-checks that
the person is still active and signed in, so sign-out and deactivation bite at once.
"""

from __future__ import annotations

from typing import Any

from flask import request, session
from flask_login import current_user
from flask_socketio import join_room

from kollega.extensions import db, socketio
from kollega.org.models import Person
from kollega.realtime import person_room

_KEY = "_socket_person"


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    person: Person | None = None
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        from kollega.auth.services import person_for_token

        person = person_for_token(auth["token"])
    elif current_user.is_authenticated:
        person = current_user._get_current_object()
    if person is None or not person.active:
        return False
    session[_KEY] = (
        person.id,
        person.session_token,
        bool(isinstance(auth, dict) and auth.get("token")),
    )
    join_room(person_room(person.id))
    return True


def socket_person() -> Person | None:
    """The person behind the current socket, or ``None`` when they may no longer act."""
    data = session.get(_KEY)
    if not data:
        return None
    person_id, token, _ = data
    person = db.session.get(Person, person_id)
    if person is None or not person.active or person.session_token != token:
        return None
    return person


def socket_sid() -> str:
    return request.sid  # type: ignore[attr-defined,no-any-return]
