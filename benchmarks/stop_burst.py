"""The burst when a learning stop opens for many members, in production mode, against a
bare publish of the same number of events in the same run.

    .venv/bin/python benchmarks/stop_burst.py [--members 6500] [--sockets 1000]

What is measured (be precise: the two counts differ). A fresh PostgreSQL database holds
``--members`` active people; a municipality-wide learning stop (no network thread) is
due. ``--sockets`` of the members (every members/sockets-th) are connected over WebSocket to one
gunicorn web process in production mode (gthread, Redis as the message queue), each
signed in with a bearer token, so each sits in its ``person:<id>`` room. Then this
process does what ``kollega scheduler`` does when the stop's time comes (the
``kollega.cycle.jobs.run_due`` path for the one due action: ``dispatch.due_actions``,
``dispatch.perform``, commit, whose outbox publishes): it writes one ``invited`` attendance
row per member (the in-app record: the stop on each member's page) and publishes one
``cycle:stop_opened`` per member to their person room through Redis. The clock runs
from the start of that pass until the last connected socket has the event.

Reported: the time to write (all ``--members`` attendance rows), to publish (all
``--members`` events into Redis), and until all ``--sockets`` sockets had it (p50, p99,
last), and the attendance rows counted afterwards. With 2 shared cores, 6,500 sockets
in one process are not feasible here; 1,000 sockets receive while the other 5,500
events go to rooms without a socket (the server still handles each one).

Baseline (same run, same sockets, same server): this process publishes the same
``--members`` person-room events through the same Redis with no database work. Aim
(issue 11): a stop opening for 6,500 members delivered within 3 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness  # noqa: E402

AIM_SECONDS = 3.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=6500)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--wait", type=float, default=60.0, help="longest wait for delivery, s")
    args = parser.parse_args(argv)
    if not 1 <= args.members <= 60000:
        parser.error("--members 1..60000")
    if not 1 <= args.sockets <= min(args.members, 2000):
        parser.error("--sockets 1..2000 and at most --members")
    return args


class Arrivals:
    """First arrival time of a matching event per client."""

    def __init__(self, event: str, key: str, value: Any) -> None:
        self.event, self.key, self.value = event, key, value
        self.times: dict[int, float] = {}
        self.lock = threading.Lock()

    def listener(self, n: int) -> Any:
        def on_event(name: str, data: Any) -> None:
            if name != self.event or not isinstance(data, dict) or data.get(self.key) != self.value:
                return  # e.g. another run's events on the shared Redis channel
            now = time.perf_counter()
            with self.lock:
                self.times.setdefault(n, now)

        return on_event

    def wait(self, expected: int, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while len(self.times) < expected and time.perf_counter() < deadline:
            time.sleep(0.01)


def summary(name: str, t0: float, arrivals: Arrivals, expected: int) -> dict[str, Any]:
    took = [t - t0 for t in arrivals.times.values()]
    return {
        "name": name,
        "received": len(took),
        "expected": expected,
        "p50": harness.percentile(took, 0.5),
        "p99": harness.percentile(took, 0.99),
        "last": max(took) if took else float("nan"),
    }


def line(row: dict[str, Any]) -> str:
    return (
        f"{row['name']:>26}: {row['received']}/{row['expected']} sockets; after "
        f"p50 {row['p50']:.2f} s, p99 {row['p99']:.2f} s, last {row['last']:.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    harness.require_services()
    load_start = harness.loadavg()
    folder = Path(tempfile.mkdtemp(prefix="kollega-burst-"))
    procs: list[Any] = []
    clients: list[Any] = []
    try:
        with harness.pg_database() as url:
            import sqlalchemy as sa

            from kollega import create_app
            from kollega.cycle import dispatch
            from kollega.cycle.models import Attendance, CycleEvent
            from kollega.extensions import db, socketio
            from kollega.migrate import upgrade
            from kollega.realtime import person_room

            # This process plays the scheduler: it publishes through Redis.
            app = create_app(
                {
                    "DATABASE_URL": url,
                    "INSTANCE_PATH": str(folder),
                    "SCHEDULER_ENABLED": False,
                    "REDIS_URL": harness.REDIS,
                    "SOCKETIO_MESSAGE_QUEUE": True,
                }
            )
            upgrade(app)
            print(f"setting up {args.members} members ...", flush=True)
            ids = harness.make_people(app, 1, "H", ("employee", "hr"))
            ids += harness.make_people(app, args.members - 1, "M")
            # Sockets spread over the members: the last rooms published count too.
            step = max(1, args.members // args.sockets)
            tokens = harness.make_tokens(app, ids[::step][: args.sockets])
            due = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).replace(microsecond=0)
            title = f"Læringsstopp {uuid.uuid4().hex[:8]}"
            with app.app_context():
                event = CycleEvent(
                    kind="learning_stop",
                    municipality_wide=True,
                    title=title,
                    starts_at=due,
                    ends_at=due + dt.timedelta(hours=1),
                    reminders=[],
                    competences=[],
                    prompts=["Hva lærte du?"],
                    created_by_id=ids[0],
                )
                db.session.add(event)
                db.session.commit()
                event_id = event.id

            env = harness.production_env(url, folder / "instance")
            port = harness.free_port()
            server = harness.web("web", port, env, folder, threads=args.sockets + 100)
            procs.append(server.start())
            server.wait_http(f"http://127.0.0.1:{port}/healthz", ok=(200, 503))

            bare = Arrivals("bench:ping", "stamp", title)
            real = Arrivals("cycle:stop_opened", "event_id", event_id)

            def on_event(n: int) -> Any:
                a, b = bare.listener(n), real.listener(n)

                def both(name: str, data: Any) -> None:
                    a(name, data)
                    b(name, data)

                return both

            print(f"connecting {args.sockets} sockets ...", flush=True)
            began = time.perf_counter()
            clients = harness.connect_many(
                lambda item: harness.WireClient(port, {"token": item[1]}, on_event(item[0])),
                list(enumerate(tokens)),
            )
            print(f"  {len(clients)} connected in {time.perf_counter() - began:.1f} s", flush=True)
            time.sleep(1)

            # Baseline: the same number of person-room events, no database work.
            with app.app_context():
                # Warm-up: the first emit connects to Redis; neither side should pay it.
                socketio.emit("bench:warm", {}, to="bench:nobody")
                time.sleep(0.5)
                t0 = time.perf_counter()
                for pid in ids:
                    socketio.emit("bench:ping", {"stamp": title}, to=person_room(pid))
                bare_published = time.perf_counter() - t0
            bare.wait(args.sockets, args.wait)
            bare_row = summary("bare publish (baseline)", t0, bare, args.sockets)
            time.sleep(1)

            # kollega: the scheduler's pass for the due stop.
            with app.app_context():
                t0 = time.perf_counter()
                actions = dispatch.due_actions(due, dt.timedelta(hours=48))
                db.session.rollback()
                kinds = [a.action for a in actions]
                for action in actions:
                    dispatch.perform(action, due)
                    db.session.flush()
                    # Rows written; the commit then publishes the queued events.
                    committed = time.perf_counter() - t0
                    db.session.commit()
                published = time.perf_counter() - t0
            real.wait(args.sockets, args.wait)
            real_row = summary("kollega stop opening", t0, real, args.sockets)
            with app.app_context():
                rows = db.session.scalar(
                    sa.select(sa.func.count(Attendance.id)).where(Attendance.event_id == event_id)
                )
                db.engine.dispose()
            if kinds != ["open"]:
                raise SystemExit(f"expected one due 'open' action, got {kinds}")
    finally:
        harness.close_all(clients)
        for p in procs:
            p.terminate(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)

    print()
    harness.print_machine(load_start)
    print(
        f"run: {args.members} members, {args.sockets} of them connected over WebSocket to one "
        "gunicorn gthread process; PostgreSQL, Redis message queue"
    )
    print(
        f"kollega: {rows} attendance rows written after {committed:.2f} s, "
        f"{args.members} events published after {published:.2f} s"
    )
    print(f"baseline: {args.members} events published after {bare_published:.2f} s")
    print(line(real_row))
    print(line(bare_row))
    ratio = real_row["last"] / bare_row["last"] if bare_row["last"] else float("nan")
    met = (
        real_row["received"] == args.sockets
        and rows == args.members
        and real_row["last"] <= AIM_SECONDS
    )
    print(
        f"   ratio: time to the last socket kollega/bare {ratio:.2f}x; aim all "
        f"{args.members} members within {AIM_SECONDS:.0f} s: {'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
