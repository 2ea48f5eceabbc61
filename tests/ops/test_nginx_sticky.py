"""Stickiness that survives a NAT (#23): every client here comes from 127.0.0.1, as all the
employees behind a municipality's NAT do, through nginx with deploy/nginx.conf's own
balancing (the ``kollega_node`` route cookie and ``hash ... consistent``, read from the
file) to two gunicorn web processes on PostgreSQL and Redis.

- A browser without the cookie gets one from nginx on its first answer, and every later
  request (a long-polling Socket.IO connection's too) reaches the same process.
- Clients from the one address land on both processes (route cookies chosen to hash apart,
  so the test is deterministic), each serving its sockets over long-polling, which works
  only when every poll reaches the process holding the connection.
- One process is killed while they all send: its clients reconnect through nginx to the
  other and catch up (thread:join with their last seq); every view equals the database,
  0 lost, 0 doubled.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

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

DEPLOY = servers.ROOT / "deploy" / "nginx.conf"
COOKIE = "kollega_node"
CLIENTS = 8
PER_CLIENT = 20


def deploy_balancing() -> tuple[str, str, str, str]:
    """From deploy/nginx.conf: its ``map`` blocks (but the Upgrade one, which the test
    config has), the upstream's balancing line, the route cookie's add_header line and
    the upstream servers' parameters (max_fails ...)."""
    text = DEPLOY.read_text()
    maps = [
        m
        for m in re.findall(r"^map \$\S+ \$\S+ \{.*?^\}", text, re.MULTILINE | re.DOTALL)
        if "$connection_upgrade" not in m
    ]
    upstream = re.search(r"upstream kollega \{(.*?)\}", text, re.DOTALL)
    assert upstream is not None
    balance = [
        line.strip().rstrip(";")
        for line in upstream.group(1).splitlines()
        if line.strip() and not line.strip().startswith(("server ", "keepalive", "#"))
    ]
    servers_ = re.findall(r"^\s*server 127\.0\.0\.1:\d+(.*);", upstream.group(1), re.MULTILINE)
    cookie = re.search(r"^\s*(add_header Set-Cookie \$\S+ always;)", text, re.MULTILINE)
    assert "ip_hash" not in balance, "ip_hash puts a whole NAT on one process"
    assert len(balance) == 1 and cookie is not None and maps, (balance, cookie, maps)
    assert servers_ and len(set(servers_)) == 1, servers_
    return "\n".join(maps), balance[0], cookie.group(1), servers_[0].strip()


def sticky_nginx(port: int, upstreams: list[int], folder: Path) -> servers.Process:
    """tests/servers.py's nginx with deploy/nginx.conf's balancing and route cookie."""
    maps, balance, cookie, parameters = deploy_balancing()
    folder.mkdir(parents=True, exist_ok=True)
    conf = servers.nginx_config(port, upstreams, folder, balance)
    text = conf.read_text()
    text = re.sub(r"(server 127\.0\.0\.1:\d+) [^;]*;", rf"\1 {parameters};", text)
    text = text.replace("    upstream kollega {", maps + "\n    upstream kollega {", 1)
    text = text.replace(
        "add_header X-Upstream $upstream_addr always;",
        f"add_header X-Upstream $upstream_addr always;\n            {cookie}",
        1,
    )
    conf.write_text(text)
    return servers.Process(
        "nginx",
        [servers.NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "nginx-error.log")],
        dict(os.environ),
        folder,
    )


def upstream_of(base: str, node: str) -> str:
    """The web process nginx sends a browser with this route cookie to (X-Upstream)."""
    response = requests.get(f"{base}/login", cookies={COOKIE: node}, timeout=5)
    assert COOKIE not in response.cookies, "a browser with a route keeps it"
    return response.headers.get("X-Upstream", "")


def routes_on_each(base: str, ports: list[int], per_port: int) -> dict[int, list[str]]:
    """Route cookies (random, as nginx makes them) that land on each process."""
    found: dict[int, list[str]] = {p: [] for p in ports}
    for _ in range(200):
        node = secrets.token_hex(16)
        port = int(upstream_of(base, node).rsplit(":", 1)[1])
        if len(found[port]) < per_port:
            found[port].append(node)
        if all(len(v) == per_port for v in found.values()):
            return found
    raise AssertionError(f"the route cookie does not spread over the processes: {found}")


def polling_client(base: str, token: str, node: str | None) -> tuple[socketio.Client, Any]:
    """A Socket.IO client on long-polling only (a request per poll), with its own cookie
    jar as a browser has; ``node`` presets the route cookie."""
    session = requests.Session()
    if node is not None:
        session.cookies.set(COOKIE, node)
    client = socketio.Client(reconnection=False, http_session=session)
    client.connect(base, auth={"token": token}, transports=["polling"], wait_timeout=10)
    return client, session


class RoutedClient(ReplayingClient):
    """A ReplayingClient that presents its browser's route cookie on every (re)connect."""

    def __init__(self, url: str, token: str, thread_id: int, node: str) -> None:
        super().__init__(url, token, thread_id, headers={"Cookie": f"{COOKIE}={node}"})
        self.node = node


def test_a_nat_spreads_over_both_processes_by_cookie_and_survives_a_kill(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    require_processes(backend, nginx=True)

    thread, tokens = factories.thread_of_token_holders(org, CLIENTS, "sticky")

    env = servers.production_env(str(app.config["DATABASE_URL"]), redis_url, tmp_path / "inst")
    ports = [free_port(), free_port()]
    proxy_port = free_port()
    web = [servers.gunicorn(p, env, tmp_path / "logs") for p in ports]
    proxy = sticky_nginx(proxy_port, ports, tmp_path / "nginx")
    base = f"http://127.0.0.1:{proxy_port}"
    clients: list[RoutedClient] = []
    pollers: list[socketio.Client] = []
    try:
        for w in web:
            w.start()
        proxy.start()
        for w, p in zip(web, ports, strict=True):
            w.wait_http(f"http://127.0.0.1:{p}/login")
        proxy.wait_http(f"{base}/login")

        # A new browser: nginx sets a random route; every later request follows it.
        browser = requests.Session()
        first = browser.get(f"{base}/login", timeout=5)
        node = browser.cookies.get(COOKIE)
        assert node and re.fullmatch(r"[0-9a-f]{32}", node), first.headers
        assert "HttpOnly" in first.headers["Set-Cookie"]
        assert "SameSite=Lax" in first.headers["Set-Cookie"]
        placed = {browser.get(f"{base}/login", timeout=5).headers["X-Upstream"] for _ in range(10)}
        assert placed == {first.headers["X-Upstream"]}
        # ... a long-polling socket too, its cookie set by nginx on the handshake.
        poller, jar = polling_client(base, tokens[0], None)
        pollers.append(poller)
        for _ in range(5):
            assert poller.call("thread:join", {"thread_id": thread.id, "after_seq": 0}, timeout=10)[
                "ok"
            ]
        assert jar.cookies.get(COOKIE)

        # One NAT address, routes that hash apart: both processes serve polling sockets.
        routes = routes_on_each(base, ports, CLIENTS // 2)
        for port, nodes in routes.items():
            for node in nodes[:2]:
                poller, _jar = polling_client(base, tokens[1], node)
                pollers.append(poller)
                ack = poller.call(
                    "thread:join", {"thread_id": thread.id, "after_seq": 0}, timeout=10
                )
                assert ack["ok"], ack
                assert upstream_of(base, node).endswith(f":{port}")

        deadline = time.monotonic() + 240
        nodes = routes[ports[0]] + routes[ports[1]]
        clients = [
            RoutedClient(base, token, thread.id, node)
            for token, node in zip(tokens, nodes, strict=True)
        ]
        for c in clients:
            c.connect(deadline)
        on_first = [c for c in clients if c.node in routes[ports[0]]]
        assert len(on_first) == CLIENTS // 2

        senders = Senders(clients, PER_CLIENT, "sticky", deadline).start()
        senders.wait_for_acks(senders.total // 2)
        web[0].kill()  # one process dies without warning
        killed_at = len(senders.acks)
        senders.finish()
        assert killed_at < senders.total
        for c in clients:
            c.catch_up(deadline)
        assert all(c.sio.connected for c in clients)
        assert sum(c.reconnects for c in on_first) >= 1, "the kill cut its clients off"
        # The dead process's browsers keep their cookie and are served by the other one.
        for c in on_first:
            assert upstream_of(base, c.node).endswith(f":{ports[1]}")
    finally:
        for poller in pollers:
            poller.disconnect()
        close_all(clients)
        proxy.terminate(timeout=10)
        for w in web:
            w.kill()

    assert_every_view_is_the_database(
        thread_rows(thread.id), list(clients), senders, messages_before=1
    )
