"""The production server model, gunicorn's gevent worker (gunicorn.conf.py's default), is
cooperative where kollega waits: one greenlet waiting for PostgreSQL (psycopg 3) or Redis
(redis-py) does not stop the process from serving other requests and sockets meanwhile.

Each test starts a real gunicorn in production mode on PostgreSQL and Redis and makes one
socket event wait for as long as the test decides, without any clock: the test itself holds
a lock on the messages table (so ``thread:join`` waits inside PostgreSQL, as a slow query
would), or holds back Redis's replies in a proxy (so ``network:join`` waits on Redis). While
that event is still unanswered, and the database or the proxy shows it is still waiting,
other HTTP requests, queries and sockets are served; released, the waiting event is answered.
With a blocking wait (psycopg's C ``wait_c`` under gevent, an unpatched socket) the whole
process would stand still and the requests made meanwhile would fail.

And the processes that are not gevent's stay so: ``kollega scheduler`` and the commands
never import gevent, and psycopg imported before the patch is made cooperative.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
import socketio

from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks.members import join_network
from kollega.networks.networks import create_network
from kollega.networks.threads import open_thread
from tests import factories, servers
from tests.conftest import free_port

pytestmark = [pytest.mark.slow, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]


class Answer:
    """A socket event sent without waiting; ``done`` is set when its ack arrives."""

    def __init__(self, sio: socketio.Client, event: str, payload: dict[str, Any]) -> None:
        self.done = threading.Event()
        self.ack: Any = None
        sio.emit(event, payload, callback=self._on_ack)

    def _on_ack(self, ack: Any = None) -> None:
        self.ack = ack
        self.done.set()


def _connect(url: str, token: str) -> socketio.Client:
    sio = socketio.Client(reconnection=False)
    sio.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return sio


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _setup(org: Any, people: int) -> tuple[Any, Any, list[str]]:
    network = create_network(org.leader, "Vaktlag", "", visibility="open")
    thread, _ = open_thread(org.leader, network.id, "Turnus", body="Hei")
    tokens = []
    for _ in range(people):
        person = factories.make_person(org.unit_a1)
        join_network(person, network.id)
        tokens.append(create_token(person, "gevent"))
    db.session.commit()
    return network, thread, tokens


def _start(app: Any, redis_url: str, tmp_path: Path) -> tuple[servers.Process, str]:
    env = servers.production_env(str(app.config["DATABASE_URL"]), redis_url, tmp_path / "inst")
    port = free_port()
    web = servers.gunicorn(port, env, tmp_path / "logs")  # gunicorn.conf.py's worker
    web.start()
    web.wait_http(f"http://127.0.0.1:{port}/login")
    assert "Using worker: gevent" in web.tail(), web.tail()
    return web, f"http://127.0.0.1:{port}"


def _waiting_on_lock(conn: psycopg.Connection[Any]) -> list[str]:
    """The queries of other sessions of this database that wait for a lock now."""
    rows = conn.execute(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
    ).fetchall()
    return [r[0] for r in rows]


def test_a_query_waiting_in_postgresql_does_not_stop_the_process(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("production mode runs on PostgreSQL")
    network, thread, (first, second) = _setup(org, 2)
    web, url = _start(app, redis_url, tmp_path)
    clients: list[socketio.Client] = []
    holder = psycopg.connect(_libpq_url(str(app.config["DATABASE_URL"])))
    watcher = psycopg.connect(_libpq_url(str(app.config["DATABASE_URL"])), autocommit=True)
    try:
        clients.append(_connect(url, first))
        # The test's own transaction holds the messages table: every read of it waits.
        holder.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
        joining = Answer(clients[0], "thread:join", {"thread_id": thread.id})
        assert servers.wait_until(lambda: _waiting_on_lock(watcher), 30), web.tail()

        # Meanwhile the same process serves a page, a query and another socket.
        assert requests.get(f"{url}/login", timeout=10).status_code == 200
        health = requests.get(f"{url}/healthz", timeout=10).json()
        assert health["checks"]["database"] == {"ok": True}, health
        assert health["checks"]["redis"]["ok"] is True, health
        clients.append(_connect(url, second))
        ack = clients[1].call("network:join", {"network_id": network.id}, timeout=10)
        assert ack["ok"] is True, ack

        # ... while the join still waits in PostgreSQL.
        assert _waiting_on_lock(watcher), "the join stopped waiting before the lock went"
        assert not joining.done.is_set()
        holder.rollback()
        assert joining.done.wait(30), web.tail()
        assert joining.ack["ok"] is True, joining.ack
        assert [m["body"] for m in joining.ack["messages"]] == ["Hei"]
    finally:
        with contextlib.suppress(Exception):
            holder.rollback()
        holder.close()
        watcher.close()
        for c in clients:
            with contextlib.suppress(Exception):
                c.disconnect()
        web.terminate(timeout=15)


class HoldingProxy:
    """A TCP proxy in front of Redis that can hold back Redis's replies: while ``held``,
    what Redis answers is kept (``held_bytes`` counts it) and passed on at ``release``."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.held_bytes = 0
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, replies: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if replies and not self.open.is_set():
                    with self.lock:
                        self.held_bytes += len(data)
                    self.open.wait()
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def hold(self) -> None:
        with self.lock:
            self.held_bytes = 0
        self.open.clear()

    def release(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.open.set()
        with self.lock:
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.close()


def test_a_call_waiting_on_redis_does_not_stop_the_process(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("production mode runs on PostgreSQL")
    network, thread, (first, second) = _setup(org, 2)
    parts = urlsplit(redis_url)
    proxy = HoldingProxy((parts.hostname or "127.0.0.1", parts.port or 6379))
    proxied = urlunsplit(parts._replace(netloc=f"127.0.0.1:{proxy.port}"))
    clients: list[socketio.Client] = []
    web = None
    try:
        web, url = _start(app, proxied, tmp_path)
        clients.append(_connect(url, first))
        proxy.hold()
        # Every socket event asks Redis first (the person's revision), then presence
        # lives there: the join waits for Redis's answer.
        joining = Answer(clients[0], "network:join", {"network_id": network.id})
        assert servers.wait_until(lambda: proxy.held_bytes > 0, 30), web.tail()

        # Meanwhile the same process serves a page and an API read on PostgreSQL.
        assert requests.get(f"{url}/login", timeout=10).status_code == 200
        page = requests.get(
            f"{url}/api/v1/threads/{thread.id}/messages",
            headers={"Authorization": f"Bearer {second}"},
            timeout=10,
        )
        assert page.status_code == 200, page.text
        assert "Hei" in page.text

        # The join was waiting on Redis all along (redis-py gives up after 5 s: had the
        # process stood still in it, the requests above could not have been served before
        # the release below, and the join would have failed).
        assert not joining.done.is_set(), joining.ack
        proxy.release()
        assert joining.done.wait(30), web.tail()
        assert joining.ack["ok"] is True, joining.ack
        assert joining.ack["network_id"] == network.id
    finally:
        proxy.release()
        for c in clients:
            with contextlib.suppress(Exception):
                c.disconnect()
        if web is not None:
            web.terminate(timeout=15)
        proxy.close()


def _imports(code: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def test_the_scheduler_process_never_imports_gevent(tmp_path: Path) -> None:
    """``kollega scheduler`` (here ``--once``, on SQLite) builds its app through the
    command group as every command does, outside gunicorn: threading mode, gevent neither
    imported nor patched."""
    code = (
        "import sys\n"
        "from flask import current_app\n"
        "from kollega.cli import main\n"
        "main(['db', 'upgrade'], standalone_mode=False)\n"
        "main(['scheduler', '--once'], standalone_mode=False)\n"
        "print('gevent' in sys.modules, 'gevent.monkey' in sys.modules)\n"
    )
    env = {"KOLLEGA_ENV": "production", "KOLLEGA_INSTANCE_PATH": str(tmp_path)}
    out = _imports(code, env).splitlines()
    assert "due action(s) done" in out[-2], out
    assert out[-1] == "False False", out


def test_psycopg_imported_before_the_patch_is_made_cooperative(tmp_path: Path) -> None:
    """An app loaded before gevent patched (gunicorn's preload, say) would keep psycopg's
    blocking C wait; create_app in gevent mode has psycopg choose again."""
    code = (
        "import psycopg.waiting as w\n"
        "before = w.wait.__name__\n"
        "from gevent import monkey\n"
        "monkey.patch_all()\n"
        "from kollega import create_app\n"
        "app = create_app()\n"
        "import selectors\n"
        "print(before, w.wait.__name__, app.config['ASYNC_MODE'],"
        " w.DefaultSelector is selectors.DefaultSelector)\n"
    )
    out = _imports(code, {"KOLLEGA_INSTANCE_PATH": str(tmp_path)})
    assert out == "wait_c wait_poll gevent True", out


def test_kollega_run_serves_as_production_does_with_the_scheduler_once(
    app: Any, backend: str, tmp_path: Path
) -> None:
    """``kollega run`` (what ``make run`` starts) on SQLite: gunicorn with one gevent
    worker, no development server and no late-patching warning, and the embedded
    scheduler started in that worker (its start-up run beats the heartbeat)."""
    from kollega.cycle.jobs import HEARTBEAT
    from kollega.cycle.models import SchedulerHeartbeat

    if backend != "sqlite":
        pytest.skip("make run serves on SQLite")
    server = servers.ServerProcess(
        free_port(),
        str(app.config["DATABASE_URL"]),
        tmp_path / "inst",
        {"KOLLEGA_SCHEDULER_ENABLED": "1"},
    )
    try:
        server.start()

        def beat() -> Any:
            db.session.rollback()
            return db.session.get(SchedulerHeartbeat, HEARTBEAT)

        assert servers.wait_until(lambda: beat() is not None, 60), server.tail()
        log = server.tail()
    finally:
        server.stop()
    assert "Using worker: gevent" in log, log
    workers = [line for line in log.splitlines() if "Booting worker with pid" in line]
    assert len(workers) == 1, log
    assert int(workers[0].rsplit(":", 1)[1]) == beat().pid, "the worker runs the scheduler"
    assert "development server" not in log.lower(), log
    assert "MonkeyPatchWarning" not in log, log


def test_the_gthread_worker_remains_an_alternative(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    """``KOLLEGA_WORKER_CLASS=gthread`` (and ``KOLLEGA_ASYNC_MODE=threading``), for
    measuring against the default: a socket joins, sends and hears its message."""
    if backend != "postgresql":
        pytest.skip("production mode runs on PostgreSQL")
    _, thread, (token,) = _setup(org, 1)
    env = servers.production_env(str(app.config["DATABASE_URL"]), redis_url, tmp_path / "inst")
    port = free_port()
    web = servers.gunicorn(port, env, tmp_path / "logs", worker="gthread")
    client = servers.ReplayingClient(f"http://127.0.0.1:{port}", token, thread.id)
    try:
        web.start()
        web.wait_http(f"http://127.0.0.1:{port}/login")
        client.connect(deadline=time.monotonic() + 60)
        ack = client.send("gthread-1", "Hei fra tråd", deadline=time.monotonic() + 60)
        assert servers.wait_until(lambda: ack["seq"] in client.view, 30)
        assert client.view[ack["seq"]] == (ack["id"], "gthread-1")
    finally:
        client.close()
        web.terminate(timeout=15)
    assert "Using worker: gthread" in web.tail(), web.tail()
