"""Production mode end to end: two gunicorn web processes and ``kollega scheduler`` on
PostgreSQL and Redis, behind nginx (Debian's). Clients connect through nginx and send
messages; one web process is killed halfway; its clients reconnect through nginx to the
other, and afterwards every client's view (live, then replay after its last seq) equals
the database: seq gap-free, each message once."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks import services as svc
from kollega.networks.models import Message
from tests import factories
from tests.conftest import free_port, service_missing
from tests.networks.servers import ReplayingClient
from tests.ops import processes

pytestmark = [pytest.mark.slow, pytest.mark.redis]

CLIENTS = 8
PER_CLIENT = 25


class ProxiedClient(ReplayingClient):
    """A ReplayingClient that names itself in a header nginx balances on, so that the
    clients (all from 127.0.0.1, one ip_hash bucket) spread over both processes."""

    def __init__(self, url: str, token: str, thread_id: int, name: str) -> None:
        super().__init__(url, token, thread_id)
        self.name = name

    def connect(self, deadline: float) -> None:
        import contextlib

        while True:
            with contextlib.suppress(Exception):
                self.sio.disconnect()
            self.sio = self._new_client()
            try:
                self.sio.connect(
                    self.url,
                    auth={"token": self.token},
                    headers={"X-Kollega-Client": self.name},
                    transports=["websocket"],
                    wait_timeout=5,
                )
                self.join()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def _rows(thread_id: int) -> list[tuple[int, int, str]]:
    db.session.rollback()
    return [
        (r.seq, r.id, r.client_id)
        for r in db.session.execute(
            sa.select(Message.seq, Message.id, Message.client_id)
            .where(Message.thread_id == thread_id)
            .order_by(Message.seq)
        )
    ]


def _upstream(base: str, name: str) -> str:
    """The web process nginx sends this client's requests to (X-Upstream, test config)."""
    response = requests.get(
        f"{base}/socket.io/?EIO=4&transport=polling", headers={"X-Kollega-Client": name}, timeout=5
    )
    return response.headers.get("X-Upstream", "")


def test_two_web_processes_and_the_scheduler_behind_nginx(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("several processes share PostgreSQL")
    if not os.access(processes.NGINX, os.X_OK):
        service_missing(f"nginx not found at {processes.NGINX} (apt-get install nginx)")

    network = svc.create_network(org.leader, "Driftsnettverk", "", visibility="open")
    thread, _ = svc.open_thread(org.leader, network.id, "Vakter", body="Hei")
    tokens = []
    for _ in range(CLIENTS):
        person = factories.make_person(org.unit_a1)
        svc.join_network(person, network.id)
        tokens.append(create_token(person, "multiprocess"))
    db.session.commit()

    env = processes.production_env(str(app.config["DATABASE_URL"]), redis_url, tmp_path / "inst")
    ports = [free_port(), free_port()]
    proxy_port = free_port()
    web = [processes.gunicorn(p, env, tmp_path / "logs") for p in ports]
    sched = processes.scheduler(env, tmp_path / "logs")
    # The production file balances with ip_hash; every client here is 127.0.0.1, so the
    # test balances on a per-client header instead (the same hash, a different key).
    proxy = processes.nginx(
        proxy_port, ports, tmp_path / "nginx", balance="hash $http_x_kollega_client"
    )
    base = f"http://127.0.0.1:{proxy_port}"
    clients: list[ProxiedClient] = []
    try:
        sched.start()
        for w in web:
            w.start()
        proxy.start()
        for w, p in zip(web, ports, strict=True):
            w.wait_http(f"http://127.0.0.1:{p}/login")
        # Healthy through nginx once the scheduler has beaten.
        proxy.wait_http(f"{base}/healthz", timeout=60)
        health = requests.get(f"{base}/healthz", timeout=5).json()
        assert health["status"] == "ok", health
        assert set(health["checks"]) == {"database", "redis", "scheduler"}

        deadline = time.monotonic() + 240
        clients = [
            ProxiedClient(base, token, thread.id, f"client-{i}") for i, token in enumerate(tokens)
        ]
        for c in clients:
            c.connect(deadline)
        placement = {c.name: _upstream(base, c.name) for c in clients}
        on_first = [c for c in clients if placement[c.name].endswith(f":{ports[0]}")]
        assert 0 < len(on_first) < CLIENTS, f"clients on both processes: {placement}"

        acks: dict[str, tuple[int, int]] = {}
        acked = threading.Semaphore(0)
        errors: list[BaseException] = []
        lock = threading.Lock()

        def work(index: int, client: ProxiedClient) -> None:
            try:
                for n in range(PER_CLIENT):
                    client_id = f"mp-{index}-{n}"
                    ack = client.send(client_id, f"Melding {n} fra {index}", deadline)
                    with lock:
                        acks[client_id] = (ack["id"], ack["seq"])
                    acked.release()
            except BaseException as exc:  # reported below
                errors.append(exc)

        workers = [
            threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)
        ]
        for w in workers:
            w.start()
        for _ in range(CLIENTS * PER_CLIENT // 2):
            assert acked.acquire(timeout=max(0.1, deadline - time.monotonic())), errors
        web[0].kill()  # the first web process dies without warning
        killed_at = len(acks)
        for w in workers:
            w.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not errors, errors
        assert not any(w.is_alive() for w in workers), "clients did not finish in time"
        assert killed_at < CLIENTS * PER_CLIENT
        # Everyone is connected again, necessarily to the surviving process.
        for c in clients:
            if not c.sio.connected:
                c.connect(deadline)
            c.join()
        assert all(c.sio.connected for c in clients)
        assert sum(c.reconnects for c in clients) >= 1, "the kill cut clients off"
        # Those of the dead process are now sent to the other one.
        for c in on_first:
            assert _upstream(base, c.name).endswith(f":{ports[1]}")
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200

        # Graceful stop of the survivor: SIGTERM, exit 0 within the graceful timeout.
        for c in clients:
            c.close()
        assert web[1].terminate(timeout=30) == 0, web[1].tail()
    finally:
        for c in clients:
            c.close()
        proxy.terminate(timeout=10)
        for w in web:
            w.kill()
        sched.terminate(timeout=10)
        sched.kill()

    rows = _rows(thread.id)
    assert [r[0] for r in rows] == list(range(1, CLIENTS * PER_CLIENT + 2)), "seq gap-free"
    ours = [r for r in rows if r[2].startswith("mp-")]
    assert len(ours) == len({r[2] for r in ours}) == CLIENTS * PER_CLIENT, "each message once"
    assert {cid: (mid, seq) for seq, mid, cid in ours} == acks
    database = {seq: (mid, cid) for seq, mid, cid in rows}
    for c in clients:
        assert c.view == database
