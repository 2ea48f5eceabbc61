"""Learning networks as other features see them (the annual cycle, the digest, permissions).

Plain lookups and system actions without an acting person: the calling feature checks its
own permissions. Other features use networks through this module only, never its tables
or its use-case modules.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from kollega import permissions
from kollega.db import now_utc
from kollega.extensions import db
from kollega.networks import broadcast
from kollega.networks.members import (
    active_member_ids,
    add_member,
    invited_ids,
    network_ids_for_person,
)
from kollega.networks.members import facilitated_network_ids as _facilitated_network_ids
from kollega.networks.models import Message, Network, NetworkMember
from kollega.networks.networks import create_network, get_network, network_id_for_unit
from kollega.networks.notifications import email_digest as _email_digest
from kollega.networks.notifications import (
    in_quiet_hours,
    list_notifications,
    notify_stop_summary,
    quiet_hours_people,
)
from kollega.networks.reads import unread_counts
from kollega.networks.send import post_system_message
from kollega.networks.threads import forget_experience_parts, open_system_thread
from kollega.org.models import Person

# Use cases other features call with their acting person (the gaps feature proposes a
# network and invites the people with the gap); they check permissions themselves.
__all__ = [
    "add_member",
    "create_network",
    "email_digest",
    "ensure_stop_space",
    "facilitated_network_ids",
    "forget_experience_parts",
    "in_quiet_hours",
    "invited_ids",
    "is_facilitator",
    "member_ids",
    "network_exists",
    "network_ids_of",
    "network_name",
    "notify_stop_summary",
    "open_learning_stop_thread",
    "post_to_thread",
    "thread_replies",
    "quiet_hours_people",
    "unit_network_id",
    "unread_message_count",
    "unread_notifications",
]


def network_exists(network_id: int) -> bool:
    """Whether a network with this id exists (in any status)."""
    return get_network(network_id) is not None


def network_name(network_id: int) -> str | None:
    """The network's name, ``None`` when there is no such network."""
    network = get_network(network_id)
    return network.name if network is not None else None


def member_ids(network_id: int) -> list[int]:
    """Ids of the network's active members."""
    return active_member_ids(network_id)


def network_ids_of(person: Person) -> list[int]:
    """Ids of the networks the person is an active member of."""
    return network_ids_for_person(person)


def is_facilitator(person: Person, network_id: int) -> bool:
    """Whether the person is an active facilitator of the network."""
    network = get_network(network_id)
    return network is not None and permissions.is_facilitator(person, network)


def facilitated_network_ids(person: Person) -> list[int]:
    """Ids of the active networks the person facilitates (to offer them in a form)."""
    return _facilitated_network_ids(person)


def unit_network_id(unit_id: int) -> int | None:
    """The learning network that belongs to a unit, when there is one."""
    return network_id_for_unit(unit_id)


def open_learning_stop_thread(
    network_id: int, title: str, body: str, competences: list[str], author: Person | None
) -> int | None:
    """Open a learning-stop thread with the prompts as its first message; its id, or
    ``None`` when the network is missing or not active."""
    thread = open_system_thread(
        network_id,
        title=title,
        kind="learning_stop",
        body=body,
        competence_tags=competences,
        author=author,
    )
    return thread.id if thread is not None else None


def post_to_thread(thread_id: int, body: str, author: Person | None) -> int | None:
    """Post a message as the system (``author`` or the network's first facilitator); the
    new message's id, or ``None`` when nothing was posted. Queues ``message:new`` to the
    thread's and the network's rooms (one event: a socket in both hears it once), as for a
    member's message, so sidebars update their unread counts."""
    message = post_system_message(thread_id, body=body, author=author)
    if message is None:
        return None
    broadcast.message_created(message)
    return message.id


def ensure_stop_space(
    network_id: int | None,
    name: str,
    unit_id: int,
    members: list[int],
    facilitators: list[int],
) -> int:
    """The invite-only network where a unit's stops open their threads (a system action
    of the annual cycle): made when ``network_id`` is missing or no longer active, then
    its active members brought up to ``members`` (who left the unit leave it) with
    ``facilitators`` (the unit's leaders) as its facilitators. Its id; flushes."""
    network = get_network(network_id) if network_id is not None else None
    if network is None or network.status != "active":
        taken = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Network)
            .where(sa.func.lower(Network.name).startswith(name.lower()))
        )
        network = Network(
            name=name if not taken else f"{name} ({taken + 1})",
            purpose=_("Reflection threads of the unit's learning and evaluation stops."),
            kind="professional",
            visibility="invite",
            unit_id=unit_id,
            status="active",
            edit_window_minutes=60,
        )
        db.session.add(network)
        db.session.flush()
    wanted = {pid: "member" for pid in members}
    wanted.update({pid: "facilitator" for pid in facilitators})
    rows = {
        m.person_id: m
        for m in db.session.scalars(
            sa.select(NetworkMember).where(NetworkMember.network_id == network.id)
        )
    }
    now = now_utc()
    for pid, role in wanted.items():
        row = rows.get(pid)
        if row is None:
            row = NetworkMember(network_id=network.id, person_id=pid, joined_at=now)
            db.session.add(row)
        elif row.left_at is not None or row.state != "active":
            row.left_at, row.joined_at = None, now
        row.state, row.role = "active", role
    for pid, row in rows.items():
        if pid not in wanted and row.left_at is None:
            row.left_at = now
    db.session.flush()
    return network.id


def thread_replies(thread_id: int, exclude_author_ids: set[int]) -> list[tuple[int, str]]:
    """(author id, text) of the thread's messages that are not deleted and not by
    ``exclude_author_ids`` (the system's own posts), oldest first."""
    rows = db.session.execute(
        sa.select(Message.author_id, Message.body)
        .where(Message.thread_id == thread_id, Message.deleted_at.is_(None))
        .order_by(Message.seq)
    )
    return [(a, b) for a, b in rows if a not in exclude_author_ids]


def email_digest(person: Person) -> str:
    """The person's digest choice: "never", "daily" or "weekly"."""
    return _email_digest(person)


def _notification_text(kind: str, actor: str, thread: str, network: str) -> str:
    if kind == "mention":
        return _("%(actor)s mentioned you in %(thread)s", actor=actor, thread=thread)
    if kind == "reply":
        return _("%(actor)s replied in %(thread)s", actor=actor, thread=thread)
    if kind == "join_request":
        return _("%(actor)s asks to join %(network)s", actor=actor, network=network)
    if kind == "invite":
        return _("%(name)s invited you to %(network)s", name=actor, network=network)
    if kind == "approved":
        return _("You are now a member of %(network)s", network=network)
    if kind == "invite_accepted":
        return _("%(actor)s accepted the invitation to %(network)s", actor=actor, network=network)
    if kind == "made_facilitator":
        return _("%(actor)s made you facilitator of %(network)s", actor=actor, network=network)
    if kind == "stop_summary":
        return _("The summary of %(thread)s is ready", thread=thread)
    return thread or network


def unread_notifications(person: Person) -> list[tuple[str, str]]:
    """(text, link) of the person's unread network notifications, newest first (50 at most)."""
    out = []
    for n in list_notifications(person, unread_only=True, limit=50):
        actor = n.actor.name if n.actor is not None else ""
        thread = n.thread.title if n.thread is not None else ""
        network = n.network.name if n.network is not None else ""
        out.append((_notification_text(n.kind, actor, thread, network), n.link or ""))
    return out


def unread_message_count(person: Person) -> int:
    """How many messages the person has not read, over all their threads."""
    return sum(unread_counts(person).values())
