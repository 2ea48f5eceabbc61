"""Seeding the demo municipality at scale (``kollega seed demo --employees N``): wall time,
peak memory and rows, against a small seed in the same run.

    .venv/bin/python benchmarks/seed.py [--employees 6500] [--backend sqlite|postgresql]
        [--baseline 1000] [--keep-instance DIR | --keep-database NAME]

Each seed runs the real commands as child processes, ``kollega db upgrade`` and then
``kollega seed demo --employees N``, on a fresh SQLite file or a fresh PostgreSQL
database; the wall time and the peak RSS (``ru_maxrss`` from ``wait4``) are of the seed
command alone. Afterwards the rows (people, assessments, messages, attendances) and the
database size are read. The baseline is the same for ``--baseline`` employees in the same
run; the ratio is the time per employee at N over the time per employee at the baseline
(1.0: seeding scales linearly).

``--keep-instance DIR`` (SQLite) or ``--keep-database NAME`` (PostgreSQL) keeps the big
database for benchmarks/gaps.py and benchmarks/metrics.py (``--instance DIR``, or
``KOLLEGA_DATABASE_URL``); an existing one with people is not seeded again.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness  # noqa: E402

KOLLEGA = str(harness.BIN / "kollega")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=6500)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--baseline", type=int, default=1000)
    parser.add_argument("--keep-instance", default="", help="SQLite: keep the database here")
    parser.add_argument("--keep-database", default="", help="PostgreSQL: keep it by this name")
    args = parser.parse_args(argv)
    if not 40 <= args.baseline <= args.employees <= 50_000:
        parser.error("40 <= --baseline <= --employees <= 50000")
    return args


@contextlib.contextmanager
def database(backend: str, keep: str) -> Iterator[tuple[str, Path]]:
    """(database URL, instance folder) for one seed; kept when ``keep`` names it."""
    folder = Path(tempfile.mkdtemp(prefix="kollega-seed-"))
    try:
        if backend == "sqlite":
            instance = Path(keep) if keep else folder
            instance.mkdir(parents=True, exist_ok=True)
            yield f"sqlite:///{instance / 'kollega.db'}", instance
        elif keep:
            yield keep_pg(keep), folder
        else:
            with harness.pg_database("kollega_seed") as url:
                yield url, folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def keep_pg(name: str) -> str:
    import psycopg

    with psycopg.connect(harness.PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{harness.PG_ADMIN.rsplit('/', 1)[0]}/{name}"


def counts(url: str) -> dict[str, Any]:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in ("people", "competence_assessments", "messages", "cycle_attendance"):
            try:
                out[table] = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            except sa.exc.DBAPIError:
                conn.rollback()
                out[table] = "?"
        if engine.dialect.name == "postgresql":
            size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
        else:
            size = Path(url.removeprefix("sqlite:///")).stat().st_size
    engine.dispose()
    out["size_mib"] = (size or 0) / 1024 / 1024
    return out


def seed(employees: int, backend: str, keep: str) -> dict[str, Any]:
    """Upgrade and seed one database; time and peak RSS of the seed command."""
    with database(backend, keep) as (url, instance):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KOLLEGA_")},
            "KOLLEGA_DATABASE_URL": url,
            "KOLLEGA_INSTANCE_PATH": str(instance),
            "KOLLEGA_SCHEDULER_ENABLED": "0",
        }
        subprocess.run([KOLLEGA, "db", "upgrade"], env=env, check=True, capture_output=True)
        before = counts(url)
        if before["people"] not in (0, "?"):
            return {**before, "employees": employees, "seconds": None, "peak_mib": None}
        started = time.perf_counter()
        with open(instance / "seed.log", "wb") as log:
            proc = subprocess.Popen(
                [KOLLEGA, "seed", "demo", "--employees", str(employees)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit((instance / "seed.log").read_text()[-3000:])
        built = [ln for ln in (instance / "seed.log").read_text().splitlines() if "built in" in ln]
        return {
            **counts(url),
            "employees": employees,
            "seconds": seconds,
            "built": built[-1].strip() if built else "",
            "peak_mib": usage.ru_maxrss / 1024,
        }


def line(name: str, row: dict[str, Any]) -> str:
    if row["seconds"] is None:
        return f"{name:>10}: already seeded ({row['people']} people), not timed"
    return (
        f"{name:>10}: {row['employees']} employees seeded in {row['seconds']:.1f} s "
        f"({row['seconds'] / row['employees'] * 1000:.2f} ms per employee), peak RSS "
        f"{row['peak_mib']:.0f} MiB; {row['people']} people, {row['competence_assessments']} "
        f"assessments, {row['messages']} messages, {row['cycle_attendance']} attendances, "
        f"{row['size_mib']:.0f} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.backend == "postgresql":
        harness.require_services()
    load_start = harness.loadavg()
    base = seed(args.baseline, args.backend, "")
    keep = args.keep_instance if args.backend == "sqlite" else args.keep_database
    big = seed(args.employees, args.backend, keep)
    print()
    harness.print_machine(load_start)
    print(f"run: kollega seed demo on {args.backend} (fresh database each), child processes")
    print(line("at N", big))
    print(line("baseline", base))
    if big["seconds"] is None:
        return 0
    per = (big["seconds"] / big["employees"]) / (base["seconds"] / base["employees"])
    print(
        f"   ratio: time per employee N/baseline {per:.2f}x, peak RSS "
        f"{big['peak_mib'] / base['peak_mib']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
