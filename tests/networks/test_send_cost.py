"""What one ``message:send`` costs in SQL statements, counted on the real database: the
send path is the chat's hot path (benchmarks/chat_fanout.py), and each statement is a
round trip made while the thread's seq lock is held or about to be taken."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.auth.services import create_token
from kollega.extensions import db, socketio
from kollega.networks.models import Notification
from kollega.networks.threads import follow_thread


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def sender(app: Any, org: Any, nets: Any) -> Any:
    token = create_token(org.employee, "test")
    db.session.commit()
    client = socketio.test_client(app, auth={"token": token})
    assert client.is_connected()
    yield client
    client.disconnect()


def base() -> int:
    """The person, then thread + network + membership + earlier message + followers in
    one query, then the seq UPDATE and the INSERT: one statement on PostgreSQL (a
    data-modifying WITH), two on SQLite."""
    return 3 if db.engine.dialect.name == "postgresql" else 4


def send(client: Any, thread_id: int, client_id: str, body: str = "Hei") -> dict[str, Any]:
    ack = client.emit(
        "message:send",
        {"thread_id": thread_id, "client_id": client_id, "body": body},
        callback=True,
    )
    assert ack["ok"], ack
    return ack


def test_a_socket_send_is_three_statements(org, nets, sender):
    """See ``base``; a retry stores nothing."""
    thread_id = nets.closed_thread.id  # the employee is a member; the leader follows it
    follow_thread(org.leader, thread_id, follow=False)
    db.session.commit()
    send(sender, thread_id, "warm")
    with statements() as seen:
        ack = send(sender, thread_id, "cost-1")
    assert len(seen) == base(), "\n".join(s[:150] for s in seen)
    with statements() as seen:
        again = send(sender, thread_id, "cost-1")
    assert (again["id"], again["seq"], again["created"]) == (ack["id"], ack["seq"], False)
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in seen), seen


def test_followers_and_mentions_cost_their_queries_and_still_notify(org, nets, sender):
    thread_id = nets.closed_thread.id  # the leader opened it and follows it
    send(sender, thread_id, "warm")
    with statements() as seen:
        send(sender, thread_id, "f-1")
    # + the followers query (the leader has an unread notification now: none inserted)
    assert len(seen) == base() + 1, "\n".join(s[:150] for s in seen)
    with statements() as seen:
        send(sender, thread_id, "f-2", "Hei @Gro Gjest")
    # + the members named and the mention's notification INSERT
    assert len(seen) == base() + 3, "\n".join(s[:150] for s in seen)
    db.session.expire_all()
    kinds = {
        (n.person_id, n.kind)
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.thread_id == thread_id)
        )
    }
    assert kinds == {(org.leader.id, "reply"), (org.guest.id, "mention")}


def test_posting_in_an_open_network_still_makes_a_member(org, nets, app):
    token = create_token(org.other_employee, "test")
    thread_id = nets.open_thread.id
    db.session.commit()
    client = socketio.test_client(app, auth={"token": token})
    with statements() as seen:
        send(client, thread_id, "open-1")
    assert any(s.startswith("INSERT INTO network_members") for s in seen), seen
    with statements() as seen:
        send(client, thread_id, "open-2")
    # A member now: no membership INSERT; the leader (the opener) follows the thread and
    # has an unread notification from the first send, so none is inserted.
    assert len(seen) == base() + 1, "\n".join(s[:150] for s in seen)
    client.disconnect()
