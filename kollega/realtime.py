"""Room names and ``publish``: the only place that emits to Socket.IO clients.

Edges (views, event handlers, jobs) call ``publish`` only after they have committed,
so a client never hears of a row that is not in the database.
"""

from __future__ import annotations

from typing import Any

from kollega.extensions import socketio


def person_room(person_id: int) -> str:
    return f"person:{person_id}"


def thread_room(thread_id: int) -> str:
    return f"thread:{thread_id}"


def network_room(network_id: int) -> str:
    return f"network:{network_id}"


def publish(
    room: str | list[str], event: str, payload: dict[str, Any], skip_sid: str | None = None
) -> None:
    """Send ``event`` with ``payload`` to everyone in ``room`` (across processes via Redis);
    with a list of rooms, once to everyone in any of them."""
    socketio.emit(event, payload, to=room, skip_sid=skip_sid)


def publish_many(rooms: list[str], event: str, payload: dict[str, Any], chunk: int = 1000) -> None:
    """Send one ``event`` with the same ``payload`` to everyone in any of ``rooms``: one
    message-queue publish per ``chunk`` rooms instead of one per room (a stop opening for
    6,500 members took ~3 s in separate publishes), and a socket in several of the rooms
    hears it once."""
    for start in range(0, len(rooms), chunk):
        socketio.emit(event, payload, to=rooms[start : start + chunk])


def disconnect_person(person_id: int) -> None:
    """Tell and close every open socket of a person (sign-out, deactivation, role change),
    on every process: sids come from ``kollega.auth.sockets``, and with a message queue
    python-socketio forwards ``disconnect(sid)`` to the process that holds the socket."""
    from kollega.auth import sockets

    publish(person_room(person_id), "session:ended", {})
    server = socketio.server
    if server is None:
        return
    for sid in sockets.sids_of(person_id):
        server.disconnect(sid, namespace="/")
    sockets.forget(person_id)
