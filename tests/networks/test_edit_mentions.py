"""An edit that adds a mention notifies the newly mentioned as a new message's mentions
do (issue #20): a stored "mention" notification and ``notification:new`` in their room
(which the desktop notification path reads), never twice for the same message."""

from __future__ import annotations

import queue
from typing import Any

import sqlalchemy as sa

from kollega.extensions import db
from kollega.networks.models import Notification
from tests.conftest import login
from tests.networks.test_api import bearer
from tests.networks.test_socket import Client, clients  # noqa: F401 (the fixture)


def _mentions(message_id: int) -> list[int]:
    db.session.expire_all()
    return sorted(
        db.session.scalars(
            sa.select(Notification.person_id).where(
                Notification.message_id == message_id, Notification.kind == "mention"
            )
        )
    )


def _drain(client: Client, event: str) -> list[Any]:
    """The ``event``s the client has heard so far (the queue emptied)."""
    got = []
    while True:
        try:
            name, data = client.events.get_nowait()
        except queue.Empty:
            return got
        if name == event:
            got.append(data)


def test_an_edit_that_adds_a_mention_notifies_once(live_server, clients, org, nets):  # noqa: F811
    tid = nets.closed_thread.id  # leader facilitates; the employee and the guest are members
    author = clients(org.employee)
    guest = clients(org.guest)
    leader = clients(org.leader)
    assert author.call("thread:join", {"thread_id": tid})["ok"]
    sent = author.call("message:send", {"thread_id": tid, "client_id": "em-1", "body": "Hei"})
    assert sent["ok"] and _mentions(sent["id"]) == []

    edit = {"message_id": sent["id"], "body": "Hei @Gro Gjest"}
    assert author.call("message:edit", edit)["ok"]
    note = guest.wait_for("notification:new", lambda d: d.get("message_id") == sent["id"])
    assert note == {"kind": "mention", "thread_id": tid, "message_id": sent["id"], "seq": 2}
    assert _mentions(sent["id"]) == [org.guest.id]
    stored = db.session.scalar(
        sa.select(Notification).where(Notification.person_id == org.guest.id)
    )
    assert (stored.actor_id, stored.thread_id, stored.link) == (
        org.employee.id,
        tid,
        f"/threads/{tid}#m2",
    )

    # Another edit adds the leader: only the leader is told; the guest not again.
    edit = {"message_id": sent["id"], "body": "Hei @Gro Gjest og @Lise Leder"}
    assert author.call("message:edit", edit)["ok"]
    # (The leader follows the thread: the send's own notification came first.)
    note = leader.wait_for("notification:new", lambda d: d.get("kind") == "mention")
    assert note["message_id"] == sent["id"]
    assert _mentions(sent["id"]) == sorted([org.guest.id, org.leader.id])
    # The guest's mention taken out and put back: still told once.
    for body in ("Hei @Lise Leder", "Hei @Gro Gjest og @Lise Leder, igjen"):
        assert author.call("message:edit", {"message_id": sent["id"], "body": body})["ok"]
    author.wait_for("message:edited", lambda d: d["body_html"].endswith("igjen</p>"))
    assert _mentions(sent["id"]) == sorted([org.guest.id, org.leader.id])
    assert _drain(guest, "notification:new") == []
    assert _drain(leader, "notification:new") == []
    # Mentioning oneself tells no one.
    edit = {"message_id": sent["id"], "body": "Hei @Eva Ansatt"}
    assert author.call("message:edit", edit)["ok"]
    assert org.employee.id not in _mentions(sent["id"])


def test_an_edit_to_alle_by_a_facilitator_notifies_every_member(live_server, clients, org, nets):  # noqa: F811
    tid = nets.closed_thread.id
    leader = clients(org.leader)
    employee = clients(org.employee)
    assert employee.call("thread:join", {"thread_id": tid})["ok"]
    sent = leader.call("message:send", {"thread_id": tid, "client_id": "em-a", "body": "Hei"})
    assert leader.call("message:edit", {"message_id": sent["id"], "body": "@alle Hei"})["ok"]
    employee.wait_for("notification:new", lambda d: d.get("kind") == "mention")
    assert _mentions(sent["id"]) == sorted([org.employee.id, org.guest.id])
    # A member's @alle is no mention: nobody is told.
    mine = employee.call("message:send", {"thread_id": tid, "client_id": "em-b", "body": "Hei"})
    assert employee.call("message:edit", {"message_id": mine["id"], "body": "@alle Hei"})["ok"]
    employee.wait_for("message:edited", lambda d: d["id"] == mine["id"])
    assert _mentions(mine["id"]) == []


def test_the_no_js_edit_page_and_the_api_notify_too(app, client, org, nets):
    from kollega.networks.send import send_message

    sent = send_message(org.employee, nets.closed_thread.id, "em-p", "Hei").message
    db.session.commit()
    login(client, org.employee)
    r = client.post(f"/messages/{sent.id}/edit", data={"body": "Hei @Lise Leder"})
    assert r.status_code == 302
    assert _mentions(sent.id) == [org.leader.id]
    h, api = bearer(org.employee), app.test_client()  # a token, no session
    r = api.patch(f"/api/v1/messages/{sent.id}", json={"body": "Hei @Gro Gjest"}, headers=h)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert _mentions(sent.id) == sorted([org.leader.id, org.guest.id])
    # A refused edit (empty) stores no notification.
    r = api.patch(f"/api/v1/messages/{sent.id}", json={"body": "  "}, headers=h)
    assert r.status_code == 422
    assert _mentions(sent.id) == sorted([org.leader.id, org.guest.id])
