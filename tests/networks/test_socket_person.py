"""A socket event's person check with a shared Redis: the socket keeps the person's row
and re-reads it only when the person's revision in Redis has changed, which every commit
that changes the person does (kollega.auth.sockets). Here the change is made the way a
command or another process makes it, without ``disconnect_person``: the next event must
still see it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from kollega import limits
from kollega.auth import sockets
from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks.models import Message
from tests.networks.test_socket import Client

pytestmark = pytest.mark.redis


@pytest.fixture(params=[True, False], ids=["limiter-reads-revision", "own-read"])
def app_settings(request: Any, redis_url: str) -> dict[str, Any]:
    # With the limiter counting in Redis the revision comes back in its round trip;
    # without, the socket reads it with a GET of its own.
    return {
        "REDIS_URL": redis_url,
        "SOCKETIO_MESSAGE_QUEUE": True,
        "SOCKETIO_CHANNEL": f"kollega-test-{uuid.uuid4().hex[:12]}",
        "RATELIMIT_ENABLED": request.param,
    }


def test_a_commit_that_changes_a_person_renews_only_their_revision(app, org):
    assert sockets.shares_revisions()
    # The limiter's round trip reads the revision when it counts in Redis, else it cannot.
    read = limits.check_socket_event(org.employee.id, None, sockets.revision_key(org.employee.id))
    assert (read is limits.NOT_READ) is (not app.config["RATELIMIT_ENABLED"])
    before = sockets.revision(org.employee.id)
    colleague = sockets.revision(org.colleague.id)
    org.employee.name = "Nytt Navn"
    db.session.flush()
    assert sockets.revision(org.employee.id) == before, "renewed before the commit"
    db.session.commit()
    after = sockets.revision(org.employee.id)
    assert after and after != before
    assert sockets.revision(org.colleague.id) == colleague
    db.session.commit()  # nothing changed
    assert sockets.revision(org.employee.id) == after


def _send(client: Client, thread_id: int, client_id: str) -> dict[str, Any]:
    return client.call(  # type: ignore[no-any-return]
        "message:send", {"thread_id": thread_id, "client_id": client_id, "body": "Hei"}
    )


def _stored(thread_id: int) -> list[str]:
    db.session.rollback()  # a fresh look at what the server committed
    return list(
        db.session.scalars(
            sa.select(Message.client_id).where(Message.thread_id == thread_id).order_by(Message.seq)
        )
    )


def test_the_next_event_sees_a_new_name_and_a_deactivation(app, live_server, org, nets):
    thread_id = nets.closed_thread.id  # the employee is a member
    token = create_token(org.employee, "revision-test")
    db.session.commit()
    employee_id = org.employee.id
    client = Client(live_server.url, token=token)
    try:
        assert client.call("thread:join", {"thread_id": thread_id, "after_seq": 10**9})["ok"]
        assert _send(client, thread_id, "r-1")["ok"]
        first = client.wait_for("message:new", lambda d: d["client_id"] == "r-1")
        assert first["author"] == {"id": employee_id, "name": org.employee.name}
        assert _send(client, thread_id, "r-2")["ok"]  # from the kept row
        client.wait_for("message:new", lambda d: d["client_id"] == "r-2")

        org.employee.name = "Omdøpt Ansatt"
        db.session.commit()
        assert _send(client, thread_id, "r-3")["ok"]
        renamed = client.wait_for("message:new", lambda d: d["client_id"] == "r-3")
        assert renamed["author"]["name"] == "Omdøpt Ansatt"

        org.employee.active = False
        db.session.commit()
        refused = _send(client, thread_id, "r-4")
        assert refused["ok"] is False and refused["error"]["code"] == "unauthorized"
        assert _stored(thread_id)[-3:] == ["r-1", "r-2", "r-3"]
    finally:
        if client.sio.connected:
            client.close()
