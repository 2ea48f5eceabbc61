"""The annual cycle's only door into learning networks.

The cycle uses the networks feature through its services (never its tables), and
keeps working (unit and municipality events, reflections on the stop page) while a
networks build without those services is installed. Every function here degrades to
"no network" when the networks services are absent.
"""

from __future__ import annotations

import importlib
from typing import Any

from kollega.org.models import Person


def _networks() -> Any | None:
    try:
        return importlib.import_module("kollega.networks.services")
    except ImportError:
        return None


def _call(name: str, *args: Any, **kwargs: Any) -> Any:
    module = _networks()
    fn = getattr(module, name, None) if module is not None else None
    if fn is None:
        return None
    return fn(*args, **kwargs)


def network_exists(network_id: int) -> bool:
    network = _call("get_network", network_id)
    return network is not None


def network_name(network_id: int) -> str | None:
    network = _call("get_network", network_id)
    return getattr(network, "name", None)


def member_ids(network_id: int) -> list[int]:
    """Active members of the network."""
    ids = _call("active_member_ids", network_id)
    return list(ids or [])


def network_ids_of(person: Person) -> list[int]:
    """The networks the person is an active member of."""
    ids = _call("network_ids_for_person", person)
    return list(ids or [])


def is_facilitator(person: Person, network_id: int) -> bool:
    from kollega import permissions

    check = getattr(permissions, "is_facilitator", None)
    network = _call("get_network", network_id)
    return bool(check and network is not None and check(person, network))


def facilitated_network_ids(person: Person) -> list[int]:
    """Networks the person facilitates (to offer them in the event form)."""
    ids = _call("facilitated_network_ids", person)
    return list(ids or [])


def unit_network_id(unit_id: int) -> int | None:
    """The learning network that belongs to a unit, when there is one."""
    value = _call("network_id_for_unit", unit_id)
    return int(value) if value is not None else None


def open_learning_stop_thread(
    network_id: int, title: str, body: str, competences: list[str], author: Person | None
) -> int | None:
    """Open a learning-stop thread with the prompts as its first message; its id."""
    thread = _call(
        "open_system_thread",
        network_id,
        title=title,
        kind="learning_stop",
        body=body,
        competence_tags=competences,
        author=author,
    )
    return getattr(thread, "id", None) if thread is not None else None


def post_to_thread(thread_id: int, body: str, author: Person | None) -> dict[str, Any] | None:
    """Post a message as the system; the ``message:new`` payload to publish after commit."""
    message = _call("post_system_message", thread_id, body=body, author=author)
    if message is None:
        return None
    try:
        from kollega.networks.serialise import new_message_json
    except ImportError:
        return None
    payload = dict(new_message_json(message))
    payload.setdefault("thread_id", thread_id)
    # As a member's message: the network's room hears it too (the chat's sidebar).
    payload["network_id"] = message.thread.network_id
    return payload


def email_digest(person: Person) -> str:
    """The person's digest choice (never, daily, weekly); "never" without networks."""
    choice = _call("email_digest", person)
    return str(choice) if choice else "never"


def unread_notifications(person: Person) -> list[tuple[str, str]]:
    """(text, link) of the person's unread network notifications, newest first."""
    from flask_babel import gettext as _

    rows = _call("list_notifications", person, unread_only=True, limit=50) or []
    out = []
    for n in rows:
        actor = getattr(getattr(n, "actor", None), "name", "") or ""
        thread = getattr(getattr(n, "thread", None), "title", "") or ""
        network = getattr(getattr(n, "network", None), "name", "") or ""
        kind = getattr(n, "kind", "")
        if kind == "mention":
            text = _("%(actor)s mentioned you in %(thread)s", actor=actor, thread=thread)
        elif kind == "reply":
            text = _("%(actor)s replied in %(thread)s", actor=actor, thread=thread)
        elif kind == "join_request":
            text = _("%(actor)s asks to join %(network)s", actor=actor, network=network)
        elif kind == "invite":
            text = _("%(name)s invited you to %(network)s", name=actor, network=network)
        else:
            text = thread or network
        out.append((text, getattr(n, "link", "") or ""))
    return out


def unread_message_count(person: Person) -> int:
    counts = _call("unread_counts", person) or {}
    return int(sum(counts.values()))
