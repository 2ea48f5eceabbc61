"""Delivery across real server processes (``kollega run``), as DESIGN.md promises:

- two processes sharing PostgreSQL and Redis (Socket.IO's message queue): a message sent
  through one reaches a client connected to the other;
- 20 clients send 50 messages each, retrying until acked, while the server is killed
  (SIGKILL) and restarted halfway; afterwards every client's view (what it heard live,
  then replayed with ``thread:join`` after its last seq) equals the database: 1,000
  messages, seq gap-free, none twice.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks.members import add_member, join_network
from kollega.networks.networks import create_network
from kollega.networks.threads import open_thread
from tests import factories
from tests.conftest import free_port
from tests.servers import (
    ReplayingClient,
    Senders,
    ServerProcess,
    assert_every_view_is_the_database,
    close_all,
    thread_rows,
    wait_until,
)

pytestmark = pytest.mark.slow

CLIENTS = 20
PER_CLIENT = 50


def _database_url(app: Any) -> str:
    return str(app.config["DATABASE_URL"])


@pytest.mark.redis
def test_message_through_one_process_reaches_a_client_of_the_other(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("several processes share PostgreSQL (SQLite is the one-process default)")
    network = create_network(org.leader, "Ledernettverk helse", "", visibility="request")
    add_member(org.leader, network.id, org.employee.id)
    thread, _ = open_thread(org.leader, network.id, "Turnus", body="Hei")
    leader_token = create_token(org.leader, "mq-test")
    employee_token = create_token(org.employee, "mq-test")
    db.session.commit()

    env = {"KOLLEGA_SOCKETIO_MESSAGE_QUEUE": "1", "KOLLEGA_REDIS_URL": redis_url}
    one = ServerProcess(free_port(), _database_url(app), tmp_path / "one", env)
    two = ServerProcess(free_port(), _database_url(app), tmp_path / "two", env)
    listener = sender = None
    try:
        one.start()
        two.start()
        listener = ReplayingClient(one.url, employee_token, thread.id)
        sender = ReplayingClient(two.url, leader_token, thread.id)
        deadline = time.monotonic() + 30
        listener.connect(deadline)
        sender.connect(deadline)
        client_id = f"mq-{uuid.uuid4().hex[:12]}"
        ack = sender.send(client_id, "Fra prosess to", deadline)
        # The listener hears it live from its own process, through Redis.
        wait_until(lambda: ack["seq"] in listener.view, timeout=deadline - time.monotonic())
        assert listener.view.get(ack["seq"]) == (ack["id"], client_id)
        assert listener.reconnects == 0
    finally:
        close_all(c for c in (listener, sender) if c is not None)
        one.stop()
        two.stop()
    assert [r[2] for r in thread_rows(thread.id)][-1] == client_id


def test_chaos_kill_and_restart_loses_and_doubles_nothing(
    app: Any, backend: str, org: Any, nets: Any, tmp_path: Path
) -> None:
    thread_id = nets.open_thread.id
    people = [factories.make_person(org.unit_a1) for _ in range(CLIENTS)]
    tokens = []
    for person in people:
        join_network(person, nets.open.id)
        tokens.append(create_token(person, "chaos"))
    db.session.commit()
    before = thread_rows(thread_id)
    assert [r[0] for r in before] == [1]

    server = ServerProcess(free_port(), _database_url(app), tmp_path / "server")
    server.start()
    deadline = time.monotonic() + 240
    clients = [ReplayingClient(server.url, token, thread_id) for token in tokens]
    senders = Senders(clients, PER_CLIENT, "chaos", deadline)
    assert senders.total == 1000
    try:
        senders.start()
        # Halfway: the server dies without warning and comes back on the same port.
        senders.wait_for_acks(senders.total // 2)
        server.kill()
        killed_at = len(senders.acks)
        server.start()
        senders.finish()
        assert killed_at < senders.total
        # Each client catches up as after a reconnect: thread:join after its last seq.
        for c in clients:
            c.catch_up(deadline)
    finally:
        close_all(clients)
        server.stop()

    assert_every_view_is_the_database(thread_rows(thread_id), clients, senders, len(before))
    # The kill really cut clients off mid-stream.
    assert sum(c.reconnects for c in clients) >= 1
