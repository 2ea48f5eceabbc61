"""Production mode end to end: two gunicorn web processes and ``kollega scheduler`` on
PostgreSQL and Redis, behind nginx (Debian's). Clients connect through nginx and send
messages; one web process is killed halfway; its clients reconnect through nginx to the
other, and afterwards every client's view (live, then replay after its last seq) equals
the database: seq gap-free, each message once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import factories, servers
from tests.conftest import free_port, require_processes
from tests.servers import (
    ReplayingClient,
    Senders,
    assert_every_view_is_the_database,
    close_all,
    thread_rows,
)

pytestmark = [pytest.mark.slow, pytest.mark.redis]

CLIENTS = 8
PER_CLIENT = 25


class ProxiedClient(ReplayingClient):
    """A ReplayingClient that names itself in a header nginx balances on, so that the
    clients (all from 127.0.0.1) spread over both servers."""

    def __init__(self, url: str, token: str, thread_id: int, name: str) -> None:
        super().__init__(url, token, thread_id, headers={"X-Kollega-Client": name})
        self.name = name


def _upstream(base: str, name: str) -> str:
    """The web process nginx sends this client's requests to (X-Upstream, test config)."""
    response = requests.get(
        f"{base}/socket.io/?EIO=4&transport=polling", headers={"X-Kollega-Client": name}, timeout=5
    )
    return response.headers.get("X-Upstream", "")


def test_two_web_processes_and_the_scheduler_behind_nginx(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    require_processes(backend, nginx=True)

    thread, tokens = factories.thread_of_token_holders(org, CLIENTS, "multiprocess")

    env = servers.production_env(str(app.config["DATABASE_URL"]), redis_url, tmp_path / "inst")
    ports = [free_port(), free_port()]
    proxy_port = free_port()
    web = [servers.gunicorn(p, env, tmp_path / "logs") for p in ports]
    sched = servers.scheduler(env, tmp_path / "logs")
    # The production file balances on a route cookie (tests/ops/test_nginx_sticky.py runs
    # it); this test keeps its per-client header (the same consistent hash, another key).
    proxy = servers.nginx(
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

        senders = Senders(clients, PER_CLIENT, "mp", deadline).start()
        senders.wait_for_acks(senders.total // 2)
        web[0].kill()  # the first web process dies without warning
        killed_at = len(senders.acks)
        senders.finish()
        assert killed_at < senders.total
        # Everyone is connected again, necessarily to the surviving process.
        for c in clients:
            c.catch_up(deadline)
        assert all(c.sio.connected for c in clients)
        assert sum(c.reconnects for c in clients) >= 1, "the kill cut clients off"
        # Those of the dead process are now sent to the other one.
        for c in on_first:
            assert _upstream(base, c.name).endswith(f":{ports[1]}")
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200

        # Graceful stop of the survivor: SIGTERM, exit 0 within the graceful timeout.
        close_all(clients)
        assert web[1].terminate(timeout=30) == 0, web[1].tail()
    finally:
        close_all(clients)
        proxy.terminate(timeout=10)
        for w in web:
            w.kill()
        sched.terminate(timeout=10)
        sched.kill()

    assert_every_view_is_the_database(thread_rows(thread.id), clients, senders, messages_before=1)
