"""Real server processes (``kollega run --port``) for the delivery tests, and a
Socket.IO client that behaves as the browser client does: it keeps what it has seen by
seq, joins with the last seq it has after every (re)connect, and retries a send with the
same client_id until the server acknowledges it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
import socketio

ROOT = Path(__file__).resolve().parents[2]
KOLLEGA = str(Path(sys.executable).with_name("kollega"))


class ServerProcess:
    """``kollega run --port PORT`` as a child process with its own environment."""

    def __init__(
        self, port: int, database_url: str, instance: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        instance.mkdir(parents=True, exist_ok=True)
        self.log = instance / f"server-{port}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KOLLEGA_")},
            "KOLLEGA_ENV": "development",
            "KOLLEGA_DATABASE_URL": database_url,
            "KOLLEGA_INSTANCE_PATH": str(instance),
            "KOLLEGA_SECRET_KEY": "test-secret-key-not-for-production",
            "KOLLEGA_SCHEDULER_ENABLED": "0",
            "KOLLEGA_RATELIMIT_ENABLED": "0",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> ServerProcess:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [KOLLEGA, "run", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/login", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing; what was committed is all that stays."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class ReplayingClient:
    """A python-socketio client in one thread that never loses nor doubles a message."""

    def __init__(self, url: str, token: str, thread_id: int) -> None:
        self.url = url
        self.token = token
        self.thread_id = thread_id
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

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.sio.disconnect()
