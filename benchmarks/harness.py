"""What the benchmarks share: the machine line, free ports, process memory, percentiles,
a throw-away PostgreSQL database, gunicorn processes in production mode, and a minimal
Socket.IO client.

Each benchmark is a script (``python benchmarks/<name>.py``); this module is imported by
them, never run. Production mode means what README's "Running in production" says:
gunicorn with gunicorn.conf.py (one worker, gthread unless told otherwise),
``KOLLEGA_ENV=production``, PostgreSQL and Redis as the Socket.IO message queue.

Environment: ``KOLLEGA_BENCH_PG`` (a PostgreSQL URL whose server may create databases,
default ``postgresql://postgres@127.0.0.1:5432/postgres``), ``KOLLEGA_BENCH_REDIS``
(default ``redis://127.0.0.1:6379/0``).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("KOLLEGA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("KOLLEGA_BENCH_REDIS", "redis://127.0.0.1:6379/0")


# --- the machine ---------------------------------------------------------------------------


def machine() -> str:
    """CPUs, model, memory and Python: one line for the report."""
    model = platform.processor() or platform.machine()
    mem = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, {mem}, "
        f"Python {platform.python_version()}"
    )


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_machine(load_at_start: str) -> None:
    print(f"machine: {machine()}")
    print(
        f"load average at start {load_at_start}, at end {loadavg()} "
        "(other work on the machine shares its CPUs)"
    )


def raise_open_files(wanted: int = 65536) -> int:
    """Raise this process's soft limit on open files towards ``wanted`` (at most the hard
    limit), so that 2,000 client sockets fit; the servers started from here inherit it.
    Returns the soft limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return int(soft)


def established(ports: list[int]) -> dict[int, int]:
    """Established TCP connections whose local end is one of ``ports`` (IPv4 and IPv6,
    /proc/net/tcp): the sockets each server holds."""
    counts = dict.fromkeys(ports, 0)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                port = int(fields[1].rsplit(":", 1)[1], 16)
                if port in counts and fields[3] == "01":  # TCP_ESTABLISHED
                    counts[port] += 1
    return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident set size of one process in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def descendants(pid: int) -> list[int]:
    """``pid``'s children, their children and so on."""
    out, todo = [], children(pid)
    while todo:
        kid = todo.pop()
        out.append(kid)
        todo += children(kid)
    return out


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and all their descendants (what
    psutil's ``cpu_times()`` user + system reads, from /proc/PID/stat), for the server
    CPU time per operation: unlike wall time it survives other work on the machine."""
    total = 0
    for pid in {p for root in pids for p in (root, *descendants(root))}:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICK


def worker_pid(arbiter: int, timeout: float = 30) -> int:
    """gunicorn's one worker process under its arbiter (where the sockets live)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = children(arbiter)
        if kids:
            return kids[0]
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn {arbiter} has no worker")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` (0..1) percentile, nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def median_seconds(fn: Callable[[], Any], repeat: int, app: Any) -> tuple[float, float]:
    """Median wall time and median CPU time of this process over ``repeat`` calls (SQLite
    runs in it; on a machine shared with other work the CPU time is the steadier figure)."""
    times, cpu = [], []
    for _ in range(repeat):
        # A new app context too: flask.g (where a request caches its frames) lives on
        # the app context, so a request context alone would carry the cache over.
        with app.app_context(), app.test_request_context("/"):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), statistics.median(cpu)


def bare_frame(conn: Any, stmt: Any) -> Any:
    """The gap and dashboard benchmarks' bare read: the DBAPI's rows (tuples, no result
    rows built) into pandas."""
    import pandas as pd

    result = conn.execute(stmt)
    try:
        return pd.DataFrame.from_records(result.cursor.fetchall(), columns=list(result.keys()))
    finally:
        result.close()


def demo_app(description: str) -> tuple[Any, Any]:
    """Parse --employees/--repeat/--instance, then a migrated app whose database holds the
    demo municipality (seeded once when it has no people). For the in-process timings."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--employees", type=int, default=6500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--instance", default=os.path.join(tempfile.gettempdir(), "kollega-bench"))
    args = parser.parse_args()
    os.environ.setdefault("KOLLEGA_INSTANCE_PATH", args.instance)

    import sqlalchemy as sa

    from kollega import create_app
    from kollega.extensions import db
    from kollega.migrate import upgrade
    from kollega.org.models import Person

    app = create_app({"SCHEDULER_ENABLED": False})
    upgrade(app)
    with app.app_context():
        if not db.session.scalar(sa.select(sa.func.count(Person.id))):
            from kollega.demo.seed import build_demo

            start = time.perf_counter()
            build_demo(employees=args.employees)
            db.session.commit()
            took = time.perf_counter() - start
            print(f"built the demo ({args.employees} employees) in {took:.1f} s")
    return app, args


# --- PostgreSQL and Redis ------------------------------------------------------------------


@contextlib.contextmanager
def pg_database(prefix: str = "kollega_bench") -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards; yields its URL."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def require_services() -> None:
    """Exit with a clear message when PostgreSQL or Redis does not answer."""
    import psycopg
    import redis

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
        redis.Redis.from_url(REDIS, socket_timeout=3).ping()
    except Exception as exc:
        raise SystemExit(f"production-mode benchmark needs PostgreSQL and Redis: {exc}") from exc


def production_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a production web process (README: Running in production)."""
    from tests.servers import production_env as env

    out = env(database_url, REDIS, instance)
    out["KOLLEGA_LOG_FORMAT"] = "text"
    out.update(extra)
    return out


def web(
    name: str,
    port: int,
    env: dict[str, str],
    folder: Path,
    *,
    app: str = "wsgi:app",
    worker: str = "gthread",
    threads: int = 200,
) -> Any:
    """A gunicorn web process with gunicorn.conf.py on ``port`` (not started yet).
    ``worker`` is ``gthread`` or ``gevent``; for gevent the app runs Flask-SocketIO's
    gevent mode. The access log is off: one line per request would be measured too."""
    from tests.servers import Process

    return Process(
        name,
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--access-logfile",
            "/dev/null",
            app,
        ],
        {
            **env,
            "KOLLEGA_BIND": f"127.0.0.1:{port}",
            "KOLLEGA_THREADS": str(threads),
            "KOLLEGA_WORKER_CLASS": worker,
            "KOLLEGA_ASYNC_MODE": "gevent" if worker == "gevent" else "threading",
            "KOLLEGA_GRACEFUL_TIMEOUT": "5",
        },
        folder,
    )


def make_people(
    app: Any, count: int, prefix: str, roles: tuple[str, ...] = ("employee",)
) -> list[int]:
    """``count`` active people (bulk insert, no password) and their roles; their ids."""
    import sqlalchemy as sa

    from kollega.extensions import db
    from kollega.org.models import Person, PersonRole

    stamp = uuid.uuid4().hex[:6]
    with app.app_context():
        rows = [
            {
                "employee_no": f"{prefix}{stamp}{n:06d}",
                "name": f"Benk {prefix} {n}",
                "email": f"{prefix.lower()}{stamp}-{n}@bench.kollega.no",
                "active": True,
                "password_hash": "!",
            }
            for n in range(count)
        ]
        ids: list[int] = []
        for i in range(0, count, 2000):
            ids += list(
                db.session.scalars(sa.insert(Person).returning(Person.id), rows[i : i + 2000])
            )
        role_rows = [{"person_id": pid, "role": r} for pid in ids for r in roles]
        for i in range(0, len(role_rows), 5000):
            db.session.execute(sa.insert(PersonRole), role_rows[i : i + 5000])
        db.session.commit()
    return ids


def make_tokens(app: Any, person_ids: list[int]) -> list[str]:
    """One bearer token per person (only its hash is stored)."""
    from kollega.auth.services import create_token
    from kollega.extensions import db
    from kollega.org.models import Person

    with app.app_context():
        tokens = [create_token(db.session.get(Person, pid), "bench") for pid in person_ids]
        db.session.commit()
    return tokens


# --- a minimal Socket.IO client ------------------------------------------------------------


class WireClient:
    """A minimal Socket.IO client over one WebSocket (Engine.IO v4, default namespace)
    with one reader thread. python-socketio's client starts a thread for every event it
    receives, which at 200 clients x 20 messages/s measures thread creation (and runs
    out of threads) rather than the server."""

    def __init__(
        self,
        port: int,
        auth: dict[str, Any] | None,
        on_event: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        import websocket

        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
            timeout=30,
            header=[f"{k}: {v}" for k, v in (headers or {}).items()],
            # websocket-client checks UTF-8 byte by byte in pure Python: the load generator
            # shares the CPUs with the servers, and kollega's larger payloads paid more for it.
            skip_utf8_validation=True,
        )
        self.on_event = on_event
        self.acks: dict[int, Any] = {}
        self.next_id = 0
        self.lock = threading.Lock()
        opened = self.ws.recv()
        if not opened.startswith("0"):
            raise SystemExit(f"unexpected open packet: {opened[:80]}")
        self.ws.send("40" + (json.dumps(auth) if auth else ""))
        while True:
            packet = self.ws.recv()
            if packet == "2":
                self.ws.send("3")
            elif packet.startswith("40"):
                break
            elif packet.startswith("44"):
                raise SystemExit(f"connection refused: {packet[:200]}")
        self.ws.settimeout(None)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                packet = self.ws.recv()
            except Exception:
                return
            if not packet:
                return
            if packet == "2":
                with contextlib.suppress(Exception):
                    self.ws.send("3")
            elif packet.startswith("42") and self.on_event is not None:
                name, *args = json.loads(packet[2:])
                self.on_event(name, args[0] if args else None)
            elif packet.startswith("43"):
                body = packet[2:]
                digits = len(body) - len(body.lstrip("0123456789"))
                callback = self.acks.pop(int(body[:digits]), None)
                if callback is not None:
                    args = json.loads(body[digits:])
                    callback(args[0] if args else None)

    def emit(self, event: str, data: Any, callback: Any = None) -> None:
        with self.lock:
            if callback is None:
                self.ws.send("42" + json.dumps([event, data]))
                return
            self.next_id += 1
            self.acks[self.next_id] = callback
            self.ws.send(f"42{self.next_id}" + json.dumps([event, data]))

    def call(self, event: str, data: Any, timeout: float = 30) -> Any:
        done = threading.Event()
        box: list[Any] = []

        def got(answer: Any) -> None:
            box.append(answer)
            done.set()

        self.emit(event, data, got)
        if not done.wait(timeout):
            raise SystemExit(f"no answer to {event}")
        return box[0]

    def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.send("41")
        with contextlib.suppress(Exception):
            self.ws.close(timeout=1)


def connect_many(make: Callable[[Any], Any], items: list[Any], workers: int = 8) -> list[Any]:
    """Call ``make(item)`` for every item in a few threads; the results (any order)."""
    out: list[Any] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def run(chunk: list[Any]) -> None:
        for item in chunk:
            try:
                c = make(item)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return
            with lock:
                out.append(c)

    threads = [threading.Thread(target=run, args=(items[i::workers],)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        close_all(out)
        raise SystemExit(f"connecting failed after {len(out)}: {errors[0]}")
    return out


def close_all(clients: list[Any]) -> None:
    """Disconnect every client at once (one by one, each waits for its reader thread)."""

    def close(c: Any) -> None:
        with contextlib.suppress(Exception):
            c.disconnect()

    threads = [threading.Thread(target=close, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)


def participation_reads(who: Any, start: Any, end: Any) -> list[Any]:
    """One bare SELECT per table of the rows participation is made of: the memberships,
    messages, reactions, attendances and reflections of the people of ``who`` (a
    select of person ids) in [start, end)."""
    import sqlalchemy as sa

    from kollega.cycle.models import Attendance, Reflection
    from kollega.networks.models import Message, NetworkMember, Reaction

    return [
        sa.select(NetworkMember.person_id, NetworkMember.network_id, NetworkMember.joined_at).where(
            NetworkMember.person_id.in_(who)
        ),
        sa.select(Message.author_id, Message.thread_id, Message.created_at).where(
            Message.author_id.in_(who), Message.created_at >= start, Message.created_at < end
        ),
        sa.select(Reaction.person_id, Reaction.message_id, Reaction.created_at).where(
            Reaction.person_id.in_(who), Reaction.created_at >= start, Reaction.created_at < end
        ),
        sa.select(
            Attendance.person_id,
            Attendance.event_id,
            Attendance.status,
            Attendance.occurrence_start,
        ).where(
            Attendance.person_id.in_(who),
            Attendance.occurrence_start >= start,
            Attendance.occurrence_start < end,
        ),
        sa.select(Reflection.person_id, Reflection.occurrence_start).where(
            Reflection.person_id.in_(who),
            Reflection.occurrence_start >= start,
            Reflection.occurrence_start < end,
        ),
    ]
