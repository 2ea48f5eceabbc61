"""The networks package's public face for other features (kollega.networks.public)."""

from __future__ import annotations

from typing import Any

from kollega import realtime
from kollega.extensions import db
from kollega.networks import public
from kollega.networks.models import Message


def test_lookups(nets: Any, org: Any) -> None:
    assert public.network_exists(nets.open.id)
    assert not public.network_exists(999_999)
    assert public.network_name(nets.open.id) == "Digital hverdag"
    assert public.network_name(999_999) is None
    assert org.employee.id in public.member_ids(nets.request.id)
    assert nets.request.id in public.network_ids_of(org.employee)
    assert public.is_facilitator(org.leader, nets.open.id)
    assert not public.is_facilitator(org.employee, nets.request.id)
    assert nets.open.id in public.facilitated_network_ids(org.leader)
    assert public.email_digest(org.employee) == "weekly"


def test_post_to_thread_queues_message_new_to_thread_and_network(nets: Any, org: Any) -> None:
    thread_id = nets.open_thread.id
    message_id = public.post_to_thread(thread_id, "Oppsummering", None)
    assert message_id is not None
    rooms = [(room, event) for room, event in realtime.pending() if event == "message:new"]
    assert rooms == [
        ([realtime.thread_room(thread_id), realtime.network_room(nets.open.id)], "message:new")
    ]
    db.session.commit()
    message = db.session.get(Message, message_id)
    assert message is not None and message.body == "Oppsummering"
    assert message.author_id == org.leader.id


def test_open_learning_stop_thread(nets: Any) -> None:
    thread_id = public.open_learning_stop_thread(
        nets.open.id, "Læringsstopp", "Hva lærte vi?", [], None
    )
    assert thread_id is not None
    assert public.open_learning_stop_thread(999_999, "x", "y", [], None) is None
