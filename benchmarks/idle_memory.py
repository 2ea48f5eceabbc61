"""Memory per idle Socket.IO connection of a production web process, against a bare
Flask-SocketIO server under the same gunicorn settings in the same run.

    .venv/bin/python benchmarks/idle_memory.py [--sockets 1000] [--worker gthread|gevent]

kollega: one gunicorn web process (gunicorn.conf.py, ``KOLLEGA_ENV=production``,
PostgreSQL, Redis) with ``--sockets`` + 100 threads (gthread) or connections (gevent).
After a warm-up (the health check, one socket connected, joined and closed) the RSS of
the gunicorn worker (the process holding the sockets; VmRSS from /proc) is read; then
``--sockets`` people connect over WebSocket with their bearer tokens (each joins its
person room on connect, as a browser does) and stay idle; after ``--settle`` seconds
the RSS is read again. Per socket = (after - before) / sockets.

Baseline: benchmarks/bare.py ``socketio_app`` (no database, no sign-in) under the same
gunicorn settings, the same number of anonymous idle WebSockets.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--worker", choices=("gthread", "gevent"), default="gthread")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before reading")
    args = parser.parse_args(argv)
    if not 1 <= args.sockets <= 2000:
        parser.error("--sockets 1..2000")
    return args


def measure(
    name: str, server: Any, port: int, auths: list[dict[str, Any] | None], settle: float
) -> dict[str, Any]:
    """RSS of the server's worker before and after ``len(auths)`` idle sockets."""
    worker = harness.worker_pid(server.proc.pid)
    harness.WireClient(port, auths[0]).disconnect()  # warm-up: lazy imports, first pool
    time.sleep(1)
    before = harness.rss_kib(worker)
    began = time.perf_counter()
    clients = harness.connect_many(lambda auth: harness.WireClient(port, auth), auths)
    connected = time.perf_counter() - began
    time.sleep(settle)
    after = harness.rss_kib(worker)
    alive = server.alive()
    harness.close_all(clients)
    return {
        "name": name,
        "sockets": len(clients),
        "before": before,
        "after": after,
        "per_socket": (after - before) / max(len(clients), 1),
        "connect_s": connected,
        "alive": alive,
    }


def line(row: dict[str, Any]) -> str:
    return (
        f"{row['name']:>8}: {row['sockets']} idle sockets, worker RSS {row['before'] / 1024:.1f} "
        f"-> {row['after'] / 1024:.1f} MiB, {row['per_socket']:.1f} KiB per socket "
        f"(connected in {row['connect_s']:.1f} s)"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    harness.require_services()
    load_start = harness.loadavg()
    folder = Path(tempfile.mkdtemp(prefix="kollega-idle-"))
    procs: list[Any] = []
    try:
        with harness.pg_database() as url:
            from kollega import create_app
            from kollega.extensions import db
            from kollega.migrate import upgrade

            app = create_app(
                {"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SCHEDULER_ENABLED": False}
            )
            upgrade(app)
            ids = harness.make_people(app, args.sockets, "I")
            tokens = harness.make_tokens(app, ids)
            with app.app_context():
                db.engine.dispose()
            env = harness.production_env(url, folder / "instance")
            threads = args.sockets + 100

            bport = harness.free_port()
            bare = harness.web(
                "bare",
                bport,
                env,
                folder,
                app="benchmarks.bare:socketio_app()",
                worker=args.worker,
                threads=threads,
            )
            procs.append(bare.start())
            bare.wait_http(f"http://127.0.0.1:{bport}/socket.io/?EIO=4&transport=polling")
            bare_row = measure("bare", bare, bport, [None] * args.sockets, args.settle)
            bare.terminate(timeout=10)

            kport = harness.free_port()
            kol = harness.web("kollega", kport, env, folder, worker=args.worker, threads=threads)
            procs.append(kol.start())
            kol.wait_http(f"http://127.0.0.1:{kport}/healthz", ok=(200, 503))
            kol_row = measure("kollega", kol, kport, [{"token": t} for t in tokens], args.settle)
    finally:
        for p in procs:
            p.terminate(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)

    print()
    harness.print_machine(load_start)
    print(
        f"run: {args.sockets} idle WebSockets to one gunicorn {args.worker} worker "
        f"({threads} threads/connections); kollega on PostgreSQL and Redis"
    )
    print(line(kol_row))
    print(line(bare_row))
    ratio = kol_row["per_socket"] / bare_row["per_socket"] if bare_row["per_socket"] else 0
    print(f"   ratio: memory per idle socket kollega/bare {ratio:.2f}x")
    ok = kol_row["alive"] and kol_row["sockets"] == args.sockets
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
