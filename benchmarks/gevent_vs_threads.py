"""gevent against threads: the chat fan-out of benchmarks/chat_fanout.py in production mode
under gunicorn's gthread worker (the baseline: what gunicorn.conf.py runs) and under its
gevent worker (Flask-SocketIO's gevent mode with simple-websocket), in the same run.

    .venv/bin/python benchmarks/gevent_vs_threads.py [--clients 500] [--rate 10]
        [--seconds 10] [--rounds 1]

Each round runs ``chat_fanout.py --server gthread`` and then ``--server gevent`` as child
processes (each with its own fresh PostgreSQL database, Redis and its own bare server
baseline) and reads kollega's line from each. With ``--rounds`` above 1 they alternate
and the best round of each counts (least disturbed by other work on the machine).
Reports deliveries per second, p50 and p99 for both and the ratios gevent/gthread.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import harness  # noqa: E402

FIGURES = (
    r": delivered (\d+)/(\d+).*?([\d.]+) deliveries/s, p50 ([\d.]+) ms, p99 ([\d.]+) ms"
    r"(?:, server CPU ([\d.]+) ms per send)?"
)
LINE = re.compile("kollega" + FIGURES)
BARE = re.compile("bare" + FIGURES)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 2000 or not 1 <= args.rounds <= 5:
        parser.error("--clients 1..2000 and --rounds 1..5")
    return args


def run(worker: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(HERE / "chat_fanout.py"),
        "--server",
        worker,
        "--clients",
        str(args.clients),
        "--rate",
        str(args.rate),
        "--seconds",
        str(args.seconds),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    out = done.stdout + done.stderr[-2000:]
    kol, bare = LINE.search(out), BARE.search(out)
    if done.returncode != 0 or kol is None or bare is None:
        raise SystemExit(f"{worker} run failed ({done.returncode}):\n{out[-3000:]}")

    def row(m: re.Match[str]) -> dict[str, float]:
        return {
            "delivered": float(m.group(1)),
            "expected": float(m.group(2)),
            "rate": float(m.group(3)),
            "p50": float(m.group(4)),
            "p99": float(m.group(5)),
            "cpu": float(m.group(6) or "nan"),  # server CPU ms per send
        }

    return {"kollega": row(kol), "bare": row(bare)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_start = harness.loadavg()
    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.rounds):
        for worker in ("gthread", "gevent"):
            print(f"[gevent_vs_threads] {worker} ...", file=sys.stderr, flush=True)
            result = run(worker, args)
            if worker not in best or result["kollega"]["p99"] < best[worker]["kollega"]["p99"]:
                best[worker] = result
    print()
    harness.print_machine(load_start)
    print(
        f"run: chat fan-out, {args.clients} clients, {args.rate:g} messages/s for "
        f"{args.seconds:g} s, production mode (PostgreSQL, Redis), best of {args.rounds}"
    )
    for worker in ("gthread", "gevent"):
        for who in ("kollega", "bare"):
            r = best[worker][who]
            print(
                f"{worker:>8} {who:>7}: delivered {r['delivered']:.0f}/{r['expected']:.0f}, "
                f"{r['rate']:.0f} deliveries/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
                f"server CPU {r['cpu']:.2f} ms per send"
            )
    g, t = best["gevent"]["kollega"], best["gthread"]["kollega"]
    print(
        f"   ratio gevent/gthread (baseline gthread), kollega: deliveries/s "
        f"{g['rate'] / t['rate']:.2f}, p50 {g['p50'] / t['p50']:.2f}x, p99 {g['p99'] / t['p99']:.2f}x, "
        f"server CPU per send {g['cpu'] / t['cpu']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
