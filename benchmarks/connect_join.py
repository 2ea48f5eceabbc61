"""Server CPU per Socket.IO connect + ``thread:join``, against the bare Flask-SocketIO server
doing the same two steps (connect, join a room) in the same run.

    .venv/bin/python benchmarks/connect_join.py [--sockets 200] [--messages 50]
        [--profile] [--server gthread|gevent]

The data, on a fresh PostgreSQL database (benchmarks/harness.py): one open network whose
``--sockets`` members each have a bearer token, one thread of ``--messages`` messages (a
join answers with the latest page of 50). Every socket is a different person, as after a
restart when every browser reconnects.

Default (in process): kollega in production settings (``ProductionConfig``, PostgreSQL, the
limiter, the socket registry and the person revisions in Redis) but without the Socket.IO
message queue's pub/sub manager, which Flask-SocketIO's test client cannot use (connect and
join publish nothing through it); each socket is ``socketio.test_client(app, auth={"token": ...})``
and one ``thread:join`` with an ack. The figure is this process's CPU time
(``time.process_time``) per connect + join, median of ``--rounds`` rounds of ``--sockets``
sockets; the bare server (benchmarks/bare.py ``socketio_app``, ``join``) goes through
the same test client, so the client's own share is in both. ``--profile``: then a cProfile
(CPU time) of one more round of kollega's, top 25 by own and by cumulative time.

``--server gthread|gevent``: production mode instead: one gunicorn process (the given worker,
``KOLLEGA_ENV=production``, Redis as message queue: the socket registry and the person
revisions in Redis too) and the bare server under the same worker with Redis as its queue;
``--sockets`` WebSocket clients (harness.WireClient, 8 threads) connect and join, and the
figure is the server processes' CPU time (/proc) over the whole storm per socket.

With ``KOLLEGA_BENCH_SERVER_PROFILE=<file>`` as well, kollega's gunicorn runs
``profiled_app()``: kollega's app with cProfile (CPU time, every greenlet of the worker)
switched on for the measured storm only; its stats are dumped to ``<file>`` and the top
30 by own and by cumulative time printed. The profiler's own cost inflates the figure
(it is printed for the record, not as the result).

Aim (issue 19): at most 5 ms of server CPU per connect + join.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness  # noqa: E402

AIM_MS = 5.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--server", choices=("gthread", "gevent"), default=None)
    args = parser.parse_args(argv)
    if not (1 <= args.sockets <= 2000 and 1 <= args.messages <= 1000):
        parser.error("--sockets 1..2000 and --messages 1..1000")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds 1..20")
    return args


def setup(app: Any, people: int, messages: int) -> tuple[int, list[str]]:
    """The network, its members, the thread and its messages; (thread id, a token per
    member)."""
    from kollega.extensions import db
    from kollega.networks.members import join_network
    from kollega.networks.networks import create_network
    from kollega.networks.send import send_message
    from kollega.networks.threads import open_thread
    from kollega.org.models import Person

    owner_id = harness.make_people(app, 1, "O", ("employee", "hr"))[0]
    ids = harness.make_people(app, people, "C")
    with app.app_context():
        owner = db.session.get(Person, owner_id)
        network = create_network(owner, "Benk tilkopling", "Kopling", visibility="open")
        members = [db.session.get(Person, pid) for pid in ids]
        for p in members:
            join_network(p, network.id)
        thread, _ = open_thread(owner, network.id, "Tråd", body="Første innlegg")
        for n in range(messages - 1):
            author = members[n % len(members)]
            send_message(
                author,
                thread.id,
                f"c{n}",
                f"Melding **{n}** om _praksis_ med en [lenke](https://example.org/{n}).",
            )
        db.session.commit()
        thread_id = thread.id
    return thread_id, harness.make_tokens(app, ids)


# --- in process ----------------------------------------------------------------------------


def kollega_round(app: Any, thread_id: int, tokens: list[str]) -> tuple[float, list[Any]]:
    """Connect and join one socket per token; (CPU seconds, the clients)."""
    from kollega.extensions import socketio

    clients = []
    start = time.process_time()
    for token in tokens:
        client = socketio.test_client(app, auth={"token": token})
        ack = client.emit("thread:join", {"thread_id": thread_id}, callback=True)
        clients.append(client)
        if not ack or not ack.get("ok"):
            raise SystemExit(f"thread:join failed: {ack}")
    return time.process_time() - start, clients


def bare_round(bare: Any, count: int) -> tuple[float, list[Any]]:
    clients = []
    start = time.process_time()
    for _ in range(count):
        client = bare.test_client()
        ack = client.emit("join", {"thread_id": 1}, callback=True)
        clients.append(client)
        if not ack or not ack.get("ok"):
            raise SystemExit(f"bare join failed: {ack}")
    return time.process_time() - start, clients


def disconnect_all(clients: list[Any]) -> None:
    for c in clients:
        if c.is_connected():
            c.disconnect()


def in_process(args: argparse.Namespace, url: str, folder: Path) -> float:
    from flask_socketio import SocketIO

    import config
    from benchmarks.bare import socketio_app
    from kollega import create_app
    from kollega.migrate import upgrade

    app = create_app(
        {
            "CONFIG_CLASS": config.ProductionConfig,
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            "REDIS_URL": harness.REDIS,
            "SOCKETIO_MESSAGE_QUEUE": False,  # see below
            "SOCKETIO_CHANNEL": f"kollega-bench-cj-{uuid.uuid4().hex[:8]}",
            "RATELIMIT_KEY_PREFIX": f"kollega-bench-{uuid.uuid4().hex[:8]}",
            "SOCKET_SWEEP_SECONDS": 0,
            "SCHEDULER_ENABLED": False,
        }
    )
    # Built without the queue (the test client refuses a pub/sub manager); then marked
    # as having one, so that kollega does its multi-process work per socket as in
    # production: the socket registry and the person revisions in Redis.
    app.config["SOCKETIO_MESSAGE_QUEUE"] = True
    upgrade(app)
    thread_id, tokens = setup(app, args.sockets, args.messages)
    os.environ["KOLLEGA_ASYNC_MODE"] = "threading"
    bare_app = socketio_app()
    bare = next(e for e in bare_app.extensions.values() if isinstance(e, SocketIO))

    class BareClient:
        def test_client(self) -> Any:
            return bare.test_client(bare_app)

    # Warm-up: imports, pools, statement caches, translations.
    _, warm = kollega_round(app, thread_id, tokens[: min(10, len(tokens))])
    disconnect_all(warm)
    _, warm = bare_round(BareClient(), 10)
    disconnect_all(warm)

    k_ms, b_ms = [], []
    for _ in range(args.rounds):
        cpu, clients = kollega_round(app, thread_id, tokens)
        disconnect_all(clients)
        k_ms.append(cpu * 1000 / len(tokens))
        cpu, clients = bare_round(BareClient(), len(tokens))
        disconnect_all(clients)
        b_ms.append(cpu * 1000 / len(tokens))
    k, b = statistics.median(k_ms), statistics.median(b_ms)
    print(
        f"in process (test client; PostgreSQL, Redis for limits, registry and revisions): "
        f"{len(tokens)} sockets x {args.rounds} rounds, thread of {args.messages} messages"
    )
    print(
        f"CPU per connect + join (median round, this process): kollega {k:.2f} ms, "
        f"bare {b:.2f} ms; ratio kollega/bare {k / b:.2f}; rounds kollega "
        + ", ".join(f"{x:.2f}" for x in k_ms)
        + "; bare "
        + ", ".join(f"{x:.2f}" for x in b_ms)
    )
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)
        profile.enable()
        _, clients = kollega_round(app, thread_id, tokens)
        profile.disable()
        disconnect_all(clients)
        stats = pstats.Stats(profile)
        if os.environ.get("KOLLEGA_BENCH_PROFILE_FILE"):
            stats.dump_stats(os.environ["KOLLEGA_BENCH_PROFILE_FILE"])
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("cumulative").print_stats("kollega/", 25)
    return k


# --- production mode -----------------------------------------------------------------------

PROFILE_PATH = "/__bench/profile/"


def profiled_app() -> Any:
    """gunicorn app factory (``KOLLEGA_BENCH_SERVER_PROFILE`` only): kollega's WSGI app,
    with ``GET /__bench/profile/start`` and ``.../stop`` switching a cProfile of the
    worker on and off (``stop`` dumps it to the file the variable names)."""
    import cProfile

    from wsgi import app as kollega_app

    profile = cProfile.Profile(time.process_time)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == PROFILE_PATH + "start":
            profile.enable()
        elif path == PROFILE_PATH + "stop":
            profile.disable()
            try:
                profile.dump_stats(os.environ["KOLLEGA_BENCH_SERVER_PROFILE"])
            except Exception:
                import traceback

                start_response("500 Error", [("Content-Type", "text/plain")])
                return [traceback.format_exc().encode()]
        else:
            return kollega_app(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app


def _profile_switch(port: int, what: str) -> None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{PROFILE_PATH}{what}", timeout=30):
            pass
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"profile {what} failed:\n{exc.read().decode()}") from None


def storm(port: int, auths: list[Any], pids: list[int], join: Any) -> tuple[float, list[Any]]:
    """Connect and join a socket per entry of ``auths`` (8 threads); (server CPU seconds
    over the storm, the clients)."""
    start = harness.cpu_seconds(pids)

    def make(auth: Any) -> Any:
        client = harness.WireClient(port, auth)
        ack = join(client)
        if not ack or not ack.get("ok"):
            client.disconnect()
            raise RuntimeError(f"join failed: {ack}")
        return client

    clients = harness.connect_many(make, auths)
    return harness.cpu_seconds(pids) - start, clients


def production(args: argparse.Namespace, url: str, folder: Path) -> float:
    from kollega import create_app
    from kollega.extensions import db
    from kollega.migrate import upgrade

    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SCHEDULER_ENABLED": False}
    )
    upgrade(app)
    thread_id, tokens = setup(app, args.sockets, args.messages)
    with app.app_context():
        db.engine.dispose()
    harness.raise_open_files()
    channel = f"kollega-bench-cj-{uuid.uuid4().hex[:8]}"
    env = harness.production_env(url, folder / "instance", KOLLEGA_SOCKETIO_CHANNEL=channel)
    kport, bport = harness.free_port(), harness.free_port()
    profile_file = os.environ.get("KOLLEGA_BENCH_SERVER_PROFILE")
    kol = harness.web(
        "kollega",
        kport,
        {**env, "KOLLEGA_BENCH_SERVER_PROFILE": profile_file} if profile_file else env,
        folder,
        worker=args.server,
        app="benchmarks.connect_join:profiled_app()" if profile_file else "wsgi:app",
    )
    bare = harness.web(
        "bare",
        bport,
        {
            **env,
            "KOLLEGA_BENCH_BARE_QUEUE": harness.REDIS,
            "KOLLEGA_BENCH_BARE_CHANNEL": channel + "-bare",
        },
        folder,
        app="benchmarks.bare:socketio_app()",
        worker=args.server,
    )
    procs = [kol.start(), bare.start()]
    try:
        kol.wait_http(f"http://127.0.0.1:{kport}/healthz", ok=(200, 503))
        bare.wait_http(f"http://127.0.0.1:{bport}/socket.io/?EIO=4&transport=polling")
        kpids = [kol.proc.pid]  # type: ignore[union-attr]
        bpids = [bare.proc.pid]  # type: ignore[union-attr]

        def kjoin(c: Any) -> Any:
            return c.call("thread:join", {"thread_id": thread_id})

        def bjoin(c: Any) -> Any:
            return c.call("join", {"thread_id": 1})

        # Warm-up: imports, pools, statement caches.
        _, warm = storm(kport, [{"token": t} for t in tokens[:10]], kpids, kjoin)
        harness.close_all(warm)
        _, warm = storm(bport, [None] * 10, bpids, bjoin)
        harness.close_all(warm)
        time.sleep(1)
        if profile_file:
            _profile_switch(kport, "start")
        kcpu, clients = storm(kport, [{"token": t} for t in tokens], kpids, kjoin)
        if profile_file:
            _profile_switch(kport, "stop")
        harness.close_all(clients)
        time.sleep(1)
        bcpu, clients = storm(bport, [None] * len(tokens), bpids, bjoin)
        harness.close_all(clients)
    finally:
        for p in procs:
            p.terminate(timeout=10)
    k, b = kcpu * 1000 / len(tokens), bcpu * 1000 / len(tokens)
    if profile_file:
        import pstats

        stats = pstats.Stats(profile_file)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(30)
        print("(kollega's figure below includes the profiler's own cost)")
    print(
        f"production mode (gunicorn {args.server}, one process, PostgreSQL, Redis queue): "
        f"{len(tokens)} sockets, thread of {args.messages} messages"
    )
    print(
        f"server CPU per connect + join: kollega {k:.2f} ms, bare {b:.2f} ms; "
        f"ratio kollega/bare {k / b:.2f} (/proc, {harness.cpu_seconds.__name__}; "
        "10 ms clock ticks, so small runs are coarse)"
    )
    return k


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    harness.require_services()
    load_start = harness.loadavg()
    folder = Path(tempfile.mkdtemp(prefix="kollega-connectjoin-"))
    try:
        with harness.pg_database() as url:
            k = production(args, url, folder) if args.server else in_process(args, url, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    harness.print_machine(load_start)
    met = k <= AIM_MS
    print(
        f"   aim: kollega <= {AIM_MS:.0f} ms server CPU per connect + join: "
        f"{'met' if met else 'NOT met'} ({k:.2f} ms)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
