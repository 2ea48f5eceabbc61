"""The outbox: events a unit of work queues reach live clients once it commits, exactly
once, and never when it rolls back. Checked with a real (in-process) Socket.IO client in
the person's own room, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kollega import realtime, uow
from kollega.auth.services import create_token
from kollega.extensions import db, socketio
from kollega.org.models import Person


class Boom(Exception):
    pass


@pytest.fixture
def listener(app: Any, org: Any) -> Iterator[Any]:
    token = create_token(org.employee, "outbox test")
    db.session.commit()
    client = socketio.test_client(app, auth={"token": token})
    assert client.is_connected()
    client.get_received()
    yield client
    client.disconnect()


def heard(client: Any, event: str = "test:event") -> list[dict[str, Any]]:
    return [m["args"][0] for m in client.get_received() if m["name"] == event]


def test_a_committed_unit_publishes_once(listener: Any, org: Any) -> None:
    room = realtime.person_room(org.employee.id)
    with uow.unit_of_work():
        realtime.queue(room, "test:event", {"n": 1})
        assert heard(listener) == []  # nothing before the commit
    assert heard(listener) == [{"n": 1}]
    db.session.commit()  # a later commit does not publish it again
    assert heard(listener) == []


def test_a_failed_unit_publishes_nothing(listener: Any, org: Any) -> None:
    room = realtime.person_room(org.employee.id)
    with pytest.raises(Boom), uow.unit_of_work():
        org.employee.name = "Changed"
        realtime.queue(room, "test:event", {"n": 1})
        raise Boom
    db.session.commit()
    assert heard(listener) == []
    assert db.session.get(Person, org.employee.id).name != "Changed"


def test_a_rollback_drops_the_outbox(listener: Any, org: Any) -> None:
    room = realtime.person_room(org.employee.id)
    realtime.queue(room, "test:event", {"n": 1})
    db.session.rollback()
    assert realtime.pending() == []
    db.session.commit()
    assert heard(listener) == []


def test_a_savepoints_rollback_drops_only_its_own(listener: Any, org: Any) -> None:
    room = realtime.person_room(org.employee.id)
    realtime.queue(room, "test:event", {"n": "outer"})
    nested = db.session.begin_nested()
    realtime.queue(room, "test:event", {"n": "inner"})
    nested.rollback()
    kept = db.session.begin_nested()
    realtime.queue(room, "test:event", {"n": "released"})
    kept.commit()
    db.session.commit()
    assert heard(listener) == [{"n": "outer"}, {"n": "released"}]


def test_a_lazy_payload_is_built_at_commit(listener: Any, org: Any) -> None:
    from tests import factories

    room = realtime.person_room(org.employee.id)
    person = factories.make_person(org.unit_a1, name="Ny Person")
    realtime.queue(room, "test:event", lambda: {"id": person.id, "name": person.name})
    realtime.queue(room, "test:event", lambda: None)  # None: nothing to say after all
    db.session.commit()
    assert heard(listener) == [{"id": person.id, "name": "Ny Person"}]


def test_on_commit_runs_after_the_commit_only(app: Any, org: Any) -> None:
    ran: list[str] = []
    realtime.on_commit(lambda: ran.append("rolled back"))
    db.session.rollback()
    realtime.on_commit(lambda: ran.append("committed"))
    assert ran == []
    db.session.commit()
    assert ran == ["committed"]


@pytest.mark.parametrize(("status", "published"), [(200, True), (303, True), (422, False)])
def test_a_request_commits_its_good_answer_only(
    app: Any, client: Any, listener: Any, org: Any, status: int, published: bool
) -> None:
    room = realtime.person_room(org.employee.id)
    person_id = org.employee.id

    def queue_and_answer() -> Any:
        db.session.get(Person, person_id).name = "Renamed"
        realtime.queue(room, "test:event", {"status": status})
        return "", status

    app.add_url_rule("/_outbox/answer", "outbox_answer", queue_and_answer, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/_outbox/answer").status_code == status
    assert heard(listener) == ([{"status": status}] if published else [])
    db.session.expire_all()
    assert (db.session.get(Person, person_id).name == "Renamed") is published


def test_keep_on_refusal_commits_a_4xx_answer(app: Any, client: Any, org: Any) -> None:
    person_id = org.employee.id

    def refuse_but_keep() -> Any:
        db.session.get(Person, person_id).name = "Counted"
        uow.keep_on_refusal()
        return "", 401

    app.add_url_rule("/_outbox/keep", "outbox_keep", refuse_but_keep, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/_outbox/keep").status_code == 401
    db.session.expire_all()
    assert db.session.get(Person, person_id).name == "Counted"


def test_the_packet_check_for_binary_data_answers_as_python_socketios() -> None:
    from socketio.packet import Packet

    cases: list[Any] = [
        {"ok": True, "messages": [{"id": 1, "body": "hei", "reactions": []}]},
        {"deep": [{"a": [1, 2, {"b": b"raw"}]}]},
        [bytearray(b"x")],
        "text",
        None,
        {"t": ("a", b"b")},
    ]
    for case in cases:
        assert realtime.JsonPacket.data_is_binary(case) == Packet.data_is_binary(case), case
    assert realtime.JsonPacket.data_is_binary({"deep": [{"a": [{"b": b"raw"}]}]}) is True
    assert realtime.JsonPacket.data_is_binary({"ok": True, "n": [1, 2, "x"]}) is False
