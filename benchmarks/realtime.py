"""Real time with the real client: issue 19's scenarios, kollega against the bare
Flask-SocketIO server in the same run, the load from the Socket.IO JavaScript client.

    .venv/bin/python benchmarks/realtime.py --scenario a|b|c|d [--sockets 2000]
        [--rate 5] [--seconds 10] [--page-rate 20] [--shape a|b|ab] [--no-bare] [--json FILE]

The load generator is benchmarks/loadgen.mjs: ``socket.io-client`` from node_modules (the
browser's client, locked in package-lock.json) in one Node process on one event loop,
one WebSocket per person, heartbeats answered by the client itself. This driver prepares
a fresh PostgreSQL database (people with bearer tokens from
``kollega.auth.services.create_token``, one open network, its threads), starts the servers
through benchmarks/harness.py in production mode (gunicorn with gunicorn.conf.py, one
worker, ``KOLLEGA_ENV=production``, Redis as the Socket.IO message queue), runs the
generator, samples the servers' CPU from /proc around each phase, and then does the same
against the bare server (benchmarks/bare.py ``socketio_app``: rooms per thread, Redis queue)
under the same server model. The server model: ``--worker``, else ``KOLLEGA_WORKER_CLASS``,
else the production default that gunicorn.conf.py gives.

Scenarios (issue 19, "Scenarios in make bench"; sizes are the defaults):

- ``a`` stress: 2,000 sockets in one thread, 5 messages/s for 10 s.
- ``b`` municipal peak: 2,000 sockets over 100+ threads of Zipf-like sizes (three of 200,
  the rest 5-20), 5 messages/s across threads (a random person sends in their own thread,
  so busy threads send more) for 30 s, plus 20 page views/s of thread pages (GET
  /threads/<id> with the person's bearer token) by the same people; the page p50/p95.
- ``c`` reconnect storm: 2,000 sockets in b's threads; messages before; the web process
  stopped with SIGTERM; messages while it is down (sent through a second web process on
  the same PostgreSQL and Redis); started again; every client reconnects (the client's own
  back-off) and joins again with ``after_seq`` = its last seq; the time from the process
  accepting again until every client holds every message; lost and duplicated counts;
  then messages after. The bare server is restarted the same way (no messages: it keeps
  none) for the reconnect time and CPU per connect+join.
- ``d`` two web processes behind nginx (sticky on a per-client header, Redis queue), the
  clients connecting through nginx: a's and b's shapes (``--shape``), against two bare
  processes behind the same nginx configuration.

Figures per server: delivered/expected (live ``message:new`` deliveries to the sockets
joined at the send), deliveries/s (from the first send to the last arrival), latency
p50/p95/p99 by client id (send emitted to arrival, one clock), sockets dropped (a
``disconnect`` with "ping timeout" or "transport close" outside a restart), server CPU per
connect+join and per send (user + system of the web processes and their children, from
the first send until every delivery settled, divided by the sends; in b that includes the
page views), the generator's own CPU. Aims of the issue are printed beside them; the exit status is 0 when
the run measured (aims met or not), 2 when it could not.

Bounded: at most 2,000 sockets, 60 s of sending per phase, every wait with a timeout; only
127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import runpy
import shutil
import signal
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

LOADGEN = ROOT / "benchmarks" / "loadgen.mjs"
DEFAULTS = {
    "a": {"sockets": 2000, "rate": 5.0, "seconds": 10.0, "page_rate": 0.0},
    "b": {"sockets": 2000, "rate": 5.0, "seconds": 30.0, "page_rate": 20.0},
    "c": {"sockets": 2000, "rate": 5.0, "seconds": 5.0, "page_rate": 0.0},
    "d": {"sockets": 2000, "rate": 5.0, "seconds": 10.0, "page_rate": 20.0},
}


def production_worker() -> str:
    """The server model: KOLLEGA_WORKER_CLASS, else gunicorn.conf.py's default."""
    if os.environ.get("KOLLEGA_WORKER_CLASS"):
        return os.environ["KOLLEGA_WORKER_CLASS"]
    return str(runpy.run_path(str(ROOT / "gunicorn.conf.py"))["worker_class"])


def thread_sizes(sockets: int, seed: int = 19) -> list[int]:
    """Zipf-like thread sizes adding up to ``sockets``: a few large threads (three of 200
    at 2,000 sockets; a tenth of the sockets each, for smaller runs), the rest 5-20
    people, smaller ones likelier (weight 1/(size-4)). The last thread takes what is left."""
    rng = random.Random(seed)
    big = min(200, max(2, sockets // 10))
    sizes = [big] * min(3, max(1, sockets // (2 * big)))
    left = sockets - sum(sizes)
    choices = list(range(5, 21))
    weights = [1 / (k - 4) for k in choices]
    while left > 0:
        size = min(left, rng.choices(choices, weights)[0])
        sizes.append(size)
        left -= size
    return sizes


# --- the database -----------------------------------------------------------------------------


def prepare(url: str, folder: Path, sizes: list[int]) -> dict[str, Any]:
    """People, one open network, one thread per size (each opened with one message), each
    person a member joined to one thread, a bearer token each; one more person (the
    sender through the second process in scenario c)."""
    os.environ.setdefault("KOLLEGA_INSTANCE_PATH", str(folder / "instance"))
    from kollega import create_app
    from kollega.extensions import db
    from kollega.migrate import upgrade
    from kollega.networks.members import join_network
    from kollega.networks.networks import create_network
    from kollega.networks.threads import open_thread
    from kollega.org.models import Person

    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"), "SCHEDULER_ENABLED": False}
    )
    upgrade(app)
    total = sum(sizes)
    owner_id = harness.make_people(app, 1, "RTO", roles=("employee", "hr"))[0]
    ids = harness.make_people(app, total + 1, "RT")
    with app.app_context():
        owner = db.session.get(Person, owner_id)
        network = create_network(
            owner, f"Sanntid {uuid.uuid4().hex[:6]}", "Bench", visibility="open"
        )
        threads = []
        for n, _ in enumerate(sizes):
            thread, _ = open_thread(owner, network.id, f"Tråd {n + 1}", body="Start")
            threads.append(thread.id)
        for pid in ids:
            join_network(db.session.get(Person, pid), network.id)
        db.session.commit()
        db.engine.dispose()
    tokens = harness.make_tokens(app, ids)
    with app.app_context():
        db.engine.dispose()
    placed = [t for t, size in zip(threads, sizes, strict=True) for _ in range(size)]
    return {
        "threads": threads,
        "people": list(zip(tokens[:total], placed, strict=True)),
        "sender": tokens[total],
    }


# --- the load generator -----------------------------------------------------------------------


class LoadGen:
    """benchmarks/loadgen.mjs as a child process, driven one command at a time."""

    def __init__(self, config: dict[str, Any], folder: Path, name: str) -> None:
        node = shutil.which("node")
        if node is None:
            raise SystemExit("the load generator needs Node.js 20+ (`node`) and `npm ci`")
        if not (ROOT / "node_modules" / "socket.io-client").is_dir():
            raise SystemExit("socket.io-client is missing: run `npm ci` (or `make setup`)")
        path = folder / f"loadgen-{name}.json"
        path.write_text(json.dumps(config))
        self.name = name
        self.stderr = folder / f"loadgen-{name}.err"
        with open(self.stderr, "wb") as err:
            self.proc = subprocess.Popen(
                [node, str(LOADGEN), str(path)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                start_new_session=True,
            )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.errors: list[dict[str, Any]] = []

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def call(self, cmd: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(
                    f"{self.name}: no answer to {cmd['cmd']} in {timeout:.0f} s"
                ) from None
            if line is None:
                tail = self.stderr.read_text(errors="replace")[-1500:]
                raise SystemExit(f"{self.name}: the load generator exited: {tail}")
            answer = json.loads(line)
            if answer.get("event") == "error":
                self.errors.append(answer)
                if len(self.errors) <= 3:
                    print(f"  {self.name}: {answer}", flush=True)
                continue
            return answer  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def gen_config(
    kind: str,
    url: str,
    data: dict[str, Any],
    *,
    pages: bool = False,
    sender_url: str | None = None,
    views: bool = False,
) -> dict[str, Any]:
    bare = kind == "bare"
    sockets = [
        {"url": url, "token": token, "thread": thread, "name": f"person-{n}"}
        for n, (token, thread) in enumerate(data["people"])
    ]
    config: dict[str, Any] = {
        "events": {"join": "join", "send": "send"}
        if bare
        else {"join": "thread:join", "send": "message:send"},
        "sockets": sockets,
        "run_id": uuid.uuid4().hex[:8],
        "bare": bare,
        "views": views,
    }
    if sender_url:
        config["senders"] = [{"url": sender_url, "token": data["sender"], "name": "sender"}]
    if pages and not bare:
        config["pages"] = {"base": url, "path": "/threads/{thread}"}
    return config


# --- one measurement --------------------------------------------------------------------------


def connect(gen: LoadGen, pids: list[int], n: int) -> dict[str, Any]:
    cpu = harness.cpu_seconds(pids)
    joined = gen.call({"cmd": "connect"}, 900)
    used = harness.cpu_seconds(pids) - cpu
    if joined["sockets"] < n:
        raise SystemExit(f"{gen.name}: only {joined['sockets']}/{n} sockets joined")
    print(f"  {gen.name}: {n} sockets joined in {joined['seconds']:.1f} s", flush=True)
    return {"connect_s": joined["seconds"], "connect_cpu_ms_per_socket": used / n * 1000}


def fanout(
    gen: LoadGen,
    pids: list[int],
    n: int,
    rate: float,
    seconds: float,
    page_rate: float,
    ports: list[int] | None = None,
) -> dict[str, Any]:
    """Connect and join, send at ``rate`` for ``seconds`` (pages alongside), settle.
    ``ports``: the web processes behind nginx, whose sockets are counted once joined."""
    out = connect(gen, pids, n)
    if ports:
        counts = harness.established(ports)
        out["sockets_per_process"] = [counts[p] for p in ports]
    cpu = harness.cpu_seconds(pids)
    sent = gen.call(
        {"cmd": "send", "rate": rate, "seconds": seconds, "via": "members", "page_rate": page_rate},
        seconds + 120,
    )
    gen.call({"cmd": "settle", "timeout": 60, "quiet": 5}, 120)
    used = harness.cpu_seconds(pids) - cpu
    report = gen.call({"cmd": "report"}, 60)
    report.update(out)
    report["server_cpu_ms_per_send"] = used / max(1, sent["sent"]) * 1000
    report["server_cpu_ms_per_delivery"] = used / max(1, report["delivered"]) * 1000
    return report


def storm(
    gen: LoadGen,
    server: Any,
    health: str,
    n: int,
    rate: float,
    seconds: float,
    during: bool,
    timeout: float = 120,
) -> dict[str, Any]:
    """Connect; messages before; SIGTERM; messages through the second process while it
    is down (``during``); start; time until every client caught up; messages after."""
    out = connect(gen, [server.proc.pid], n)
    if rate > 0:
        gen.call({"cmd": "send", "rate": rate, "seconds": seconds, "via": "members"}, seconds + 120)
        gen.call({"cmd": "settle", "timeout": 30, "quiet": 3}, 60)
    gen.call({"cmd": "restart_window", "open": True}, 10)
    down = time.monotonic()
    code = server.terminate(timeout=60)
    print(f"  {gen.name}: SIGTERM, exited {code} after {time.monotonic() - down:.1f} s", flush=True)
    if during and rate > 0:
        gen.call({"cmd": "send", "rate": rate, "seconds": seconds, "via": "senders"}, seconds + 120)
    server.start()
    server.wait_http(health, ok=(200, 503), timeout=120)
    at = time.time() * 1000
    cpu = harness.cpu_seconds([server.proc.pid])
    caught = gen.call({"cmd": "catchup", "at": at, "timeout": timeout}, timeout + 30)
    used = harness.cpu_seconds([server.proc.pid]) - cpu
    gen.call({"cmd": "restart_window", "open": False}, 10)
    took = "-" if caught["seconds"] is None else f"{caught['seconds']:.1f} s"
    print(f"  {gen.name}: accepting again; caught up: {caught['all']}, {took}", flush=True)
    if rate > 0:
        gen.call({"cmd": "send", "rate": rate, "seconds": seconds, "via": "members"}, seconds + 120)
        gen.call({"cmd": "settle", "timeout": 30, "quiet": 3}, 60)
    report = gen.call({"cmd": "report"}, 60)
    report.update(out)
    report["caught_up"] = caught["all"]
    report["behind"] = caught["behind"]
    report["catch_up_s"] = caught["seconds"]
    # Reconnect + join again + replay, per socket (the server's CPU while they catch up).
    report["reconnect_cpu_ms_per_socket"] = used / n * 1000
    return report


# --- scenarios --------------------------------------------------------------------------------


def servers_for(
    kind: str, ports: list[int], env: dict[str, str], folder: Path, worker: str, sockets: int
) -> list[Any]:
    app = "wsgi:app" if kind == "kollega" else "benchmarks.bare:socketio_app()"
    return [
        harness.web(
            f"{kind}-{i + 1}", port, env, folder, app=app, worker=worker, threads=sockets + 200
        )
        for i, port in enumerate(ports)
    ]


def health_url(kind: str, port: int) -> str:
    if kind == "kollega":
        return f"http://127.0.0.1:{port}/healthz"
    return f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"


def run_kind(
    kind: str,
    args: argparse.Namespace,
    shape: str,
    data: dict[str, Any],
    env: dict[str, str],
    folder: Path,
) -> dict[str, Any]:
    """One server (kollega or bare), started, measured and stopped."""
    n = len(data["people"])
    procs: list[Any] = []
    gen: LoadGen | None = None
    try:
        if kind == "bare":
            env = {
                **env,
                "KOLLEGA_BENCH_BARE_QUEUE": harness.REDIS,
                "KOLLEGA_BENCH_BARE_CHANNEL": f"kollega-bench-bare-{uuid.uuid4().hex[:8]}",
            }
        two = args.scenario == "d"
        ports = [harness.free_port() for _ in range(2 if two else 1)]
        web = servers_for(kind, ports, env, folder, args.worker, n)
        procs += web
        alt = None
        if args.scenario == "c" and kind == "kollega":
            # The second process: the sender's way in while the first is down.
            alt = servers_for("kollega", [harness.free_port()], env, folder, args.worker, 10)[0]
            alt.name = "kollega-alt"
            procs.append(alt)
        for p in procs:
            p.start()
        for p, port in zip(web, ports, strict=True):
            p.wait_http(health_url(kind, port), ok=(200, 503), timeout=120)
        url = f"http://127.0.0.1:{ports[0]}"
        sender_url = None
        if alt is not None:
            alt_port = int(alt.env["KOLLEGA_BIND"].rsplit(":", 1)[1])
            alt.wait_http(health_url("kollega", alt_port), ok=(200, 503), timeout=120)
            sender_url = f"http://127.0.0.1:{alt_port}"
        if two:
            from benchmarks.chat_fanout import behind_nginx

            proxy, proxy_port = behind_nginx(kind, ports, folder)
            procs.append(proxy.start())
            proxy.wait_http(health_url(kind, proxy_port), ok=(200, 503))
            url = f"http://127.0.0.1:{proxy_port}"
        config = gen_config(
            kind, url, data, pages=args.page_rate > 0, sender_url=sender_url, views=args.views
        )
        gen = LoadGen(config, folder, f"{kind}-{shape}")
        pids = [p.proc.pid for p in web]
        if args.scenario == "c":
            report = storm(
                gen,
                web[0],
                health_url(kind, ports[0]),
                n,
                args.rate if kind == "kollega" else 0,
                args.seconds,
                during=True,
            )
        else:
            page_rate = args.page_rate if shape == "b" else 0
            report = fanout(
                gen, pids, n, args.rate, args.seconds, page_rate, ports if two else None
            )
        report["generator_errors"] = gen.errors[:5]
        return report
    except BaseException:
        for p in procs:
            print(f"--- {p.name} (last lines)\n{p.tail()[-1500:]}", file=sys.stderr)
        raise
    finally:
        if gen is not None:
            gen.close()
        for p in procs:
            p.terminate(timeout=15)


def line(name: str, r: dict[str, Any]) -> str:
    def ms(key: str) -> str:
        v = r.get(key)
        return "-" if v is None else f"{v:,.0f} ms" if v >= 10 else f"{v:.1f} ms"

    text = f"{name}: "
    if r["expected"]:
        pct = 100 * r["delivered"] / r["expected"]
        text += (
            f"sent {r['sent']}, delivered {r['delivered']:,}/{r['expected']:,} ({pct:.1f} %), "
            f"{r.get('deliveries_per_s') or 0:,.0f} deliveries/s, p50 {ms('p50_ms')}, "
            f"p95 {ms('p95_ms')}, p99 {ms('p99_ms')}, "
        )
    text += (
        f"dropped {r['dropped_sockets']} sockets; server CPU "
        f"{r['connect_cpu_ms_per_socket']:.1f} ms per connect+join"
    )
    if "server_cpu_ms_per_send" in r:
        text += (
            f", {r['server_cpu_ms_per_send']:.1f} ms per send "
            f"({r['server_cpu_ms_per_delivery']:.3f} ms per delivery)"
        )
    if r.get("pages"):
        text += (
            f"; pages {r['pages']} ({r['page_errors']} failed), p50 {ms('page_p50_ms')}, "
            f"p95 {ms('page_p95_ms')}"
        )
    if "catch_up_s" in r:
        cu = r["catch_up_s"]
        text += (
            f"; restart: all caught up {r['caught_up']}"
            + (f" in {cu:.1f} s" if cu is not None else f" ({r['behind']} behind)")
            + f" after accepting, reconnect CPU {r['reconnect_cpu_ms_per_socket']:.1f} ms/socket"
        )
        if r.get("lost") is not None:
            text += f", lost {r['lost']}, duplicated {r['duplicated']}"
    if r.get("sockets_per_process"):
        text += f"; sockets per process {r['sockets_per_process']}"
    text += f"; load generator CPU {r['own_cpu_s']:.1f} s"
    return text


def aims(scenario: str, shape: str, kol: dict[str, Any], bare: dict[str, Any] | None) -> list[str]:
    """Issue 19's aims for this scenario, each met or not."""
    checks: list[tuple[str, bool]] = []
    full = kol["expected"] > 0 and kol["delivered"] == kol["expected"]
    if scenario == "c":
        cu = kol.get("catch_up_s")
        checks += [
            (
                "every client caught up within 15 s",
                bool(kol["caught_up"]) and cu is not None and cu <= 15,
            ),
            ("0 lost, 0 duplicated", kol["lost"] == 0 and kol["duplicated"] == 0),
        ]
    elif shape == "a":
        checks += [("100 % delivered", full), ("no socket dropped", kol["dropped_sockets"] == 0)]
        checks.append(("p99 <= 500 ms", (kol["p99_ms"] or 1e9) <= 500))
        if bare and bare.get("deliveries_per_s"):
            ratio = (kol["deliveries_per_s"] or 0) / bare["deliveries_per_s"]
            checks.append((f"deliveries/s >= 0.9x bare ({ratio:.2f}x)", ratio >= 0.9))
    else:
        checks += [
            ("100 % delivered", full),
            ("message p99 <= 100 ms", (kol["p99_ms"] or 1e9) <= 100),
        ]
        if kol.get("pages"):
            checks.append(("thread page p95 <= 300 ms", (kol["page_p95_ms"] or 1e9) <= 300))
    checks.append(("server CPU per connect+join <= 5 ms", kol["connect_cpu_ms_per_socket"] <= 5))
    return ["aims: " + "; ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in checks)]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("a", "b", "c", "d"), required=True)
    parser.add_argument("--sockets", type=int, default=0, help="default 2,000")
    parser.add_argument("--rate", type=float, default=-1, help="messages/s (default 5)")
    parser.add_argument(
        "--seconds", type=float, default=0, help="seconds of sending (per phase in c)"
    )
    parser.add_argument("--page-rate", type=float, default=-1, help="page views/s in b (20)")
    parser.add_argument("--shape", choices=("a", "b", "ab"), default="ab", help="d: which shapes")
    parser.add_argument("--worker", default="", help="gunicorn worker class (the server model)")
    parser.add_argument("--no-bare", action="store_true", help="kollega only, no baseline")
    parser.add_argument("--views", action="store_true", help="every client's view in --json")
    parser.add_argument("--json", default="", help="write the reports to this file")
    args = parser.parse_args(argv)
    d = DEFAULTS[args.scenario]
    args.sockets = args.sockets or d["sockets"]
    args.rate = d["rate"] if args.rate < 0 else args.rate
    args.seconds = args.seconds or d["seconds"]
    args.page_rate = d["page_rate"] if args.page_rate < 0 else args.page_rate
    if not 2 <= args.sockets <= 2000 or not 0 < args.seconds <= 60 or not 0 <= args.rate <= 200:
        parser.error("--sockets 2..2000, --seconds up to 60, --rate 0..200")
    if not 0 <= args.page_rate <= 200:
        parser.error("--page-rate 0..200")
    args.worker = args.worker or production_worker()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    limit = harness.raise_open_files()
    if limit < 3 * args.sockets + 200:
        raise SystemExit(f"open files limit {limit} is too low for {args.sockets} sockets")
    harness.require_services()
    if args.scenario == "d":
        from tests.servers import NGINX

        if not os.access(NGINX, os.X_OK):
            raise SystemExit(f"scenario d needs nginx ({NGINX}; apt-get install nginx)")
    shapes = list(args.shape) if args.scenario == "d" else [args.scenario]
    load_start = harness.loadavg()
    results: list[dict[str, Any]] = []
    folder = Path(tempfile.mkdtemp(prefix="kollega-realtime-"))
    lines: list[str] = []
    try:
        for shape in shapes:
            sizes = [args.sockets] if shape == "a" else thread_sizes(args.sockets)
            with harness.pg_database("kollega_rt") as url:
                print(
                    f"scenario {args.scenario}{'/' + shape if args.scenario == 'd' else ''}: "
                    f"{args.sockets} sockets in {len(sizes)} threads (largest {max(sizes)}), "
                    f"{args.rate:g} messages/s for {args.seconds:g} s"
                    + (
                        f", {args.page_rate:g} page views/s"
                        if shape == "b" and args.page_rate
                        else ""
                    )
                    + f"; gunicorn {args.worker} ...",
                    flush=True,
                )
                data = prepare(url, folder / f"db-{shape}", sizes)
                env = harness.production_env(url, folder / "instance")
                kinds = ["kollega"] if args.no_bare else ["bare", "kollega"]
                got: dict[str, dict[str, Any]] = {}
                for kind in kinds:
                    got[kind] = run_kind(kind, args, shape, data, env, folder / kind / shape)
                kol, bare = got["kollega"], got.get("bare")
                label = f"({args.scenario}{'/' + shape if args.scenario == 'd' else ''})"
                lines.append(line(f"kollega {label}", kol))
                if bare:
                    lines.append(line(f"bare {label}", bare))
                    if kol.get("deliveries_per_s") and bare.get("deliveries_per_s"):
                        lines.append(
                            f"ratio {label} kollega/bare: deliveries/s "
                            f"{kol['deliveries_per_s'] / bare['deliveries_per_s']:.2f}, "
                            f"p99 {(kol['p99_ms'] or 0) / (bare['p99_ms'] or 1):.2f}x, "
                            "connect+join CPU "
                            f"{kol['connect_cpu_ms_per_socket'] / max(bare['connect_cpu_ms_per_socket'], 1e-9):.2f}x"
                        )
                    elif args.scenario == "c" and bare.get("catch_up_s") is not None:
                        lines.append(
                            f"ratio {label} kollega/bare: reconnect time "
                            f"{(kol['catch_up_s'] or 0) / max(bare['catch_up_s'], 1e-9):.2f}x, "
                            "reconnect CPU "
                            f"{kol['reconnect_cpu_ms_per_socket'] / max(bare['reconnect_cpu_ms_per_socket'], 1e-9):.2f}x"
                        )
                lines += aims(args.scenario, shape, kol, bare)
                results.append({"shape": shape, "sizes": sizes, **got})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print()
    print(f"machine: {harness.machine()}")
    print(f"load average at start {load_start}, at end {harness.loadavg()} (shared CPUs)")
    print(
        f"run: scenario {args.scenario}, {args.sockets} sockets, gunicorn {args.worker} "
        "(1 worker per process, gunicorn.conf.py), KOLLEGA_ENV=production, PostgreSQL, "
        "Redis message queue; load: socket.io-client "
        f"{client_version()} in one Node {node_version()} process (benchmarks/loadgen.mjs)"
    )
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=1))
    return 0


def client_version() -> str:
    try:
        meta = json.loads((ROOT / "node_modules/socket.io-client/package.json").read_text())
        return str(meta["version"])
    except (OSError, ValueError, KeyError):
        return "?"


def node_version() -> str:
    try:
        return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
