"""Chat fan-out: N clients in one thread, one sender at R messages per second, against a
bare Flask-SocketIO room broadcast in the same run.

    .venv/bin/python benchmarks/chat_fanout.py [--clients 200] [--rate 20] [--seconds 10]
        [--rate 0 --messages 300]   # saturation: as fast as acks allow (10 in flight)
        [--server dev|gthread|gevent|nginx2]

Both servers run as child processes started the same way, on localhost. ``--server dev``
(the default): ``socketio.run`` in ``async_mode="threading"`` on Werkzeug and
``kollega run --port``, kollega on a fresh SQLite database in a temporary folder (or
``KOLLEGA_DATABASE_URL``). ``--server gthread`` or ``gevent``: production mode, both under
gunicorn with gunicorn.conf.py and one worker of that class (benchmarks/bare.py
``socketio_app`` for the bare one), kollega with ``KOLLEGA_ENV=production`` on a fresh
PostgreSQL database with Redis as the message queue, the bare server with Redis as its
message queue too (``--bare-without-queue``: without). ``--server nginx2``: production mode
across two processes: two gunicorn gthread web processes (own ports) sharing PostgreSQL
and Redis behind Debian's nginx with sticky sessions (tests/servers.py's configuration,
hashing on a per-client header since every client is 127.0.0.1), the clients and the
sender connecting through nginx; the bare baseline is two bare processes with Redis as
their message queue behind an nginx of the same configuration. kollega's database holds N+1 people in one open network, each with a bearer token;
every client connects over WebSocket and joins the thread (kollega: ``thread:join``,
bare: ``join``); the sender sends with ``message:send`` (bare: ``send``, which only
broadcasts ``message:new`` to the room, with the design's fields as kollega sends them, so
that both put the same bytes on the wire; ``--bare-payload echo``: what was sent plus id
and seq). Each receiver notes when each message arrives;
latency is arrival minus the moment the sender emitted it (one clock: all clients live
in this process). Reports delivered / expected, deliveries per second (deliveries over
the time from the first send to the last arrival), p50 and p99 latency, the server CPU
time per send (user + system of the server process and its descendants, from /proc, sampled
right before the first send and after the last delivery, divided by the messages sent) for
both, the ratios, and the machine. Bounded: at most 2,000 clients and 60 seconds of sending.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402
from benchmarks.bare import broadcast_payload  # noqa: E402
from benchmarks.harness import WireClient, close_all, free_port, machine  # noqa: E402

# --- the bare server ----------------------------------------------------------------------


def serve_bare(port: int) -> None:
    """A bare Flask-SocketIO server: join a room, broadcast what is sent to it."""
    from flask import Flask
    from flask_socketio import SocketIO, emit, join_room

    app = Flask("bare")
    sio = SocketIO(app, async_mode="threading")
    counter = {"seq": 0}
    lock = threading.Lock()

    @sio.on("join")
    def join(data: Any) -> dict[str, Any]:
        join_room("room")
        return {"ok": True, "messages": []}

    @sio.on("send")
    def send(data: Any) -> dict[str, Any]:
        with lock:
            counter["seq"] += 1
            seq = counter["seq"]
        emit("message:new", broadcast_payload(data, seq), to="room")
        return {"ok": True, "id": seq, "seq": seq}

    sio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)


# --- helpers ------------------------------------------------------------------------------


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server at {url} exited with {proc.returncode}")
        with contextlib.suppress(requests.RequestException):
            requests.get(url, timeout=1)
            return
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def setup_kollega(
    instance: Path, clients: int, url: str | None = None
) -> tuple[str, int, str, list[str]]:
    """A database with one open network and thread, a sender and ``clients`` receivers,
    each with a bearer token. Returns (database url, thread id, sender token, tokens)."""
    os.environ.setdefault("KOLLEGA_INSTANCE_PATH", str(instance))
    from kollega import create_app
    from kollega.auth.services import create_token
    from kollega.extensions import db
    from kollega.migrate import upgrade
    from kollega.networks.members import join_network
    from kollega.networks.networks import create_network
    from kollega.networks.threads import open_thread
    from kollega.org.models import Person
    from kollega.org.services import set_roles

    url = url or os.environ.get("KOLLEGA_DATABASE_URL") or f"sqlite:///{instance / 'bench.db'}"
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SCHEDULER_ENABLED": False}
    )
    upgrade(app)
    with app.app_context():
        stamp = f"{int(time.time())}"

        def person(n: int, roles: tuple[str, ...]) -> Any:
            p = Person(
                employee_no=f"B{stamp}{n:05d}",
                name=f"Benk Person {n}",
                email=f"bench{stamp}-{n}@bench.kollega.no",
                active=True,
                password_hash="!",
            )
            db.session.add(p)
            db.session.flush()
            set_roles(p, roles)
            return p

        sender = person(0, ("employee", "hr"))
        network = create_network(sender, f"Benk {stamp}", "Fan-out", visibility="open")
        thread, _ = open_thread(sender, network.id, "Fan-out", body="Start")
        tokens = []
        for n in range(1, clients + 1):
            p = person(n, ("employee",))
            join_network(p, network.id)
            tokens.append(create_token(p, "bench"))
        sender_token = create_token(sender, "bench")
        db.session.commit()
        thread_id = thread.id
        db.engine.dispose()
    return url, thread_id, sender_token, tokens


# --- one measurement ----------------------------------------------------------------------


class Run:
    def __init__(
        self,
        name: str,
        port: int,
        events: dict[str, str],
        thread_id: int,
        server_pids: list[int] | None = None,
    ) -> None:
        self.name = name
        self.port = port
        # The server's processes (their descendants too): CPU time sampled right before
        # the first send and after the last delivery, divided by the messages sent.
        self.server_pids = server_pids or []
        # Behind nginx: every client names itself in X-Kollega-Client, the key nginx
        # hashes on (all clients are 127.0.0.1, so ip_hash would put them on one process).
        self.proxied = False
        # Called once every client has joined (e.g. to count the sockets per process).
        self.after_join: Any = None
        self.events = events  # join / send event names
        self.thread_id = thread_id
        self.sent_at: dict[str, float] = {}
        self.arrivals: list[float] = []  # latencies in seconds
        self.last_arrival = 0.0
        self.delivered = 0
        self.other: dict[str, int] = {}  # other events the receivers heard, by name
        self.payload_bytes = 0  # one message:new's JSON
        self.run_id = uuid.uuid4().hex[:8]  # in every client_id: this run's messages only
        self.lock = threading.Lock()

    def receiver(self, token: str | None, listen: bool = True, name: str = "") -> WireClient:
        def on_event(name: str, data: Any) -> None:
            if name != "message:new" or not isinstance(data, dict):
                with self.lock:
                    self.other[name] = self.other.get(name, 0) + 1
                return
            now = time.perf_counter()
            sent = self.sent_at.get(data.get("client_id", ""))
            if sent is None:
                # Not sent by this run: another run on the same Redis (Flask-SocketIO's
                # one default channel) broadcasting to a room of the same name.
                with self.lock:
                    self.other["message:new of another run"] = (
                        self.other.get("message:new of another run", 0) + 1
                    )
                return
            if not self.payload_bytes:
                # As python-socketio encodes it: what every receiver's client parses.
                self.payload_bytes = len(json.dumps(data, separators=(",", ":")))
            with self.lock:
                self.delivered += 1
                self.arrivals.append(now - sent)
                self.last_arrival = max(self.last_arrival, now)

        client = WireClient(
            self.port,
            {"token": token} if token else None,
            on_event if listen else None,
            {"X-Kollega-Client": name} if self.proxied and name else None,
        )
        ack = client.call(self.events["join"], {"thread_id": self.thread_id, "after_seq": 10**9})
        if not (isinstance(ack, dict) and ack.get("ok")):
            raise SystemExit(f"{self.name}: join refused: {ack}")
        return client

    def measure(
        self, receivers: list[str | None], sender_token: str | None, rate: float, messages: int
    ) -> dict[str, Any]:
        clients: list[Any] = []
        connect_lock = threading.Lock()

        retried: list[str] = []

        def connect(items: list[tuple[int, str | None]]) -> None:
            for n, t in items:
                # An overloaded server (2,000 sockets on 2 shared cores) now and then drops
                # a connection while it is being set up: try again, up to 3 times in all,
                # and say how often in the report.
                for attempt in range(3):
                    try:
                        c = self.receiver(t, name=f"client-{n}")
                        break
                    except (Exception, SystemExit) as exc:
                        with connect_lock:
                            retried.append(f"{type(exc).__name__}: {exc}"[:120])
                        if attempt == 2:
                            return
                        time.sleep(1)
                with connect_lock:
                    clients.append(c)

        # Connect in a few threads (bounded), then send.
        numbered = list(enumerate(receivers))
        chunks = [numbered[i::8] for i in range(8)]
        threads = [threading.Thread(target=connect, args=(c,)) for c in chunks if c]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if retried:
            print(
                f"  {self.name}: {len(retried)} connects failed and were retried, e.g. "
                f"{retried[0]}",
                flush=True,
            )
        if len(clients) < len(receivers):
            close_all(clients)
            raise SystemExit(f"{self.name}: only {len(clients)}/{len(receivers)} clients joined")
        print(
            f"  {self.name}: {len(clients)} clients joined in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        sender = self.receiver(sender_token, listen=False, name="sender")
        clients.append(sender)
        if self.after_join is not None:
            self.after_join()
        expected = messages * len(receivers)
        # Saturation keeps 10 sends in flight; a fixed rate is never held back.
        in_flight = threading.Semaphore(10 if rate <= 0 else 100_000)
        acked = threading.Event()
        acks = {"n": 0, "failed": 0}

        def on_ack(ack: Any) -> None:
            if not (isinstance(ack, dict) and ack.get("ok")):
                acks["failed"] += 1
            acks["n"] += 1
            in_flight.release()
            if acks["n"] >= messages:
                acked.set()

        cpu_before = harness.cpu_seconds(self.server_pids)
        own_before = time.process_time()
        start = time.perf_counter()
        for n in range(messages):
            if rate > 0:
                target = start + n / rate
                delay = target - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            in_flight.acquire(timeout=30)
            client_id = f"{self.name}-{self.run_id}-{n}"
            self.sent_at[client_id] = time.perf_counter()
            sender.emit(
                self.events["send"],
                {"thread_id": self.thread_id, "client_id": client_id, "body": f"Melding {n}"},
                callback=on_ack,
            )
        acked.wait(timeout=60)
        # Wait until everything has arrived, or nothing more for 5 s (at most 60 s: at
        # 2,000 sockets on 2 cores the backlog drains slowly, with pauses).
        settle = time.perf_counter() + 60
        quiet_since, before = time.perf_counter(), self.delivered
        while self.delivered < expected and time.perf_counter() < settle:
            time.sleep(0.25)
            if self.delivered != before:
                quiet_since, before = time.perf_counter(), self.delivered
            elif time.perf_counter() - quiet_since > 5:
                break
        cpu = harness.cpu_seconds(self.server_pids) - cpu_before
        own = time.process_time() - own_before
        close_all(clients)
        if self.other:
            print(f"  {self.name}: other events heard: {self.other}", flush=True)
        delivered = self.delivered
        lat = sorted(self.arrivals)
        elapsed = max(self.last_arrival - start, 1e-9)
        return {
            "name": self.name,
            "expected": expected,
            "delivered": delivered,
            "acked": acks["n"] - acks["failed"],
            "per_second": self.delivered / elapsed,
            "p50_ms": statistics.median(lat) * 1000 if lat else float("nan"),
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan"),
            "seconds": elapsed,
            "cpu_s": cpu,
            "cpu_ms_per_send": cpu / messages * 1000 if self.server_pids else float("nan"),
            # The load generator shares the machine's CPUs with the servers.
            "client_cpu_ms_per_send": own / messages * 1000,
            "payload_bytes": self.payload_bytes,
        }


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as fh:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def report(row: dict[str, Any]) -> str:
    return (
        f"{row['name']:>8}: delivered {row['delivered']}/{row['expected']} "
        f"({row['delivered'] / row['expected']:.1%}), acked {row['acked']}, "
        f"{row['per_second']:.0f} deliveries/s, p50 {row['p50_ms']:.1f} ms, "
        f"p99 {row['p99_ms']:.1f} ms, server CPU {row['cpu_ms_per_send']:.2f} ms per send "
        f"(load generator {row['client_cpu_ms_per_send']:.2f} ms), "
        f"message:new {row['payload_bytes']} bytes"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="messages/s; 0 = saturation")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--messages", type=int, default=0, help="with --rate 0 (default 300)")
    parser.add_argument(
        "--server",
        choices=("dev", "gthread", "gevent", "nginx2"),
        default="dev",
        help="dev: kollega run on SQLite; gthread/gevent: gunicorn in production mode; "
        "nginx2: two gunicorn gthread processes behind nginx in production mode",
    )
    parser.add_argument(
        "--bare-without-queue",
        action="store_true",
        help="gthread/gevent: the bare server without Redis as message queue (the default "
        "before 2026-11-22; at 1,000 sockets its broadcasts from the handler threads cost "
        "it far more CPU than through the queue)",
    )
    parser.add_argument(
        "--bare-payload",
        choices=("design", "echo"),
        default="design",
        help="design (the default since 2026-11-22, fifth session): the bare server broadcasts message:new with "
        "the design's fields, as kollega does, so both put the same bytes on the wire; "
        "echo: what was sent plus id and seq (the default before; about half the bytes, "
        "and under 126 bytes, a WebSocket frame the load generator reads with one "
        "system call less per delivery)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure both servers this many times, alternating, and print the median ratio",
    )
    parser.add_argument("--serve-bare", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.serve_bare and (not 1 <= args.clients <= 2000 or args.seconds > 60):
        parser.error("--clients 1..2000 and --seconds up to 60")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds 1..20")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0
    messages = args.messages or (int(args.rate * args.seconds) if args.rate > 0 else 300)
    messages = min(messages, 5000)
    # Stopped by a signal: still stop the servers (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    limit = harness.raise_open_files()
    if limit < 2 * args.clients + 200:
        raise SystemExit(f"open files limit {limit} is too low for {args.clients} clients")
    if args.server == "dev":
        return run_dev(args, messages)
    if args.server == "nginx2":
        return run_nginx2(args, messages)
    return run_production(args, messages)


def measure_both(
    args: argparse.Namespace,
    messages: int,
    kport: int,
    bport: int,
    thread_id: int,
    sender_token: str,
    tokens: list[str],
    stop_bare: Any,
    servers: str,
    kollega_pids: list[int] | None = None,
    bare_pids: list[int] | None = None,
    upstreams: dict[str, list[int]] | None = None,
) -> None:
    """Bare first (``stop_bare`` after its last round), kollega second, and the report. ``upstreams``
    (name -> web process ports): the clients connect through nginx (``kport``/``bport``
    are nginx's), name themselves for its hash, and the sockets per process are shown."""
    what = f"{args.clients} clients, {messages} messages" + (
        f" at {args.rate:g}/s" if args.rate > 0 else " at saturation (10 in flight)"
    )
    print(f"measuring: {what}", flush=True)
    load_start = os.getloadavg()[0]
    rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
    # Several rounds alternate the two servers, so that a slower spell of the machine
    # (other guests on its host) weighs on both; the median ratio is the figure.
    for round_no in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"  round {round_no} of {args.rounds}", flush=True)
        bare = Run("bare", bport, {"join": "join", "send": "send"}, 0, bare_pids)
        proxied(bare, upstreams)
        bare_row = bare.measure([None] * args.clients, None, args.rate, messages)
        if round_no == args.rounds:
            stop_bare()
        kol = Run(
            "kollega",
            kport,
            {"join": "thread:join", "send": "message:send"},
            thread_id,
            kollega_pids,
        )
        proxied(kol, upstreams)
        rows.append((kol.measure(list(tokens), sender_token, args.rate, messages), bare_row))

    print()
    print(f"machine: {machine()}")
    load_end = os.getloadavg()[0]
    print(
        f"load average (1 min) at start {load_start:.1f}, at end {load_end:.1f} "
        "(other work on the machine shares its CPUs)"
    )
    print(f"run: {what}; localhost; {servers}; bare message:new: {args.bare_payload}")
    ratios = []
    for round_no, (kol_row, bare_row) in enumerate(rows, 1):
        if len(rows) > 1:
            print(f"round {round_no}:")
        print(report(kol_row))
        print(report(bare_row))
        ratios.append(kol_row["per_second"] / bare_row["per_second"])
        print(
            f"   ratio: deliveries/s kollega/bare {ratios[-1]:.2f}, "
            f"p50 {kol_row['p50_ms'] / bare_row['p50_ms']:.2f}x, "
            f"p99 {kol_row['p99_ms'] / bare_row['p99_ms']:.2f}x, "
            f"server CPU per send {kol_row['cpu_ms_per_send'] / bare_row['cpu_ms_per_send']:.2f}x"
        )
    if len(rows) > 1:
        shown = ", ".join(f"{r:.2f}" for r in ratios)
        print(
            f"median ratio of {len(rows)} rounds: deliveries/s kollega/bare "
            f"{statistics.median(ratios):.2f} (rounds: {shown})"
        )


def proxied(run: Run, upstreams: dict[str, list[int]] | None) -> None:
    """Behind nginx: clients name themselves; after joining, print the sockets each web
    process holds (established connections on its port, nginx's side of them)."""
    if not upstreams:
        return
    ports = upstreams[run.name]
    run.proxied = True

    def spread() -> None:
        counts = harness.established(ports)
        shown = ", ".join(f"process {i + 1} {counts[p]}" for i, p in enumerate(ports))
        print(f"  {run.name}: sockets per web process: {shown}", flush=True)

    run.after_join = spread


def run_production(args: argparse.Namespace, messages: int) -> int:
    """Both servers under gunicorn (gunicorn.conf.py, one worker of ``--server``'s class);
    kollega in production mode on a fresh PostgreSQL database with Redis."""
    harness.require_services()
    folder = Path(tempfile.mkdtemp(prefix="kollega-fanout-"))
    procs: list[Any] = []
    try:
        with harness.pg_database() as url:
            print(f"setting up {args.clients} people in one thread ...", flush=True)
            url, thread_id, sender_token, tokens = setup_kollega(folder, args.clients, url)
            env = harness.production_env(url, folder / "instance")
            # The bare server like kollega in production: Redis as its message queue (a
            # broadcast goes out from the queue's listener thread), unless told otherwise.
            queue = "" if args.bare_without_queue else harness.REDIS
            bare_env = {
                **env,
                "KOLLEGA_BENCH_BARE_QUEUE": queue,
                "KOLLEGA_BENCH_BARE_CHANNEL": f"kollega-bench-bare-{uuid.uuid4().hex[:8]}",
                "KOLLEGA_BENCH_BARE_PAYLOAD": args.bare_payload,
            }
            threads = args.clients + 100
            kport, bport = free_port(), free_port()
            kol = harness.web("kollega", kport, env, folder, worker=args.server, threads=threads)
            bare = harness.web(
                "bare",
                bport,
                bare_env,
                folder,
                app="benchmarks.bare:socketio_app()",
                worker=args.server,
                threads=threads,
            )
            procs += [kol.start(), bare.start()]
            kol.wait_http(f"http://127.0.0.1:{kport}/healthz", ok=(200, 503))
            bare.wait_http(f"http://127.0.0.1:{bport}/socket.io/?EIO=4&transport=polling")
            measure_both(
                args,
                messages,
                kport,
                bport,
                thread_id,
                sender_token,
                tokens,
                lambda: bare.terminate(timeout=10),
                f"both servers gunicorn {args.server} (1 worker, gunicorn.conf.py); kollega "
                "KOLLEGA_ENV=production on PostgreSQL with Redis as message queue; bare "
                + ("without a message queue" if args.bare_without_queue else "with Redis too"),
                [kol.proc.pid],
                [bare.proc.pid],
            )
            for p in procs:
                p.terminate(timeout=10)
    finally:
        for p in procs:
            p.terminate(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def behind_nginx(name: str, ports: list[int], folder: Path) -> tuple[Any, int]:
    """tests/servers.py's nginx (deploy/nginx.conf's essentials: sticky upstream, WebSocket
    upgrade) in front of ``ports``, hashing on the X-Kollega-Client header as the multi-
    process test does (every client here is 127.0.0.1: ip_hash would pick one process),
    with room for 2,000 clients (two connections each). Not started; (process, port)."""
    from tests.servers import nginx

    port = free_port()
    proc = nginx(port, ports, folder / name, balance="hash $http_x_kollega_client")
    conf = folder / name / "nginx.conf"
    small = "events { worker_connections 4096; }"
    text = conf.read_text()
    if small not in text:
        raise SystemExit(f"tests/servers.py's nginx configuration changed: no {small!r}")
    conf.write_text(
        text.replace(small, "worker_rlimit_nofile 20000;\nevents { worker_connections 10000; }")
    )
    proc.name = f"nginx-{name}"
    proc.log = folder / f"nginx-{name}.log"
    return proc, port


def run_nginx2(args: argparse.Namespace, messages: int) -> int:
    """Two gunicorn gthread web processes (separate processes and ports, gunicorn.conf.py)
    sharing PostgreSQL and Redis behind Debian's nginx with sticky sessions; the bare
    baseline is two bare Flask-SocketIO processes with Redis as their message queue behind
    an nginx of the same configuration. Every client, the sender too, connects through
    nginx, so the sender reaches one process and the other gets the message from Redis."""
    import shutil as sh

    from tests.servers import NGINX

    if not os.access(NGINX, os.X_OK) and not sh.which("nginx"):
        raise SystemExit(f"--server nginx2 needs nginx ({NGINX}; apt-get install nginx)")
    harness.require_services()
    folder = Path(tempfile.mkdtemp(prefix="kollega-fanout-"))
    procs: list[Any] = []
    try:
        with harness.pg_database() as url:
            print(f"setting up {args.clients} people in one thread ...", flush=True)
            url, thread_id, sender_token, tokens = setup_kollega(folder, args.clients, url)
            env = harness.production_env(url, folder / "instance")
            bare_env = {
                **env,
                "KOLLEGA_BENCH_BARE_QUEUE": harness.REDIS,
                "KOLLEGA_BENCH_BARE_CHANNEL": f"kollega-bench-bare-{uuid.uuid4().hex[:8]}",
                "KOLLEGA_BENCH_BARE_PAYLOAD": args.bare_payload,
            }
            # Either process may get (nearly) every client: room for all in each.
            threads = args.clients + 100
            kports, bports = [free_port(), free_port()], [free_port(), free_port()]
            kol = [
                harness.web(f"kollega-{i + 1}", p, env, folder, threads=threads)
                for i, p in enumerate(kports)
            ]
            bare = [
                harness.web(
                    f"bare-{i + 1}",
                    p,
                    bare_env,
                    folder,
                    app="benchmarks.bare:socketio_app()",
                    threads=threads,
                )
                for i, p in enumerate(bports)
            ]
            knginx, kport = behind_nginx("kollega", kports, folder)
            bnginx, bport = behind_nginx("bare", bports, folder)
            for p in [*kol, *bare, knginx, bnginx]:
                procs.append(p.start())
            for p, port in zip(kol, kports, strict=True):
                p.wait_http(f"http://127.0.0.1:{port}/healthz", ok=(200, 503))
            for p, port in zip(bare, bports, strict=True):
                p.wait_http(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling")
            knginx.wait_http(f"http://127.0.0.1:{kport}/healthz", ok=(200, 503))
            bnginx.wait_http(f"http://127.0.0.1:{bport}/socket.io/?EIO=4&transport=polling")

            def stop_bare() -> None:
                for p in [*bare, bnginx]:
                    p.terminate(timeout=10)

            measure_both(
                args,
                messages,
                kport,
                bport,
                thread_id,
                sender_token,
                tokens,
                stop_bare,
                "two gunicorn gthread web processes each (1 worker, gunicorn.conf.py) behind "
                "nginx (sticky: hash on a per-client header), Redis as message queue for both; "
                "kollega KOLLEGA_ENV=production on PostgreSQL; server CPU = both web processes",
                [p.proc.pid for p in kol],
                [p.proc.pid for p in bare],
                {"kollega": kports, "bare": bports},
            )
    except BaseException:
        for p in procs:  # what the servers said, before their folder goes
            print(f"--- {p.name} (last lines)\n{p.tail()[-1500:]}", file=sys.stderr)
        raise
    finally:
        for p in procs:
            p.terminate(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def run_dev(args: argparse.Namespace, messages: int) -> int:
    """Both servers on Werkzeug (``kollega run``, ``socketio.run``), kollega on SQLite."""
    instance = Path(tempfile.mkdtemp(prefix="kollega-fanout-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        print(f"setting up {args.clients} people in one thread ...", flush=True)
        url, thread_id, sender_token, tokens = setup_kollega(instance, args.clients)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOLLEGA_")}
        kollega_env = {
            **env,
            "KOLLEGA_ENV": "development",
            "KOLLEGA_DATABASE_URL": url,
            "KOLLEGA_INSTANCE_PATH": str(instance),
            "KOLLEGA_SCHEDULER_ENABLED": "0",
            "KOLLEGA_RATELIMIT_ENABLED": "0",
        }
        kport, bport = free_port(), free_port()
        kollega_bin = str(Path(sys.executable).with_name("kollega"))
        kproc = start(
            [kollega_bin, "run", "--port", str(kport)], kollega_env, instance / "kollega.log"
        )
        procs.append(kproc)
        bproc = start(
            [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(bport)],
            {**env, "KOLLEGA_BENCH_BARE_PAYLOAD": args.bare_payload},
            instance / "bare.log",
        )
        procs.append(bproc)
        wait_http(f"http://127.0.0.1:{kport}/login", kproc)
        wait_http(f"http://127.0.0.1:{bport}/socket.io/?EIO=4&transport=polling", bproc)
        measure_both(
            args,
            messages,
            kport,
            bport,
            thread_id,
            sender_token,
            tokens,
            lambda: stop(bproc),
            "both servers Werkzeug, async_mode=threading; kollega on SQLite",
            [kproc.pid],
            [bproc.pid],
        )
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
