"""Soak: steady chat traffic against one production web process for ``--minutes``,
sampling the worker's memory and the delivery p99 each ``--sample`` seconds; the first
sample is the baseline the growth is measured against.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--sample 60] [--clients 100]
        [--rate 5]

One gunicorn web process (gunicorn.conf.py, gthread, ``KOLLEGA_ENV=production``) on a
fresh PostgreSQL database with Redis; ``--clients`` members connected over WebSocket in
one thread (``thread:join``), one sender sending ``--rate`` messages per second
(``message:send``) for the whole run. Per sample: the worker's RSS (VmRSS) at its end,
deliveries and p50/p99 latency (send to arrival, one clock) of the messages sent in it.
Reported: the first and last sample, RSS growth in MiB and per minute after the first
sample (the first holds the warm-up), and the ratios last/first. Aim (issue 11): no
memory growth; counted as met when the last RSS is within 5% of the first sample's and
every message was delivered.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness  # noqa: E402

GROWTH_AIM = 0.05


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sample", type=float, default=60.0, help="seconds per sample")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second")
    args = parser.parse_args(argv)
    if not 0.1 <= args.minutes <= 240 or not 5 <= args.sample <= 600:
        parser.error("--minutes 0.1..240 and --sample 5..600")
    if args.sample > args.minutes * 60:
        parser.error("--sample longer than the run")
    if not 1 <= args.clients <= 1000 or not 0.1 <= args.rate <= 100:
        parser.error("--clients 1..1000 and --rate 0.1..100")
    return args


class Traffic:
    """Latencies of the current sample window, by the time each message was sent."""

    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.window: list[float] = []
        self.delivered = 0
        self.lock = threading.Lock()

    def on_event(self, name: str, data: Any) -> None:
        if name != "message:new" or not isinstance(data, dict):
            return
        now = time.perf_counter()
        sent = self.sent_at.get(data.get("client_id", ""))
        if sent is None:
            return
        with self.lock:
            self.window.append(now - sent)
            self.delivered += 1

    def take(self) -> tuple[list[float], int]:
        with self.lock:
            window, delivered = self.window, self.delivered
            self.window, self.delivered = [], 0
        return window, delivered


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    harness.require_services()
    from benchmarks.chat_fanout import setup_kollega

    load_start = harness.loadavg()
    folder = Path(tempfile.mkdtemp(prefix="kollega-soak-"))
    procs: list[Any] = []
    clients: list[Any] = []
    samples: list[dict[str, Any]] = []
    acked = {"ok": 0, "failed": 0}
    try:
        with harness.pg_database() as url:
            url, thread_id, sender_token, tokens = setup_kollega(folder, args.clients, url)
            env = harness.production_env(url, folder / "instance")
            port = harness.free_port()
            server = harness.web("web", port, env, folder, threads=args.clients + 50)
            procs.append(server.start())
            server.wait_http(f"http://127.0.0.1:{port}/healthz", ok=(200, 503))
            worker = harness.worker_pid(server.proc.pid)
            traffic = Traffic()

            def receiver(token: str) -> Any:
                c = harness.WireClient(port, {"token": token}, traffic.on_event)
                ack = c.call("thread:join", {"thread_id": thread_id, "after_seq": 10**9})
                if not (isinstance(ack, dict) and ack.get("ok")):
                    raise SystemExit(f"join refused: {ack}")
                return c

            clients = harness.connect_many(receiver, tokens)
            sender = harness.WireClient(port, {"token": sender_token})
            clients.append(sender)
            sender.call("thread:join", {"thread_id": thread_id, "after_seq": 10**9})

            def on_ack(ack: Any) -> None:
                acked["ok" if isinstance(ack, dict) and ack.get("ok") else "failed"] += 1

            n_samples = max(1, round(args.minutes * 60 / args.sample))
            print(
                f"soak: {n_samples} samples of {args.sample:g} s, {args.clients} clients, "
                f"{args.rate:g} messages/s",
                flush=True,
            )
            start = time.perf_counter()
            n = 0
            for index in range(n_samples):
                end = start + (index + 1) * args.sample
                sent_in_window = 0
                while True:
                    target = start + n / args.rate
                    if target >= end:
                        break
                    delay = target - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    client_id = f"soak-{n}"
                    traffic.sent_at[client_id] = time.perf_counter()
                    sender.emit(
                        "message:send",
                        {"thread_id": thread_id, "client_id": client_id, "body": f"Melding {n}"},
                        callback=on_ack,
                    )
                    n += 1
                    sent_in_window += 1
                time.sleep(max(0.0, end - time.perf_counter()))
                latencies, delivered = traffic.take()
                for old in [k for k in traffic.sent_at if int(k[5:]) < n - 10 * args.rate]:
                    del traffic.sent_at[old]  # keep this process's own memory flat
                row = {
                    "minute": (time.perf_counter() - start) / 60,
                    "rss": harness.rss_kib(worker) / 1024,
                    "sent": sent_in_window,
                    "delivered": delivered,
                    "p50": harness.percentile(latencies, 0.5) * 1000,
                    "p99": harness.percentile(latencies, 0.99) * 1000,
                }
                samples.append(row)
                print(
                    f"  t={row['minute']:5.1f} min  RSS {row['rss']:7.1f} MiB  sent "
                    f"{row['sent']:5d}  deliveries {row['delivered']:7d}  p50 "
                    f"{row['p50']:6.1f} ms  p99 {row['p99']:6.1f} ms",
                    flush=True,
                )
            time.sleep(2)
            _tail, late = traffic.take()
            alive = server.alive()
    finally:
        harness.close_all(clients)
        for p in procs:
            p.terminate(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)

    first, last = samples[0], samples[-1]
    expected = n * args.clients
    delivered = sum(s["delivered"] for s in samples) + late
    growth = last["rss"] - first["rss"]
    minutes = max(last["minute"] - first["minute"], 1e-9)
    print()
    harness.print_machine(load_start)
    print(
        f"run: {args.minutes:g} min, {args.clients} clients, {args.rate:g} messages/s "
        f"({n} messages, {expected} deliveries expected), one gunicorn gthread process, "
        "PostgreSQL, Redis"
    )
    print(
        f"delivered {delivered}/{expected}, acked {acked['ok']}, failed {acked['failed']}, "
        f"server alive {alive}"
    )
    print(f"baseline (first sample): RSS {first['rss']:.1f} MiB, p99 {first['p99']:.1f} ms")
    print(f"last sample: RSS {last['rss']:.1f} MiB, p99 {last['p99']:.1f} ms")
    print(f"RSS growth after the first sample {growth:+.1f} MiB ({growth / minutes:+.2f} MiB/min)")
    ratio_rss = last["rss"] / first["rss"]
    met = ratio_rss <= 1 + GROWTH_AIM and delivered == expected and alive
    print(
        f"   ratio last/first: RSS {ratio_rss:.3f}, p99 {last['p99'] / first['p99']:.2f}x; "
        f"aim no growth (within {GROWTH_AIM:.0%}), all delivered: {'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
