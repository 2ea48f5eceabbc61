"""``make bench``: run every benchmark script in benchmarks/ and gather one Markdown table.

    .venv/bin/python -m benchmarks.run [--plan full|standard|quick|smoke] [--only NAME]
        [--timeout SECONDS] [--soak-minutes M] [--output FILE]
    make bench [BENCH_PLAN=standard|full|quick|smoke] [BENCH_QUICK=1]

Each benchmark is a script run as its own process (localhost only, bounded in count and
time); it prints its figures against a baseline measured in the same run and the ratio.
This runner collects, per run, the command, the exit status, the wall time and the
figure lines of its output (those with a ratio, a baseline or an aim) into one table,
printed after the machine (nproc, CPU model, memory) and the load average at start and
end. Exit 1 of a benchmark means it ran and its aim was not met (each prints which).

Plans (``--plan``, or ``BENCH_PLAN``; ``--quick``/``BENCH_QUICK=1`` is ``--plan quick``):

- ``standard`` (the default): every item issue 11 lists, without the seed timings and the
  gevent comparison, and issue 19's four real-time scenarios (benchmarks/realtime.py, the
  real Socket.IO client in Node; they replace chat_fanout.py's 1,000 and 2,000-socket
  runs here): about 32 minutes on 2 quiet cores when the 6,500 and 50,000 demos are kept
  (measured 2026-11-22: 17:57-18:29 UTC with the 10-minute soak, benchmarks/RESULTS.md,
  before the fan-out runs were replaced), plus an estimated 12-20 minutes for the four
  scenarios.
- ``full``: the sizes of issue 11: gaps and dashboard at 6,500 and 50,000
  employees on SQLite and PostgreSQL, the 50,000 seed timings, chat fan-out at 1,000 and
  2,000 sockets in one gunicorn process and across two behind nginx (chat_fanout.py's
  Python client), issue 19's scenarios (a)-(d) with the real client, gevent against
  threads, thread page against bare SQL, the stop burst for 6,500, memory per idle
  socket, a 10-minute soak. About 90 minutes on 2 quiet cores (estimate, 75-100).
- ``quick``: small sizes for a first look (about 5 minutes on a quiet machine).
- ``smoke``: every run of the full plan at tiny sizes, to prove each starts, measures and
  reports (about 8 minutes, on a loaded machine).

The full and standard plans use the 50,000 demo kept in /tmp/kollega-bench-50k and the
PostgreSQL database kollega_bench_50k; where it is missing the first gap benchmark at
50,000 builds it (about 6 minutes on SQLite and 12 on PostgreSQL, once). The
production-mode benchmarks need PostgreSQL and Redis (benchmarks/harness.py), wrk
(``apt-get install wrk``) and, for the two-process fan-out, nginx (``apt-get install
nginx``).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
sys.path.insert(0, str(HERE.parent))

from benchmarks import harness  # noqa: E402

# (name, script, arguments, environment) for the full and the quick run. "pg:NAME" in the
# environment stands for a kept PostgreSQL database of that name (created when missing;
# the benchmark seeds it when it has no people), so the 50,000 demo is built once.
PG6 = {"KOLLEGA_DATABASE_URL": "pg:kollega_bench_6500"}
PG50 = {"KOLLEGA_DATABASE_URL": "pg:kollega_bench_50k"}
SQLITE6 = ["--instance", "/tmp/kollega-bench-6500"]
SQLITE50 = ["--instance", "/tmp/kollega-bench-50k"]
Plan = list[tuple[str, str, list[str], dict[str, str]]]


def full_plan(soak_minutes: float) -> Plan:
    return [
        ("gaps 6,500 SQLite", "gaps.py", ["--employees", "6500", "--repeat", "5", *SQLITE6], {}),
        ("gaps 6,500 PostgreSQL", "gaps.py", ["--employees", "6500", "--repeat", "5"], PG6),
        ("gaps 50,000 SQLite", "gaps.py", ["--employees", "50000", "--repeat", "3", *SQLITE50], {}),
        ("gaps 50,000 PostgreSQL", "gaps.py", ["--employees", "50000", "--repeat", "3"], PG50),
        (
            "dashboard 6,500 SQLite",
            "metrics.py",
            ["--employees", "6500", "--repeat", "5", *SQLITE6],
            {},
        ),
        ("dashboard 6,500 PostgreSQL", "metrics.py", ["--employees", "6500", "--repeat", "5"], PG6),
        (
            "dashboard 50,000 SQLite",
            "metrics.py",
            ["--employees", "50000", "--repeat", "3", *SQLITE50],
            {},
        ),
        (
            "dashboard 50,000 PostgreSQL",
            "metrics.py",
            ["--employees", "50000", "--repeat", "3"],
            PG50,
        ),
        ("seed 50,000 SQLite", "seed.py", ["--employees", "50000", "--backend", "sqlite"], {}),
        (
            "seed 50,000 PostgreSQL",
            "seed.py",
            ["--employees", "50000", "--backend", "postgresql"],
            {},
        ),
        (
            "chat fan-out 1,000 sockets, gthread",
            "chat_fanout.py",
            ["--server", "gthread", "--clients", "1000", "--rate", "10"],
            {},
        ),
        (
            "chat fan-out 2,000 sockets, gthread",
            "chat_fanout.py",
            ["--server", "gthread", "--clients", "2000", "--rate", "5"],
            {},
        ),
        (
            "chat fan-out 1,000 sockets, two processes behind nginx",
            "chat_fanout.py",
            ["--server", "nginx2", "--clients", "1000", "--rate", "10"],
            {},
        ),
        (
            "chat fan-out 2,000 sockets, two processes behind nginx",
            "chat_fanout.py",
            ["--server", "nginx2", "--clients", "2000", "--rate", "5"],
            {},
        ),
        (
            "gevent vs threads, 1,000 sockets",
            "gevent_vs_threads.py",
            ["--clients", "1000", "--rate", "10", "--rounds", "2"],
            {},
        ),
        # Issue 19's scenarios with the real client (socket.io-client in Node), against
        # the bare server under the same server model (gunicorn.conf.py's default, or
        # KOLLEGA_WORKER_CLASS).
        ("real time (a) stress: 2,000 sockets, one thread", "realtime.py", ["--scenario", "a"], {}),
        (
            "real time (b) municipal peak: 2,000 sockets, 100+ threads, pages",
            "realtime.py",
            ["--scenario", "b"],
            {},
        ),
        ("real time (c) reconnect storm: 2,000 sockets", "realtime.py", ["--scenario", "c"], {}),
        (
            "real time (d) two processes behind nginx: (a) and (b)",
            "realtime.py",
            ["--scenario", "d"],
            {},
        ),
        ("thread page vs bare SQL", "thread_page.py", ["--seconds", "15", "--rounds", "3"], {}),
        (
            "stop opens for 6,500 (1,000 sockets)",
            "stop_burst.py",
            ["--members", "6500", "--sockets", "1000"],
            {},
        ),
        ("idle socket memory, gthread", "idle_memory.py", ["--sockets", "1000"], {}),
        (
            "idle socket memory, gevent",
            "idle_memory.py",
            ["--sockets", "1000", "--worker", "gevent"],
            {},
        ),
        (f"soak {soak_minutes:g} min", "soak.py", ["--minutes", f"{soak_minutes:g}"], {}),
    ]


def quick_plan(soak_minutes: float) -> Plan:
    quick = ["--instance", "/tmp/kollega-bench-quick"]
    return [
        ("gaps 1,200 (quick)", "gaps.py", ["--employees", "1200", "--repeat", "1", *quick], {}),
        (
            "dashboard 1,200 (quick)",
            "metrics.py",
            ["--employees", "1200", "--repeat", "1", *quick],
            {},
        ),
        (
            "seed 1,200 SQLite (quick)",
            "seed.py",
            ["--employees", "1200", "--baseline", "200"],
            {},
        ),
        (
            "chat fan-out 200 sockets, dev server (quick)",
            "chat_fanout.py",
            ["--clients", "200", "--rate", "10", "--seconds", "5"],
            {},
        ),
        (
            "gevent vs threads, 200 sockets (quick)",
            "gevent_vs_threads.py",
            ["--clients", "200", "--rate", "10", "--seconds", "5"],
            {},
        ),
        (
            "thread page vs bare SQL (quick)",
            "thread_page.py",
            ["--seconds", "5", "--rounds", "1"],
            {},
        ),
        (
            "stop opens for 6,500 (200 sockets, quick)",
            "stop_burst.py",
            ["--members", "6500", "--sockets", "200"],
            {},
        ),
        ("idle socket memory, gthread (quick)", "idle_memory.py", ["--sockets", "200"], {}),
        (
            "idle socket memory, gevent (quick)",
            "idle_memory.py",
            ["--sockets", "200", "--worker", "gevent"],
            {},
        ),
        (
            f"soak {soak_minutes:g} min (quick)",
            "soak.py",
            ["--minutes", f"{soak_minutes:g}", "--sample", "15"],
            {},
        ),
    ]


def standard_plan(soak_minutes: float) -> Plan:
    """Every item of issue 11 in about an hour on 2 quiet cores (when the 50,000 demo is
    already built and kept): the full plan without the two 50,000 seed timings (about
    15 minutes; not among the issue's items) and the gevent-vs-threads comparison (about
    17 minutes; the worker choice it informed is made), the fan-out sending for 5 s."""
    plan: Plan = []
    for name, script, argv, env in full_plan(soak_minutes):
        # The fan-out at 1,000-2,000 sockets is issue 19's scenarios (realtime.py, the real
        # client); chat_fanout.py's thread-per-socket Python client stays in the full plan
        # for the comparisons it was made for.
        if script in ("seed.py", "gevent_vs_threads.py", "chat_fanout.py"):
            continue
        plan.append((name, script, argv, env))
    return plan


# The smoke plan: every run of the full plan with tiny sizes and short times, to prove
# that each script starts, measures and reports (a few minutes, no 50,000 seed, no soak of
# 10 minutes). Derived from full_plan, so it names exactly the full plan's scripts and
# options; only the sizes differ.
SMOKE_SIZES = {
    "--employees": "400",
    "--repeat": "1",
    "--clients": "20",
    "--sockets": "20",
    "--members": "400",
    "--seconds": "3",
    "--rounds": "1",
    "--minutes": "0.5",
}
SMOKE_SQLITE = "/tmp/kollega-bench-smoke"
SMOKE_PG = "pg:kollega_bench_smoke"


def smoke_plan(soak_minutes: float) -> Plan:
    plan: Plan = []
    for name, script, argv, env in full_plan(soak_minutes):
        out = list(argv)
        for i, arg in enumerate(out[:-1]):
            if arg in SMOKE_SIZES:
                out[i + 1] = SMOKE_SIZES[arg]
            elif arg == "--instance":
                out[i + 1] = SMOKE_SQLITE
        if script == "seed.py":
            out += ["--baseline", "100"]
        if script == "soak.py":
            out += ["--sample", "10"]
        if script in ("chat_fanout.py", "gevent_vs_threads.py") and "--seconds" not in out:
            out += ["--seconds", "3"]
        if script == "realtime.py":
            out += ["--sockets", "40", "--seconds", "3", "--page-rate", "5"]
        smoke_env = {k: SMOKE_PG if v.startswith("pg:") else v for k, v in env.items()}
        plan.append((f"{name} (smoke)", script, out, smoke_env))
    return plan


def environment(extra: dict[str, str]) -> dict[str, str]:
    """The benchmark's environment; ``pg:NAME`` becomes that kept database's URL."""
    env = dict(os.environ)
    for key, value in extra.items():
        if value.startswith("pg:"):
            from benchmarks.seed import keep_pg

            value = keep_pg(value[3:])
        env[key] = value
    return env


PLANS = {"full": full_plan, "standard": standard_plan, "quick": quick_plan, "smoke": smoke_plan}
DEFAULT_PLAN = "standard"

FIGURE = re.compile(r"(ratio|baseline|bare|aim|×|\bx\b|p99|p50|median|ms\b|\bs\b)", re.I)


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def figures(output: str, limit: int = 14) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip() and FIGURE.search(ln)]
    lines = [
        ln
        for ln in lines
        if not ln.lower().startswith(("machine", "load", "[", "setting up", "connecting"))
    ]
    return "<br>".join(ln.replace("|", "\\|") for ln in lines[-limit:]) or "(no figures)"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
        help="small sizes, a short run (also BENCH_QUICK=1, e.g. `make bench BENCH_QUICK=1`)",
    )
    parser.add_argument(
        "--plan",
        choices=sorted(PLANS),
        default=os.environ.get("BENCH_PLAN", ""),
        help="full: everything at the issue's sizes; standard: every item of issue 11 in "
        "about an hour; quick: small sizes; smoke: the full plan's runs at tiny sizes "
        "(also BENCH_PLAN=..., e.g. `make bench BENCH_PLAN=standard`)",
    )
    parser.add_argument("--only", default="", help="run the benchmarks whose name has this")
    parser.add_argument("--timeout", type=float, default=0, help="seconds per benchmark")
    parser.add_argument(
        "--soak-minutes", type=float, default=0, help="the soak's length (10, quick: 1)"
    )
    parser.add_argument("--output", default="", help="also write the Markdown to this file")
    args = parser.parse_args(argv)
    if not args.plan:
        args.plan = "quick" if args.quick else DEFAULT_PLAN
    args.quick = args.plan == "quick"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    soak = args.soak_minutes or (1.0 if args.quick else 10.0)
    plan = PLANS[args.plan](soak)
    plan = [p for p in plan if args.only.lower() in p[0].lower()]
    timeout = args.timeout or (900 if args.plan in ("quick", "smoke") else 5400)
    started_load = load()
    started_uptime = uptime()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = []
    for name, script, extra, env in plan:
        path = HERE / script
        if not path.exists():
            rows.append((name, script, "missing", "", "(script not in this checkout)"))
            continue
        cmd = [PY, str(path), *extra]
        shown = " ".join([*(f"{k}={v}" for k, v in env.items()), f"benchmarks/{script}", *extra])
        print(f"[bench] {name}: {shown}", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        try:
            done = subprocess.run(
                cmd,
                cwd=HERE.parent,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=environment(env),
            )
            status, out = str(done.returncode), done.stdout + done.stderr[-2000:]
        except subprocess.TimeoutExpired as exc:
            status = f"timeout {timeout:.0f}s"
            out = (
                (exc.stdout or b"").decode(errors="replace")
                if isinstance(exc.stdout, bytes)
                else (exc.stdout or "")
            )
        took = f"{time.monotonic() - t0:.0f}"
        sys.stderr.write(out[-3000:] + "\n")
        rows.append((name, shown, status, took, figures(out)))
    command = f"{Path(PY).relative_to(HERE.parent) if Path(PY).is_relative_to(HERE.parent) else PY}"
    flags = f" --plan {args.plan}" + (f" --only {shlex.quote(args.only)}" if args.only else "")
    lines = [
        f"Machine: {harness.machine()}",
        "",
        f"Started {started}; load average at start: {started_load}; at end: {load()}",
        "",
        f"`uptime` at start: {started_uptime}; at end: {uptime()}",
        "",
        f"Command: `{command} -m benchmarks.run{flags}`",
        "",
        "| benchmark | command | exit | wall s | figures (against the same-run baseline) |",
        "|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    print("\n".join(lines))
    if args.output:
        Path(args.output).write_text("\n".join(lines) + "\n")
    return 0 if all(r[2] == "0" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
