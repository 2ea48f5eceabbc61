"""The join's latest page kept per process (kollega.networks.page_cache) with a shared
Redis: a second reader is served the kept page, and every kind of change to what a page
shows (a send, an edit, a deletion, reactions on and off, a rename, statements written
by hand) gives the next join the changed page, never the kept one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.auth.services import create_token
from kollega.extensions import db, socketio
from kollega.networks import page_cache
from kollega.networks.messages import REACTIONS, delete_message, edit_message, react
from kollega.networks.models import Message, Reaction
from kollega.networks.send import send_message
from tests.networks.test_send_cost import statements

pytestmark = pytest.mark.redis


@pytest.fixture
def app_settings(redis_url: str) -> dict[str, Any]:
    return {"REDIS_URL": redis_url, "SOCKETIO_CHANNEL": f"kollega-test-{uuid.uuid4().hex[:12]}"}


@pytest.fixture
def shared(app: Any) -> Any:
    # Built without the message queue (the test client refuses a pub/sub manager), then
    # marked as having one: revisions in Redis, as in production.
    app.config["SOCKETIO_MESSAGE_QUEUE"] = True
    assert page_cache.sockets.shares_revisions()
    return app


@pytest.fixture
def join(shared: Any, org: Any) -> Any:
    tokens = {}
    for person in (org.employee, org.leader):
        tokens[person.id] = create_token(person, "page-cache")
    db.session.commit()

    def join(person: Any, thread_id: int) -> dict[str, Any]:
        client = socketio.test_client(shared, auth={"token": tokens[person.id]})
        ack = client.emit("thread:join", {"thread_id": thread_id}, callback=True)
        client.disconnect()
        assert ack["ok"], ack
        return ack  # type: ignore[no-any-return]

    return join


def fresh(thread_id: int) -> list[dict[str, Any]]:
    """The page as the database has it now (what a join must answer)."""
    db.session.rollback()
    return page_cache.build(thread_id)[0]


def test_a_second_reader_gets_the_kept_page(join, org, nets):
    tid = nets.closed_thread.id
    join(org.employee, tid)
    first = join(org.employee, tid)  # kept by now, whether or not the revision had a value
    with statements() as seen:
        second = join(org.leader, tid)
    assert second["messages"] == first["messages"] == fresh(tid)
    assert not any("body_html" in s for s in seen), "the page was read again"
    assert not any("FROM reactions" in s for s in seen), "the reactions were read again"


def test_every_change_to_a_page_shows_at_the_next_join(join, org, nets):
    tid = nets.closed_thread.id
    m1 = send_message(org.employee, tid, "pc-1", "Første").message
    m2 = send_message(org.leader, tid, "pc-2", "Andre", m1.id).message
    db.session.commit()
    m1_id, m2_id = m1.id, m2.id

    def check(what: str) -> None:
        page = join(org.employee, tid)["messages"]
        assert page == fresh(tid), what
        assert join(org.leader, tid)["messages"] == page, what

    check("first")
    send_message(org.leader, tid, "pc-3", "Tredje")
    db.session.commit()
    check("a send")
    edit_message(org.employee, m1_id, "Første, rettet")
    db.session.commit()
    check("an edit")
    react(org.leader, m1_id, REACTIONS[0])  # an INSERT statement
    db.session.commit()
    check("a reaction on")
    react(org.leader, m1_id, REACTIONS[0])  # the row deleted through the session
    db.session.commit()
    check("a reaction off")
    react(org.employee, m2_id, REACTIONS[1])
    db.session.commit()
    check("another reaction")
    delete_message(org.leader, m2_id)  # reactions deleted by a statement
    db.session.commit()
    check("a deletion")
    org.leader.name = "Lea Omdøpt"
    db.session.commit()
    check("an author renamed")
    assert any(m["author"]["name"] == "Lea Omdøpt" for m in fresh(tid))
    db.session.execute(
        sa.update(Message).where(Message.id == m1_id).values(body="Skrevet av en kommando")
    )
    db.session.commit()
    check("an UPDATE statement")
    db.session.execute(
        sa.text("UPDATE messages SET body_html = '<p>Rå SQL</p>' WHERE id = :id"), {"id": m1_id}
    )
    db.session.commit()
    check("a textual statement")
    db.session.execute(
        sa.insert(Reaction).values(message_id=m1_id, person_id=org.guest.id, emoji=REACTIONS[2])
    )
    db.session.commit()
    check("a reaction INSERT of a message not loaded")
    db.session.execute(sa.delete(Message).where(Message.id == m1_id))
    db.session.commit()
    check("a DELETE statement (retention)")
    assert all(m["id"] != m1_id for m in fresh(tid))


def test_a_rolled_back_change_is_not_shown_and_a_change_is_only_its_threads(join, org, nets):
    tid, other = nets.closed_thread.id, nets.open_thread.id
    join(org.employee, tid)
    page_cache.revision(other)  # given a value if it had none
    before = page_cache.revision(other)
    assert before is not None
    send_message(org.leader, tid, "pc-r", "Angres")
    db.session.rollback()
    assert join(org.employee, tid)["messages"] == fresh(tid)
    send_message(org.leader, tid, "pc-s", "Står")
    db.session.commit()
    assert join(org.employee, tid)["messages"] == fresh(tid)
    # A send renews its own thread's revision, not every thread's.
    assert page_cache.revision(other) == before
