"""``make bench``: run every benchmark script in benchmarks/ and gather one Markdown table.

    .venv/bin/python -m benchmarks.run [--quick] [--only NAME] [--timeout SECONDS]

Each benchmark is a script run as its own process (localhost only, bounded in count and
time); it prints its figures against a baseline measured in the same run and the ratio.
This runner collects, per run, the command, the exit status, the wall time and the
figure lines of its output (those with a ratio, a baseline or an aim) into one table,
printed after the machine (nproc, CPU model, memory) and the load average at start and
end. ``--quick`` runs small sizes for a first look; the full run uses the sizes of
issue 11 (6,500 and 50,000 employees, 1,000 and 2,000 sockets).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable

# (name, script, arguments) for the full and the quick run.
FULL = [
    ("gaps 6,500", "gaps.py", ["--employees", "6500", "--repeat", "5"]),
    (
        "gaps 50,000",
        "gaps.py",
        ["--employees", "50000", "--repeat", "3", "--instance", "/tmp/kollega-bench-50k"],
    ),
    ("dashboard 6,500", "metrics.py", ["--employees", "6500", "--repeat", "5"]),
    (
        "dashboard 50,000",
        "metrics.py",
        ["--employees", "50000", "--repeat", "3", "--instance", "/tmp/kollega-bench-50k"],
    ),
    ("chat fan-out 1,000 sockets", "chat_fanout.py", ["--clients", "1000", "--rate", "10"]),
    ("chat fan-out 2,000 sockets", "chat_fanout.py", ["--clients", "2000", "--rate", "5"]),
]
QUICK = [
    (
        "gaps 1,200 (quick)",
        "gaps.py",
        ["--employees", "1200", "--repeat", "1", "--instance", "/tmp/kollega-bench-quick"],
    ),
    (
        "dashboard 1,200 (quick)",
        "metrics.py",
        ["--employees", "1200", "--repeat", "1", "--instance", "/tmp/kollega-bench-quick"],
    ),
    (
        "chat fan-out 200 sockets (quick)",
        "chat_fanout.py",
        ["--clients", "200", "--rate", "10", "--seconds", "5"],
    ),
]
FIGURE = re.compile(r"(ratio|baseline|bare|aim|×|\bx\b|p99|p50|median|ms\b|\bs\b)", re.I)


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc), {cpu}, {mem} memory, Python {platform.python_version()}"


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def figures(output: str, limit: int = 14) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip() and FIGURE.search(ln)]
    lines = [ln for ln in lines if not ln.lower().startswith(("machine", "load"))]
    return "<br>".join(ln.replace("|", "\\|") for ln in lines[-limit:]) or "(no figures)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a short run")
    parser.add_argument("--only", default="", help="run the benchmarks whose name has this")
    parser.add_argument("--timeout", type=float, default=0, help="seconds per benchmark")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    plan = [p for p in plan if args.only.lower() in p[0].lower()]
    timeout = args.timeout or (600 if args.quick else 3600)
    started_load = load()
    rows = []
    for name, script, extra in plan:
        path = HERE / script
        if not path.exists():
            rows.append((name, script, "missing", "", "(script not in this checkout)"))
            continue
        cmd = [PY, str(path), *extra]
        print(f"[bench] {name}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        try:
            done = subprocess.run(
                cmd, cwd=HERE.parent, capture_output=True, text=True, timeout=timeout
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
        rows.append((name, " ".join([f"benchmarks/{script}", *extra]), status, took, figures(out)))
    print(f"Machine: {machine()}")
    print(f"Load average at start: {started_load}; at end: {load()}")
    print(f"Command: {PY} -m benchmarks.run{' --quick' if args.quick else ''}")
    print()
    print("| benchmark | command | exit | wall s | figures (against the same-run baseline) |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0 if all(r[2] == "0" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
