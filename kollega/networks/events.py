"""Socket.IO handlers of learning networks (the default namespace).

Every handler finds its person with ``socket_person()`` (refused when signed out or
deactivated), checks the permission through the services, and answers with an ack:
``{"ok": true, ...}`` or ``{"ok": false, "error": {"code", "message", "fields"}}``; a bad
payload never raises. Rooms are derived here from ``kollega.realtime`` names, never
taken from the client. Each handler is a unit of work: committed before the ack, and
its use case's events (``kollega.networks.broadcast``) go out with the commit.

Client -> server (ack in brackets):
- ``thread:join`` {thread_id, after_seq?} [{ok, thread, messages, more}]: joins the
  thread's room; with ``after_seq`` every message after it (up to 1,000, ``more`` says
  whether to ask again), without it the latest page.
- ``thread:leave`` {thread_id} [{ok}]
- ``message:send`` {thread_id, client_id, body, reply_to?, attachments?} [{ok, id, seq,
  created}] (``attachments``: the sender's unsent upload ids, kollega.uploads)
- ``message:edit`` {message_id, body} [{ok, message}]
- ``message:delete`` {message_id} [{ok}]
- ``reaction:toggle`` {message_id, emoji, on?} [{ok, reactions}]: any one emoji
- ``thread:follow`` {thread_id, following} [{ok, thread_id, following}]
- ``typing`` {thread_id} [{ok}]
- ``read`` {thread_id, seq?} [{ok, thread_id, last_read_seq, unread, notifications}]
- ``network:join`` {network_id} [{ok, online}] / ``network:leave`` {network_id} [{ok}]

Server -> client: see ``kollega.networks.broadcast``, plus ``presence``
{network_id, online: [{id, name}]} to the network's room.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_socketio import join_room, leave_room
from sqlalchemy import exc as sa_exc

from kollega import permissions
from kollega.auth.events import socket_person, socket_sid
from kollega.errors import DomainError, ValidationError
from kollega.extensions import db, socketio
from kollega.networks import broadcast, page_cache
from kollega.networks.common import as_int
from kollega.networks.messages import (
    REPLAY_LIMIT,
    delete_message,
    edit_message,
    react,
    reactions_for,
)
from kollega.networks.networks import find_network
from kollega.networks.presence import presence
from kollega.networks.reads import join_view, read_thread
from kollega.networks.send import send_message
from kollega.networks.serialise import message_json, page_json, thread_json
from kollega.networks.threads import follow_thread, get_thread
from kollega.realtime import network_room, publish, thread_room
from kollega.uow import unit_of_work

log = logging.getLogger(__name__)


def _error(code: str, message: Any, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "ok": False,
        "error": {
            "code": code,
            "message": str(message),
            "fields": {k: str(v) for k, v in (fields or {}).items()},
        },
    }


def handler(event: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., Any]]:
    """Register ``fn(person, payload)`` for ``event``: authentication, payload shape and
    errors are handled here, so that every answer is an ack."""

    def decorator(fn: Callable[..., dict[str, Any]]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(payload: Any = None, *_: Any) -> dict[str, Any]:
            try:
                person = socket_person()
                if person is None:
                    return _error("unauthorized", _l("Sign in again."))
                if payload is None:
                    payload = {}
                if not isinstance(payload, dict):
                    return _error("bad_request", _l("The request body must be a JSON object."))
                # Committed before the ack: a client that hears "ok" finds the change.
                with unit_of_work():
                    result = fn(person, payload)
                return {"ok": True, **result}
            except DomainError as exc:
                db.session.rollback()
                return _error(exc.code, exc.message, exc.fields)
            except (OverflowError, sa_exc.DataError):
                # A number too large for its column (a seq of 2**70): bad input, as the
                # API's 400; nothing was stored.
                db.session.rollback()
                return _error("invalid", _l("A number is out of range."))
            except Exception:
                log.exception("Socket.IO event %s failed", event)
                db.session.rollback()
                return _error("server_error", _l("Something went wrong"))

        socketio.on_event(event, wrapper)
        return wrapper

    return decorator


# Ids are positive and fit the database's 64-bit integers, as the API's are.
_MAX_ID = 2**63 - 1


def _required(payload: dict[str, Any], name: str) -> Any:
    """The payload's ``name``, or a ValidationError; an id (``*_id``) as an int in
    1 .. 2**63 - 1 (else ``invalid``, as the API's 400 for the same value)."""
    value = payload.get(name)
    if value in (None, ""):
        raise ValidationError(
            _l("Some required fields are missing."), fields={name: _l("Required.")}
        )
    if name.endswith("_id"):
        number = as_int(value, name)
        if not 1 <= number <= _MAX_ID:
            raise ValidationError(_l("Not a valid id."), fields={name: _l("Not a valid id.")})
        return number
    return value


# --- threads and messages -----------------------------------------------------------------


@handler("thread:join")
def thread_join(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    # Every browser joins on every (re)connect: the thread, its network, the reader's
    # membership and unread count in one prepared statement, the permission checked once,
    # then only the page (benchmarks/connect_join.py).
    thread, unread = join_view(person, _required(payload, "thread_id"))
    # Join before reading, so nothing committed in between is missed (clients skip
    # seqs they already have).
    join_room(thread_room(thread.id))
    after = payload.get("after_seq")
    if after in (None, ""):
        # The same for every reader: kept per process while the thread's page revision
        # is unchanged (kollega.networks.page_cache; read after joining the room).
        messages, more = page_cache.latest_page(thread)
    else:
        messages, more = page_json(thread.id, as_int(after, "after_seq"), REPLAY_LIMIT)
        reactions = reactions_for([m["id"] for m in messages])
        for m in messages:
            m["reactions"] = reactions.get(m["id"]) or []
    return {"thread": thread_json(thread, unread), "messages": messages, "more": more}


@handler("thread:leave")
def thread_leave(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    thread_id = as_int(_required(payload, "thread_id"), "thread_id")
    leave_room(thread_room(thread_id))
    return {}


@handler("message:send")
def message_send(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    result = send_message(
        person,
        _required(payload, "thread_id"),
        payload.get("client_id"),
        payload.get("body"),
        payload.get("reply_to"),
        payload.get("attachments"),
    )
    return {"id": result.message.id, "seq": result.message.seq, "created": result.created}


@handler("message:edit")
def message_edit(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    message = edit_message(person, _required(payload, "message_id"), payload.get("body"))
    return {"message": message_json(message, reactions_for([message.id]).get(message.id))}


@handler("message:delete")
def message_delete(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    delete_message(person, _required(payload, "message_id"))
    return {}


@handler("reaction:toggle")
def reaction_toggle(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    on = payload.get("on")
    if on is not None and not isinstance(on, bool):
        raise ValidationError(
            _l("Must be true or false."), fields={"on": _l("Must be true or false.")}
        )
    reactions = react(person, _required(payload, "message_id"), payload.get("emoji"), on)
    return {"reactions": reactions}


@handler("thread:follow")
def thread_follow(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    # Who may follow first (as the API and the page do), then what was asked.
    thread = get_thread(person, _required(payload, "thread_id"))
    following = payload.get("following")
    if not isinstance(following, bool):
        raise ValidationError(
            _l("Must be true or false."), fields={"following": _l("Must be true or false.")}
        )
    return {"thread_id": thread.id, "following": follow_thread(person, thread.id, following)}


@handler("typing")
def typing(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    thread = get_thread(person, _required(payload, "thread_id"))
    permissions.require(permissions.can_post(person, thread.network))
    publish(
        thread_room(thread.id),
        "typing",
        {"thread_id": thread.id, "person": {"id": person.id, "name": person.name}},
        skip_sid=socket_sid(),
    )
    return {}


@handler("read")
def read(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    return read_thread(person, _required(payload, "thread_id"), payload.get("seq"))


# --- presence per network (kollega.networks.presence: memory, or Redis across processes) ---


def online(network_id: int) -> list[dict[str, Any]]:
    """Who has a socket in the network's room, once each, by name."""
    return presence().online(network_id)


@handler("network:join")
def network_join(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    network = find_network(person, _required(payload, "network_id"))
    permissions.require(
        permissions.can_read_network(person, network), _l("Only the network's members can read it.")
    )
    join_room(network_room(network.id))
    presence().join(network.id, socket_sid(), person.id, person.name)
    broadcast.publish_presence(network.id)
    return {"network_id": network.id, "online": online(network.id)}


@handler("network:leave")
def network_leave(person: Any, payload: dict[str, Any]) -> dict[str, Any]:
    network_id = as_int(_required(payload, "network_id"), "network_id")
    leave_room(network_room(network_id))
    if presence().leave(network_id, socket_sid()):
        broadcast.publish_presence(network_id)
    return {}


@socketio.on("disconnect")
def on_disconnect(*_: Any) -> None:
    for network_id in presence().disconnect(socket_sid()):
        broadcast.publish_presence(network_id)
