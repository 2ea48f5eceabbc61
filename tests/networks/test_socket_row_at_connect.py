"""With a shared Redis a socket keeps its person's row from the connect when the person
is known before the row is read (a token seen before in this process): the revision is
read first, so the first event need not read the person again, and any change to the
person after that read still makes the next event read them (and refuse a deactivated
one). A row is never kept under "no revision"."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kollega.auth import events, sockets
from kollega.auth.services import create_token
from kollega.extensions import db, socketio
from kollega.org.models import Person
from tests.networks.test_send_cost import statements

pytestmark = pytest.mark.redis


@pytest.fixture(params=[True, False], ids=["limiter-reads-revision", "own-read"])
def app_settings(request: Any, redis_url: str) -> dict[str, Any]:
    return {
        "REDIS_URL": redis_url,
        "SOCKETIO_CHANNEL": f"kollega-test-{uuid.uuid4().hex[:12]}",
        "RATELIMIT_ENABLED": request.param,
    }


@pytest.fixture
def shared(app: Any) -> Any:
    # Built without the message queue (the test client refuses a pub/sub manager), then
    # marked as having one: the revisions in Redis, as in production.
    app.config["SOCKETIO_MESSAGE_QUEUE"] = True
    assert sockets.shares_revisions()
    return app


def people_read(seen: list[str]) -> int:
    return sum(1 for s in seen if "FROM people" in s)


def connect_and_join(app: Any, token: str, thread_id: int) -> tuple[Any, dict[str, Any], int]:
    db.session.expunge_all()  # as in a web process: nothing of the person in memory yet
    client = socketio.test_client(app, auth={"token": token})
    assert client.is_connected()
    with statements() as seen:
        ack = client.emit("thread:join", {"thread_id": thread_id}, callback=True)
    return client, ack, people_read(seen)


def test_a_known_token_keeps_the_row_and_a_later_change_is_still_seen(shared, org, nets):
    tid = nets.closed_thread.id
    token = create_token(org.employee, "row-at-connect")
    db.session.commit()
    person_id = org.employee.id
    events._TOKEN_PEOPLE.clear()

    # First connect in this process: the person is not known before the row is read.
    client, ack, reads = connect_and_join(shared, token, tid)
    assert ack["ok"] and reads == 1
    client.disconnect()
    # No revision yet: the first event gave one, and nothing was kept under none.
    assert sockets.revision(person_id)

    # Known now: the revision is read before the row, the join reads no person.
    client, ack, reads = connect_and_join(shared, token, tid)
    assert ack["ok"] and reads == 0
    # A change after the connect: the next event reads the person and refuses them.
    person = db.session.get(Person, person_id)
    person.active = False
    db.session.commit()
    refused = client.emit("thread:join", {"thread_id": tid}, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "unauthorized"
    client.disconnect()


def test_a_change_between_the_revision_and_the_row_is_seen(shared, org, nets, monkeypatch):
    tid = nets.closed_thread.id
    token = create_token(org.employee, "row-at-connect")
    db.session.commit()
    person_id = org.employee.id
    sockets.give_revision(person_id)
    events._TOKEN_PEOPLE.clear()
    client, _, _ = connect_and_join(shared, token, tid)  # now known
    client.disconnect()

    read_revision = sockets.revision

    def revision_then_a_change(pid: int) -> str:
        value = read_revision(pid)
        # Committed after the revision was read, before the row is: the row is new,
        # the revision old, so the first event must read the person again.
        with shared.app_context():
            db.session.get(Person, pid).name = "Endret Imens"
            db.session.commit()
        return value

    db.session.expunge_all()
    monkeypatch.setattr(sockets, "revision", revision_then_a_change)
    client = socketio.test_client(shared, auth={"token": token})
    monkeypatch.undo()
    assert client.is_connected()
    with statements() as seen:
        ack = client.emit("thread:join", {"thread_id": tid}, callback=True)
    assert ack["ok"] and people_read(seen) == 1
    client.disconnect()
