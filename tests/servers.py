"""Real server processes for the end-to-end tests and the benchmarks, and Socket.IO
clients that behave as the browser client does.

- ``Process``: a child process in its own session, its output in a log file;
  ``ServerProcess`` is ``kollega run --port`` (development mode, served as production is:
  gunicorn with one gevent worker), ``gunicorn`` / ``scheduler`` / ``nginx`` are the
  production processes (gunicorn.conf.py, its gevent worker unless ``worker`` says
  ``gthread``; a generated nginx configuration on free ports, everything under one folder).
- ``ReplayingClient`` keeps what it has seen by seq, joins with the last seq it has after
  every (re)connect, and retries a send with the same client_id until acknowledged.
- ``Senders`` runs one thread per client sending numbered messages, so that a test can
  kill a process halfway; ``assert_every_view_is_the_database`` checks the outcome.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"


def _base_env(database_url: str, instance: Path) -> dict[str, str]:
    instance.mkdir(parents=True, exist_ok=True)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOLLEGA_")},
        "KOLLEGA_DATABASE_URL": database_url,
        "KOLLEGA_INSTANCE_PATH": str(instance),
        "KOLLEGA_SECRET_KEY": "test-secret-key-not-for-production",
        "KOLLEGA_RATELIMIT_ENABLED": "0",
        # Redis pub/sub channels ignore the database number: without a channel of its own
        # a multi-process test heard the message:new of one running beside it on the other
        # xdist worker (same thread id and seq, another database). One database per test
        # and worker, so the URL names the test's processes.
        "KOLLEGA_SOCKETIO_CHANNEL": "kollega-test-"
        + hashlib.sha1(database_url.encode()).hexdigest()[:12],
    }


def development_env(database_url: str, instance: Path) -> dict[str, str]:
    """``kollega run`` in development mode, without the scheduler."""
    return {
        **_base_env(database_url, instance),
        "KOLLEGA_ENV": "development",
        "KOLLEGA_SCHEDULER_ENABLED": "0",
    }


def production_env(database_url: str, redis_url: str, instance: Path) -> dict[str, str]:
    """A production process (README: Running in production), cookies without Secure."""
    return {
        **_base_env(database_url, instance),
        "KOLLEGA_ENV": "production",
        "KOLLEGA_REDIS_URL": redis_url,
        "KOLLEGA_SESSION_COOKIE_SECURE": "0",
        "KOLLEGA_REMEMBER_COOKIE_SECURE": "0",
        "KOLLEGA_LOG_FORMAT": "json",
    }


class Process:
    """A child process in its own session, its output in ``folder/name.log``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], folder: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown, no flushing; what was
        committed is all that stays."""
        if self.alive():
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def terminate(self, timeout: float = 40.0) -> int | None:
        """SIGTERM (a graceful stop); SIGKILL after ``timeout``. Returns the exit code."""
        if self.proc is None:
            return None
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def wait_http(self, url: str, timeout: float = 60.0, ok: tuple[int, ...] = (200,)) -> None:
        """Poll ``url`` until it answers with one of ``ok``; fail if the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(url, timeout=2).status_code in ok:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {url}: {self.tail()}")


class ServerProcess(Process):
    """``kollega run --port PORT`` (development mode; gunicorn, one gevent worker) as a
    child process; ``start`` returns once it serves /login, and may be called again after
    ``kill`` (which takes gunicorn's worker with it: the whole process group)."""

    def __init__(
        self, port: int, database_url: str, instance: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        super().__init__(
            f"server-{port}",
            [str(BIN / "kollega"), "run", "--port", str(port)],
            {**development_env(database_url, instance), **(extra_env or {})},
            instance,
        )
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 60.0) -> ServerProcess:  # type: ignore[override]
        super().start()
        self.wait_http(f"{self.url}/login", timeout=timeout)
        return self

    def stop(self) -> None:
        self.terminate(timeout=10)


def gunicorn(
    port: int, env: dict[str, str], folder: Path, threads: int = 200, worker: str | None = None
) -> Process:
    """``gunicorn -c gunicorn.conf.py wsgi:app``: the production default (gevent) unless
    ``worker`` names another (``gthread``, with Flask-SocketIO's threading mode)."""
    chosen = {"KOLLEGA_WORKER_CLASS": worker} if worker else {}
    if worker == "gthread":
        chosen["KOLLEGA_ASYNC_MODE"] = "threading"
    return Process(
        f"web-{port}",
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
        {
            **env,
            **chosen,
            "KOLLEGA_BIND": f"127.0.0.1:{port}",
            "KOLLEGA_THREADS": str(threads),
            # A graceful stop waits this long for open WebSockets, which never end on
            # their own (every SIGTERM with browsers connected took 11 s with 10); in
            # the tests nothing is in flight then but idle sockets.
            "KOLLEGA_GRACEFUL_TIMEOUT": "4",
        },
        folder,
    )


def scheduler(env: dict[str, str], folder: Path) -> Process:
    return Process("scheduler", [str(BIN / "kollega"), "scheduler"], env, folder)


def nginx_config(port: int, upstreams: list[int], folder: Path, balance: str) -> Path:
    """deploy/nginx.conf's essentials, on ``port`` without TLS, everything in ``folder``."""
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstreams
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
master_process on;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    upstream kollega {{
        {balance};
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://kollega;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 2s;
            proxy_read_timeout 3600s;
            proxy_buffering off;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""
    )
    return conf


def nginx(port: int, upstreams: list[int], folder: Path, balance: str = "ip_hash") -> Process:
    folder.mkdir(parents=True, exist_ok=True)
    conf = nginx_config(port, upstreams, folder, balance)
    return Process(
        "nginx",
        [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "nginx-error.log")],
        dict(os.environ),
        folder,
    )


class ReplayingClient:
    """A python-socketio client in one thread that never loses nor doubles a message.
    ``headers`` go with every (re)connect."""

    def __init__(
        self, url: str, token: str, thread_id: int, headers: dict[str, str] | None = None
    ) -> None:
        self.url = url
        self.token = token
        self.thread_id = thread_id
        self.headers = headers or {}
        self.view: dict[int, tuple[int, str | None]] = {}  # seq -> (id, client_id)
        self.lock = threading.Lock()
        self.sio = self._new_client()
        self.reconnects = 0

    def _new_client(self) -> socketio.Client:
        sio = socketio.Client(reconnection=False)
        sio.on("message:new", self._on_new)
        return sio

    def _on_new(self, data: dict[str, Any]) -> None:
        if data.get("thread_id") == self.thread_id:
            with self.lock:
                self.view[data["seq"]] = (data["id"], data["client_id"])

    def last_seq(self) -> int:
        """The highest seq up to which this client has every message."""
        with self.lock:
            seq = 0
            while seq + 1 in self.view:
                seq += 1
            return seq

    def connect(self, deadline: float) -> None:
        """Connect (again) and join with the last seq seen, replaying what was missed."""
        while True:
            with contextlib.suppress(Exception):
                self.sio.disconnect()
            self.sio = self._new_client()
            try:
                self.sio.connect(
                    self.url,
                    auth={"token": self.token},
                    headers=self.headers,
                    transports=["websocket"],
                    wait_timeout=5,
                )
                self.join()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def join(self) -> None:
        while True:
            ack = self.sio.call(
                "thread:join",
                {"thread_id": self.thread_id, "after_seq": self.last_seq()},
                timeout=10,
            )
            if not ack.get("ok"):
                raise RuntimeError(f"join refused: {ack}")
            with self.lock:
                for m in ack["messages"]:
                    self.view[m["seq"]] = (m["id"], m["client_id"])
            if not ack.get("more"):
                return

    def send(self, client_id: str, body: str, deadline: float) -> dict[str, Any]:
        """Send until acknowledged (same client_id every time), reconnecting as needed."""
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{client_id} not acknowledged in time")
            try:
                if not self.sio.connected:
                    raise ConnectionError("not connected")
                ack = self.sio.call(
                    "message:send",
                    {"thread_id": self.thread_id, "client_id": client_id, "body": body},
                    timeout=5,
                )
            except Exception:
                self.reconnects += 1
                self.connect(deadline)
                continue
            if ack.get("ok"):
                return dict(ack)
            if ack.get("error", {}).get("code") in ("server_error", "conflict"):
                time.sleep(0.05)
                continue
            raise RuntimeError(f"refused: {ack}")

    def catch_up(self, deadline: float) -> None:
        """As after a reconnect: connect if cut off, then thread:join after the last seq."""
        if not self.sio.connected:
            self.connect(deadline)
        self.join()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.sio.disconnect()


def close_all(clients: Iterable[ReplayingClient]) -> None:
    """Close clients side by side: each close waits up to 3 s for the server's
    WebSocket close frame (websocket-client's timeout), which one after the other added
    a minute to a test with 20 clients."""
    threads = [threading.Thread(target=c.close, daemon=True) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)


class Senders:
    """One thread per client, each sending ``per_client`` messages with client ids
    ``{prefix}-{client}-{n}`` and retrying until acknowledged; ``acks`` maps each client
    id to the (id, seq) its acknowledgement named."""

    def __init__(self, clients: list[Any], per_client: int, prefix: str, deadline: float) -> None:
        self.clients, self.per_client, self.prefix = clients, per_client, prefix
        self.deadline = deadline
        self.total = len(clients) * per_client
        self.acks: dict[str, tuple[int, int]] = {}
        self.errors: list[BaseException] = []
        self._acked = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._work, args=(i, c), daemon=True)
            for i, c in enumerate(clients)
        ]

    def _work(self, index: int, client: ReplayingClient) -> None:
        try:
            if not client.sio.connected:
                client.connect(self.deadline)
            for n in range(self.per_client):
                client_id = f"{self.prefix}-{index}-{n}"
                ack = client.send(client_id, f"Melding {n} fra klient {index}", self.deadline)
                with self._lock:
                    self.acks[client_id] = (ack["id"], ack["seq"])
                self._acked.release()
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)

    def start(self) -> Senders:
        for t in self._threads:
            t.start()
        return self

    def wait_for_acks(self, count: int) -> None:
        """Block until ``count`` messages in all have been acknowledged."""
        for _ in range(count):
            left = max(0.1, self.deadline - time.monotonic())
            assert self._acked.acquire(timeout=left), self.errors

    def finish(self) -> None:
        """Wait for every sender; fail on any error or a sender still running."""
        for t in self._threads:
            t.join(timeout=max(0.1, self.deadline - time.monotonic()))
        assert not self.errors, self.errors
        assert not any(t.is_alive() for t in self._threads), "clients did not finish in time"


def assert_every_view_is_the_database(
    rows: list[tuple[int, int, str]],
    clients: list[ReplayingClient],
    senders: Senders,
    messages_before: int,
) -> None:
    """``rows`` are the thread's (seq, id, client_id) from the database in seq order:
    seq is gap-free from 1, each sent message is stored once, every acknowledgement names
    the stored message, and every client's view equals the database."""
    seqs = [r[0] for r in rows]
    assert seqs == list(range(1, messages_before + senders.total + 1)), "seq is gap-free from 1"
    ours = [r for r in rows if (r[2] or "").startswith(f"{senders.prefix}-")]
    assert len(ours) == senders.total, "every sent message is stored"
    assert len({r[2] for r in ours}) == senders.total, "no message stored twice"
    assert {cid: (mid, seq) for seq, mid, cid in ours} == senders.acks
    database = {seq: (mid, cid) for seq, mid, cid in rows}
    for c in clients:
        missing = sorted(set(database) - set(c.view))
        wrong = sorted(seq for seq, row in c.view.items() if database.get(seq) != row)
        assert c.view == database, f"missing seqs {missing[:20]}, wrong or extra {wrong[:20]}"


def thread_rows(thread_id: int) -> list[tuple[int, int, str]]:
    """The thread's messages in the database as (seq, id, client_id), in seq order, as
    committed now (the session's own view is dropped first)."""
    import sqlalchemy as sa

    from kollega.extensions import db
    from kollega.networks.models import Message

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


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return condition()
        time.sleep(interval)
    return True
