"""Presence and drop-from-network across processes (Redis).

- The Redis presence store against a real Redis: every process sees every process's
  sockets, entries of a process that stopped re-stamping (killed) age out, and a socket
  dropped from a network by another process does not come back with the next re-stamp.
- Two real server processes sharing PostgreSQL and Redis: presence asked through process
  2 includes a person connected to process 1; after that person is removed through process
  2, their socket on process 1 leaves the network's rooms (within 2 s) and hears no more of
  its messages, while a member on process 1 still does.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks.members import add_member
from kollega.networks.networks import create_network
from kollega.networks.presence import MemoryPresence, RedisPresence
from kollega.networks.threads import open_thread
from tests.conftest import free_port
from tests.servers import ServerProcess


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.redis
def test_redis_presence_is_shared_and_ages_out(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = f"test:presence:{uuid.uuid4().hex}"
    clock = Clock()
    one = RedisPresence(client, prefix=prefix, ttl=45, clock=clock)
    two = RedisPresence(client, prefix=prefix, ttl=45, clock=clock)
    try:
        one.join(7, "sid-a", 1, "Eva Ansatt")
        one.join(7, "sid-b", 1, "Eva Ansatt")  # a second tab: listed once
        two.join(7, "sid-c", 2, "Kari Kollega")
        two.join(8, "sid-d", 3, "Ola Lærer")
        assert two.online(7) == [{"id": 1, "name": "Eva Ansatt"}, {"id": 2, "name": "Kari Kollega"}]
        assert one.online(8) == [{"id": 3, "name": "Ola Lærer"}]
        # Process one keeps re-stamping; process two was killed and stops.
        clock.now += 30
        one.refresh()
        clock.now += 30
        assert one.online(7) == [{"id": 1, "name": "Eva Ansatt"}]
        assert one.online(8) == []
        # Another process drops Eva's sockets from network 7; re-stamping keeps her out.
        assert two.drop(7, ["sid-a", "sid-b"])
        one.refresh()
        assert two.online(7) == [] and one.online(7) == []
        # Leave and disconnect clean up this process's own entries.
        one.join(9, "sid-e", 1, "Eva Ansatt")
        assert one.disconnect("sid-e") == [9] and two.online(9) == []
    finally:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def test_memory_presence_is_the_one_process_default() -> None:
    store = MemoryPresence()
    store.join(1, "s1", 5, "Per")
    store.join(1, "s2", 6, "Anne")
    assert store.online(1) == [{"id": 6, "name": "Anne"}, {"id": 5, "name": "Per"}]
    assert store.drop(1, ["s1"]) and not store.drop(1, ["s1"])
    assert store.leave(1, "s2") and store.online(1) == []


class Listener:
    """A python-socketio client that records what it hears."""

    def __init__(self, url: str, token: str) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.heard: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        for event in ("message:new", "network:left", "presence"):
            self.sio.on(event, self._record(event))
        self.sio.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def _record(self, event: str) -> Any:
        def handler(data: Any) -> None:
            with self.lock:
                self.heard.append((event, data))

        return handler

    def call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        ack = self.sio.call(event, payload, timeout=10)
        assert ack.get("ok"), ack
        return dict(ack)

    def wait_for(self, event: str, match: Any, timeout: float) -> float | None:
        """Seconds until an ``event`` whose payload satisfies ``match`` was heard."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with self.lock:
                if any(e == event and match(d) for e, d in self.heard):
                    return time.monotonic() - started
            time.sleep(0.02)
        return None

    def messages(self) -> list[int]:
        with self.lock:
            return [d["seq"] for e, d in self.heard if e == "message:new"]


@pytest.mark.slow
@pytest.mark.redis
def test_presence_and_removal_reach_across_processes(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("several processes share PostgreSQL (SQLite is the one-process default)")
    network = create_network(org.leader, "Personvern i skolen", "", visibility="request")
    add_member(org.leader, network.id, org.employee.id)
    add_member(org.leader, network.id, org.colleague.id)
    thread, _ = open_thread(org.leader, network.id, "Samtykke", body="Hei")
    tokens = {p.id: create_token(p, "presence") for p in (org.leader, org.employee, org.colleague)}
    db.session.commit()

    env = {"KOLLEGA_SOCKETIO_MESSAGE_QUEUE": "1", "KOLLEGA_REDIS_URL": redis_url}
    one = ServerProcess(free_port(), str(app.config["DATABASE_URL"]), tmp_path / "one", env)
    two = ServerProcess(free_port(), str(app.config["DATABASE_URL"]), tmp_path / "two", env)
    clients: list[Listener] = []
    try:
        one.start()
        two.start()
        eva = Listener(one.url, tokens[org.employee.id])
        kari = Listener(one.url, tokens[org.colleague.id])
        lise = Listener(two.url, tokens[org.leader.id])
        clients = [eva, kari, lise]
        eva.call("network:join", {"network_id": network.id})
        for c in (eva, kari):
            c.call("thread:join", {"thread_id": thread.id})
        # Presence asked through process 2 includes Eva, connected to process 1.
        online = lise.call("network:join", {"network_id": network.id})["online"]
        assert {p["id"] for p in online} == {org.employee.id, org.leader.id}

        # Lise removes Eva through process 2's REST API.
        r = requests.delete(
            f"{two.url}/api/v1/networks/{network.id}/members/{org.employee.id}",
            headers={"Authorization": f"Bearer {tokens[org.leader.id]}"},
            timeout=10,
        )
        assert r.status_code == 204
        took = eva.wait_for("network:left", lambda d: d["network_id"] == network.id, 2.0)
        assert took is not None, "Eva's socket on process 1 was not dropped within 2 s"
        # She is out of the presence list everywhere, and hears no more messages.
        assert (
            lise.wait_for(
                "presence",
                lambda d: {p["id"] for p in d["online"]} == {org.leader.id},
                2.0,
            )
            is not None
        )
        ack = lise.call(
            "message:send",
            {"thread_id": thread.id, "client_id": f"p-{uuid.uuid4().hex[:10]}", "body": "Etter"},
        )
        assert kari.wait_for("message:new", lambda d: d["seq"] == ack["seq"], 5.0) is not None
        time.sleep(0.3)
        assert ack["seq"] not in eva.messages()
        # And may not join back in.
        refused = eva.sio.call("thread:join", {"thread_id": thread.id}, timeout=10)
        assert refused["ok"] is False
    finally:
        for c in clients:
            c.sio.disconnect()
        one.stop()
        two.stop()


@pytest.mark.redis
def test_forget_own_takes_only_this_process_out(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = f"test:presence:{uuid.uuid4().hex}"
    one = RedisPresence(client, prefix=prefix)
    two = RedisPresence(client, prefix=prefix)
    try:
        one.join(7, "sid-a", 1, "Eva Ansatt")
        one.join(8, "sid-b", 1, "Eva Ansatt")
        two.join(7, "sid-c", 2, "Kari Kollega")
        one.forget_own()  # process one stops gracefully
        assert two.online(7) == [{"id": 2, "name": "Kari Kollega"}]
        assert two.online(8) == []
        assert one.local() == {}
        one.refresh()  # nothing of its own left to re-stamp
        assert two.online(7) == [{"id": 2, "name": "Kari Kollega"}]
    finally:
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.parametrize("worker", ["gthread", "gevent"])
def test_a_gracefully_stopped_web_process_takes_its_presence_out(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path, worker: str
) -> None:
    """gunicorn (gunicorn.conf.py) in production mode: on SIGTERM the process's sockets
    leave the shared presence in Redis at once, not 45 s later."""
    import json
    import signal

    import redis

    from tests import servers

    if backend != "postgresql":
        pytest.skip("production mode runs on PostgreSQL")
    network = create_network(org.leader, "Vaktlag", "", visibility="open")
    token = create_token(org.leader, "presence")
    db.session.commit()
    env = servers.production_env(str(app.config["DATABASE_URL"]), redis_url, tmp_path / "inst")
    port = free_port()
    web = servers.gunicorn(port, env, tmp_path / "logs", worker=worker)
    client = redis.Redis.from_url(redis_url)
    who = f"kollega:presence:{network.id}:who"
    seen = f"kollega:presence:{network.id}:seen"
    lise = None
    try:
        web.start()
        web.wait_http(f"http://127.0.0.1:{port}/login")
        lise = Listener(f"http://127.0.0.1:{port}", token)
        lise.call("network:join", {"network_id": network.id})
        ours = {
            sid for sid, raw in client.hgetall(who).items() if json.loads(raw)[0] == org.leader.id
        }
        assert ours, "the socket is in the shared presence"
        assert web.proc is not None
        web.proc.send_signal(signal.SIGTERM)
        assert servers.wait_until(lambda: not ours & set(client.hkeys(who)), 5.0), web.tail()
        assert not ours & set(client.zrange(seen, 0, -1))
    finally:
        if lise is not None:
            lise.sio.disconnect()
        web.terminate(timeout=15)
