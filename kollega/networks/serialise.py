"""JSON shapes of networks, threads and messages (API and Socket.IO alike)."""

from __future__ import annotations

from typing import Any

from kollega.networks.models import Message, Network, NetworkMember, Notification, Thread


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def network_json(
    network: Network, members: int | None = None, my_state: str | None = None
) -> dict[str, Any]:
    return {
        "id": network.id,
        "name": network.name,
        "purpose": network.purpose,
        "kind": network.kind,
        "visibility": network.visibility,
        "status": network.status,
        "unit": (
            {"id": network.unit.id, "code": network.unit.code, "name": network.unit.name}
            if network.unit
            else None
        ),
        "target_competences": list(network.target_competences or []),
        "edit_window_minutes": network.edit_window_minutes,
        "created_at": iso(network.created_at),
        "members": members,
        "my_membership": my_state,
    }


def member_json(member: NetworkMember) -> dict[str, Any]:
    return {
        "person": {"id": member.person.id, "name": member.person.name},
        "role": member.role,
        "state": member.state,
        "guest": member.guest,
        "joined_at": iso(member.joined_at),
    }


def thread_json(thread: Thread, unread: int | None = None) -> dict[str, Any]:
    return {
        "id": thread.id,
        "network_id": thread.network_id,
        "title": thread.title,
        "kind": thread.kind,
        "competence_tags": list(thread.competence_tags or []),
        "resolved": thread.resolved,
        "accepted_message_id": thread.accepted_message_id,
        "last_seq": thread.last_seq,
        "last_message_at": iso(thread.last_message_at),
        "created_by": thread.created_by_id,
        "created_at": iso(thread.created_at),
        "unread": unread,
    }


def _person_ref(person: Any) -> dict[str, Any]:
    return {"id": person.id, "name": person.name}


def _reply_ref(reply: Message | None) -> dict[str, Any] | None:
    if reply is None:
        return None
    return {"id": reply.id, "seq": reply.seq, "author": _person_ref(reply.author)}


def message_json(message: Message, reactions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One message; a deleted one keeps its id and seq and loses its text."""
    return {
        **new_message_json(message),
        "body": message.body,
        "reply_to": _reply_ref(message.reply_to),
        "edited_at": iso(message.edited_at),
        "deleted": message.deleted_at is not None,
        "reactions": reactions or [],
    }


def new_message_json(message: Message) -> dict[str, Any]:
    """``message:new``: the design's fields, and ``reply_to`` for a reply. Leaner than
    ``message_json``, as it goes to every socket in the thread: a new message has no
    edits, reactions or deletion yet, and clients that want the Markdown source read it
    through the API."""
    payload = {
        "id": message.id,
        "seq": message.seq,
        "thread_id": message.thread_id,
        "client_id": message.client_id,
        "author": _person_ref(message.author),
        "body_html": message.body_html,
        "created_at": iso(message.created_at),
    }
    if message.reply_to is not None:
        payload["reply_to"] = _reply_ref(message.reply_to)
    return payload


def notification_json(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "actor": {"id": n.actor.id, "name": n.actor.name} if n.actor else None,
        "network": {"id": n.network.id, "name": n.network.name} if n.network else None,
        "thread": {"id": n.thread.id, "title": n.thread.title} if n.thread else None,
        "message_id": n.message_id,
        "link": n.link,
        "created_at": iso(n.created_at),
        "read": n.read_at is not None,
    }
