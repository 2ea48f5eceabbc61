"""What the edges publish after they have committed (through ``kollega.realtime``).

Events to a thread's room (``thread:<id>``): ``message:edited``, ``message:deleted``,
``reaction:changed``, ``thread:updated``, ``typing``. ``message:new`` goes to the thread's
and its network's room (``network:<id>``) in one emit, with ``network_id``: a socket in
both hears it once, and sidebars update the unread counts of threads they have not
joined (everyone in a network's room may read it: ``network:join`` checks). To a
network's room also ``presence``. To a person's room (``person:<id>``):
``notification:new`` and ``read``.
"""

from __future__ import annotations

from typing import Any

from kollega.networks.models import Message, Thread
from kollega.networks.serialise import message_json, new_message_json, thread_json
from kollega.realtime import network_room, person_room, publish, thread_room

Event = tuple[str | list[str], str, dict[str, Any], str | None]  # rooms, event, payload, skip_sid


def message_created_events(
    message: Message, notified: list[int] | None = None, skip_sid: str | None = None
) -> list[Event]:
    """What ``message_created`` publishes, built while the message is still loaded: an
    edge calls this before its commit and ``publish_events`` after it, so publishing
    reloads nothing (the commit expires every object)."""
    network_id = message.thread.network_id
    events: list[Event] = [
        (
            [thread_room(message.thread_id), network_room(network_id)],
            "message:new",
            {**new_message_json(message), "network_id": network_id},
            skip_sid,
        ),
    ]
    for person_id in notified or []:
        events.append(
            (
                person_room(person_id),
                "notification:new",
                {"thread_id": message.thread_id, "message_id": message.id, "seq": message.seq},
                None,
            )
        )
    return events


def publish_events(events: list[Event]) -> None:
    for room, event, payload, skip_sid in events:
        publish(room, event, payload, skip_sid=skip_sid)


def message_created(
    message: Message, notified: list[int] | None = None, skip_sid: str | None = None
) -> None:
    publish_events(message_created_events(message, notified, skip_sid))


def invited(network_id: int, person_ids: list[int]) -> None:
    """Tell people invited to a network (their "invite" notification is committed)."""
    for person_id in person_ids:
        publish(
            person_room(person_id),
            "notification:new",
            {"kind": "invite", "network_id": network_id},
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
    """Take a person's open sockets, on every process, out of a network's rooms after
    they left or were removed, then tell them and update the network's presence.

    The sids come from ``kollega.auth.sockets`` (Redis with a message queue, else this
    process); for a sid held by another process python-socketio's pub/sub manager
    forwards ``leave_room`` to it. The leave messages are queued before ``network:left``,
    so when the client hears that, its process has left the rooms. Handlers re-check
    permission on every event, so this only stops broadcasts they may no longer hear."""
    import sqlalchemy as sa

    from kollega.auth import sockets
    from kollega.extensions import db, socketio
    from kollega.networks.presence import presence

    server = socketio.server
    sids = set(sockets.sids_of(person_id))
    if server is not None and sids:
        rooms = [network_room(network_id)] + [
            thread_room(tid)
            for tid in db.session.scalars(
                sa.select(Thread.id).where(Thread.network_id == network_id)
            )
        ]
        for sid in sids:
            for room in rooms:
                server.leave_room(sid, room, namespace="/")
    publish(person_room(person_id), "network:left", {"network_id": network_id})
    if presence().drop(network_id, sids):
        from kollega.networks.events import online

        publish(
            network_room(network_id),
            "presence",
            {"network_id": network_id, "online": online(network_id)},
        )
