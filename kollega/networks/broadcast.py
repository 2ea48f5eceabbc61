"""What a networks change means for live clients, queued by the use case on the outbox
(``kollega.realtime.queue``) and published when the unit of work commits.

Events to a thread's room (``thread:<id>``): ``message:edited``, ``message:deleted``,
``reaction:changed``, ``thread:updated``, ``typing``. ``message:new`` goes to the thread's
and its network's room (``network:<id>``) in one emit, with ``network_id``: a socket in
both hears it once, and sidebars update the unread counts of threads they have not
joined (everyone in a network's room may read it: ``network:join`` checks). To a
network's room also ``presence``. To a person's room (``person:<id>``):
``notification:new``, ``read`` and ``network:left``.

Typing and presence change nothing in the database: they are published at once
(``publish_presence``, ``kollega.networks.events``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kollega import realtime
from kollega.auth import sockets
from kollega.extensions import db, socketio
from kollega.networks.models import Message, Thread
from kollega.networks.presence import presence
from kollega.networks.serialise import message_json, new_message_json, thread_json
from kollega.realtime import network_room, person_room, publish, thread_room


def message_created(message: Message, notified: list[int] | None = None) -> None:
    """A new message, to the thread's and network's rooms; ``notification:new`` to each
    person ``notified``. The payload is built just before the commit, while the message,
    its thread, author and reply are still loaded."""
    network_id = message.thread.network_id
    realtime.queue(
        [thread_room(message.thread_id), network_room(network_id)],
        "message:new",
        lambda: {**new_message_json(message), "network_id": network_id},
    )
    for person_id in notified or []:
        realtime.queue(
            person_room(person_id),
            "notification:new",
            {"thread_id": message.thread_id, "message_id": message.id, "seq": message.seq},
        )


def invited(network_id: int, person_ids: list[int]) -> None:
    """Tell people invited to a network (their "invite" notification is in this unit)."""
    for person_id in person_ids:
        realtime.queue(
            person_room(person_id),
            "notification:new",
            {"kind": "invite", "network_id": network_id},
        )


def message_edited(message: Message) -> None:
    realtime.queue(thread_room(message.thread_id), "message:edited", lambda: message_json(message))


def message_deleted(message: Message) -> None:
    realtime.queue(
        thread_room(message.thread_id),
        "message:deleted",
        {"id": message.id, "seq": message.seq, "thread_id": message.thread_id},
    )


def reactions_changed(message: Message, reactions: list[dict[str, Any]]) -> None:
    realtime.queue(
        thread_room(message.thread_id),
        "reaction:changed",
        {"message_id": message.id, "thread_id": message.thread_id, "reactions": reactions},
    )


def thread_updated(thread: Thread) -> None:
    """The thread's state as it is at the commit, once however many changes the unit of
    work made to it (resolved and an accepted answer in one request)."""
    room = thread_room(thread.id)
    if (room, "thread:updated") not in realtime.pending():
        realtime.queue(room, "thread:updated", lambda: thread_json(thread))


def read_marker(
    person_id: int, thread_id: int, last_read_seq: int, unread: int, notifications: int
) -> None:
    """Tell the person's other tabs and devices (and the bell's new count)."""
    realtime.queue(
        person_room(person_id),
        "read",
        {
            "thread_id": thread_id,
            "last_read_seq": last_read_seq,
            "unread": unread,
            "notifications": notifications,
        },
    )


def publish_presence(network_id: int) -> None:
    """Who is online in the network, to its room (at once: nothing in the database)."""
    publish(
        network_room(network_id),
        "presence",
        {"network_id": network_id, "online": presence().online(network_id)},
    )


def dropped_from_network(person_id: int, network_id: int) -> None:
    """Once the person's leaving or removal is committed, take their open sockets out of
    the network's rooms (``_drop``). The rooms are listed now, inside the unit of work."""
    rooms = [network_room(network_id)] + [
        thread_room(tid)
        for tid in db.session.scalars(sa.select(Thread.id).where(Thread.network_id == network_id))
    ]
    realtime.on_commit(lambda: _drop(person_id, network_id, rooms))


def _drop(person_id: int, network_id: int, rooms: list[str]) -> None:
    """Take a person's open sockets, on every process, out of a network's rooms after
    they left or were removed, then tell them and update the network's presence.

    The sids come from ``kollega.auth.sockets`` (Redis with a message queue, else this
    process); for a sid held by another process python-socketio's pub/sub manager
    forwards ``leave_room`` to it. The leave messages are queued before ``network:left``,
    so when the client hears that, its process has left the rooms. Handlers re-check
    permission on every event, so this only stops broadcasts they may no longer hear."""
    server = socketio.server
    sids = set(sockets.sids_of(person_id))
    if server is not None and sids:
        for sid in sids:
            for room in rooms:
                server.leave_room(sid, room, namespace="/")
    publish(person_room(person_id), "network:left", {"network_id": network_id})
    if presence().drop(network_id, sids):
        publish_presence(network_id)
