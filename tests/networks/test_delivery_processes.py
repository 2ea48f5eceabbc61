"""Delivery across real server processes (``kollega run``), as DESIGN.md promises:

- two processes sharing PostgreSQL and Redis (Socket.IO's message queue): a message sent
  through one reaches a client connected to the other;
- 20 clients send 50 messages each, retrying until acked, while the server is killed
  (SIGKILL) and restarted halfway; afterwards every client's view (what it heard live,
  then replayed with ``thread:join`` after its last seq) equals the database: 1,000
  messages, seq gap-free, none twice.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks import services as svc
from kollega.networks.models import Message
from tests import factories
from tests.conftest import free_port
from tests.networks.servers import ReplayingClient, ServerProcess

pytestmark = pytest.mark.slow

CLIENTS = 20
PER_CLIENT = 50


def _database_url(app: Any) -> str:
    return str(app.config["DATABASE_URL"])


def _db_rows(thread_id: int) -> list[tuple[int, int, str]]:
    db.session.rollback()
    db.session.expire_all()
    return [
        (row.seq, row.id, row.client_id)
        for row in db.session.execute(
            sa.select(Message.seq, Message.id, Message.client_id)
            .where(Message.thread_id == thread_id)
            .order_by(Message.seq)
        )
    ]


@pytest.mark.redis
def test_message_through_one_process_reaches_a_client_of_the_other(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("several processes share PostgreSQL (SQLite is the one-process default)")
    network = svc.create_network(org.leader, "Ledernettverk helse", "", visibility="request")
    svc.add_member(org.leader, network.id, org.employee.id)
    thread, _ = svc.open_thread(org.leader, network.id, "Turnus", body="Hei")
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
        while ack["seq"] not in listener.view and time.monotonic() < deadline:
            time.sleep(0.02)
        assert listener.view.get(ack["seq"]) == (ack["id"], client_id)
        assert listener.reconnects == 0
    finally:
        for c in (listener, sender):
            if c is not None:
                c.close()
        one.stop()
        two.stop()
    assert [r[2] for r in _db_rows(thread.id)][-1] == client_id


def test_chaos_kill_and_restart_loses_and_doubles_nothing(
    app: Any, backend: str, org: Any, nets: Any, tmp_path: Path
) -> None:
    thread_id = nets.open_thread.id
    people = [factories.make_person(org.unit_a1) for _ in range(CLIENTS)]
    tokens = []
    for person in people:
        svc.join_network(person, nets.open.id)
        tokens.append(create_token(person, "chaos"))
    db.session.commit()
    before = _db_rows(thread_id)
    assert [r[0] for r in before] == [1]

    server = ServerProcess(free_port(), _database_url(app), tmp_path / "server")
    server.start()
    deadline = time.monotonic() + 240
    clients = [ReplayingClient(server.url, token, thread_id) for token in tokens]
    acks: dict[str, tuple[int, int]] = {}
    acked = threading.Semaphore(0)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int, client: ReplayingClient) -> None:
        try:
            client.connect(deadline)
            for n in range(PER_CLIENT):
                client_id = f"chaos-{index}-{n}"
                ack = client.send(client_id, f"Melding {n} fra klient {index}", deadline)
                with lock:
                    acks[client_id] = (ack["id"], ack["seq"])
                acked.release()
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [
        threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    try:
        for w in workers:
            w.start()
        # Halfway: the server dies without warning and comes back on the same port.
        for _ in range(CLIENTS * PER_CLIENT // 2):
            assert acked.acquire(timeout=max(0.1, deadline - time.monotonic())), errors
        server.kill()
        killed_at = len(acks)
        time.sleep(0.5)
        server.start()
        for w in workers:
            w.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not errors, errors
        assert not any(w.is_alive() for w in workers), "clients did not finish in time"
        assert killed_at < CLIENTS * PER_CLIENT
        # Each client catches up as after a reconnect: thread:join after its last seq.
        for c in clients:
            if not c.sio.connected:
                c.connect(deadline)
            c.join()
    finally:
        for c in clients:
            c.close()
        server.stop()

    rows = _db_rows(thread_id)
    seqs = [r[0] for r in rows]
    assert seqs == list(range(1, CLIENTS * PER_CLIENT + 2)), "seq is gap-free from 1"
    ours = [r for r in rows if r[2].startswith("chaos-")]
    assert len(ours) == CLIENTS * PER_CLIENT == 1000
    assert len({r[2] for r in ours}) == 1000, "no message stored twice"
    # Every acknowledgement names the stored message.
    assert {cid: (mid, seq) for seq, mid, cid in ours} == acks
    # Every client's view equals the database.
    database = {seq: (mid, cid) for seq, mid, cid in rows}
    for c in clients:
        assert c.view == database
    # The kill really cut clients off mid-stream.
    assert sum(c.reconnects for c in clients) >= 1
