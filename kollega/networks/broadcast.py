"""What the edges publish after they have committed (through ``kollega.realtime``).

Events to a thread's room (``thread:<id>``): ``message:new``, ``message:edited``,
``message:deleted``, ``reaction:changed``, ``thread:updated``, ``typing``.
To a network's room (``network:<id>``): ``thread:activity`` {network_id, thread_id, seq,
author_id} so that sidebars update unread counts of threads they have not joined, and
``presence``. To a person's room (``person:<id>``): ``notification:new`` and ``read``.
"""

from __future__ import annotations

from typing import Any

from kollega.networks.models import Message, Thread
from kollega.networks.serialise import message_json, thread_json
from kollega.realtime import network_room, person_room, publish, thread_room


def message_created(
    message: Message, notified: list[int] | None = None, skip_sid: str | None = None
) -> None:
    payload = message_json(message)
    publish(thread_room(message.thread_id), "message:new", payload, skip_sid=skip_sid)
    publish(
        network_room(message.thread.network_id),
        "thread:activity",
        {
            "network_id": message.thread.network_id,
            "thread_id": message.thread_id,
            "seq": message.seq,
            "author_id": message.author_id,
        },
    )
    for person_id in notified or []:
        publish(
            person_room(person_id),
            "notification:new",
            {"thread_id": message.thread_id, "message_id": message.id, "seq": message.seq},
        )


def message_edited(message: Message) -> None:
    publish(thread_room(message.thread_id), "message:edited", message_json(message))


def message_deleted(message: Message) -> None:
    publish(
        thread_room(message.thread_id),
        "message:deleted",
        {"id": message.id, "seq": message.seq, "thread_id": message.thread_id},
    )


def reactions_changed(message: Message, reactions: list[dict[str, Any]]) -> None:
    publish(
        thread_room(message.thread_id),
        "reaction:changed",
        {"message_id": message.id, "thread_id": message.thread_id, "reactions": reactions},
    )


def thread_updated(thread: Thread) -> None:
    publish(thread_room(thread.id), "thread:updated", thread_json(thread))


def read_marker(
    person_id: int, thread_id: int, last_read_seq: int, unread: int, notifications: int
) -> None:
    """Tell the person's other tabs and devices (and the bell's new count)."""
    publish(
        person_room(person_id),
        "read",
        {
            "thread_id": thread_id,
            "last_read_seq": last_read_seq,
            "unread": unread,
            "notifications": notifications,
        },
    )


def drop_from_network(person_id: int, network_id: int) -> None:
    """Take a person's open sockets (in this process) out of a network's rooms after they
    left or were removed, and tell them. Handlers re-check permission on every event, so
    this only stops broadcasts they may no longer hear."""
    import sqlalchemy as sa

    from kollega.extensions import db, socketio

    publish(person_room(person_id), "network:left", {"network_id": network_id})
    server = socketio.server
    if server is None:
        return
    sids = [sid for sid, _ in server.manager.get_participants("/", person_room(person_id))]
    if not sids:
        return
    rooms = [network_room(network_id)] + [
        thread_room(tid)
        for tid in db.session.scalars(sa.select(Thread.id).where(Thread.network_id == network_id))
    ]
    for sid in sids:
        for room in rooms:
            server.leave_room(sid, room, namespace="/")
