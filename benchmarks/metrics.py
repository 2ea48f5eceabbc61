"""HR metrics speed on the demo municipality, against a bare read in the same run.

    .venv/bin/python benchmarks/metrics.py [--employees 6500] [--repeat 5] [--instance DIR]

Builds the demo (``kollega seed demo``: networks with a year of threads, reactions,
annual-cycle stops with attendance and reflections, 18 months of assessments) in a
fresh SQLite database under ``--instance`` unless one with people exists there
(``KOLLEGA_DATABASE_URL`` points it at PostgreSQL instead), then times, as the median of
``--repeat`` runs, each in a fresh request context (no cache carried over):

- the municipality's participation dashboard for the last 18 months: the summary, month
  by month, by unit and by network (the frames are read once per request, as the page
  does);
- the municipality's gap closure over the last 12 months (total, by focus area, by unit,
  month by month, network members against others);
- the same closure with nothing kept from an earlier run (``metrics.kept`` emptied
  first: the first request of a period in a process; the step above is the kept
  figures with their inputs read and compared, as every later request);
- the whole dashboard page's services together;

each against its baseline: one bare ``SELECT`` of the same rows read into pandas (for
participation the memberships, messages, reactions, attendances and reflections of
the municipality's people in the period; for closure their assessments and the
requirements; for the dashboard both), the DBAPI's tuples straight into pandas. On
PostgreSQL the tables are analysed first (the benchmark server runs without
autovacuum). Aim (issue 7): the dashboard within 1 s. Prints figures,
ratios and the machine.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402


def main() -> int:
    app, args = harness.demo_app(__doc__)
    import sqlalchemy as sa

    from kollega import clock
    from kollega.cycle.models import Attendance, Reflection
    from kollega.extensions import db
    from kollega.gaps.queries import subtree_people_stmt
    from kollega.metrics import closure as metrics_closure
    from kollega.metrics import kept, services
    from kollega.networks.models import Message, NetworkMember, Reaction
    from kollega.org.models import OrgUnit, Person, PersonRole

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # The benchmark server runs without autovacuum: without this the planner has
            # no statistics for freshly seeded tables (production's autovacuum has them).
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        hr = db.session.scalar(
            sa.select(Person).join(PersonRole).where(PersonRole.role == "hr").limit(1)
        )
        root = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        assert hr is not None and root is not None
        today = clock.today()
        p18 = services.period(today - dt.timedelta(days=548), today)
        p12 = services.period(today - dt.timedelta(days=365), today)
        counts = {
            name: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for name, model in (
                ("people", Person),
                ("memberships", NetworkMember),
                ("messages", Message),
                ("reactions", Reaction),
                ("attendances", Attendance),
                ("reflections", Reflection),
            )
        }

        def bare(p: services.Period) -> Callable[[], Any]:
            """One bare SELECT per table of the rows participation is made of."""

            def run() -> None:
                who = subtree_people_stmt(root)
                s, e = p.start_utc, p.end_utc
                stmts = harness.participation_reads(who, s, e)
                with db.engine.connect() as conn:
                    for stmt in stmts:
                        harness.bare_frame(conn, stmt)

            return run

        def bare_levels() -> None:
            """One bare SELECT of the municipality's assessments up to today and the
            requirements: the rows closure is made of."""
            from kollega.competence.models import Assessment, Requirement

            stmt = sa.select(
                Assessment.person_id,
                Assessment.competence_id,
                Assessment.level,
                Assessment.source,
                Assessment.assessed_on,
            ).where(Assessment.person_id.in_(subtree_people_stmt(root)))
            with db.engine.connect() as conn:
                harness.bare_frame(conn, stmt)
                harness.bare_frame(conn, sa.select(Requirement.__table__))

        def bare_dashboard() -> None:
            bare(p18)()
            bare_levels()

        def participation() -> None:
            services.participation(hr, root, p18)
            services.participation_by_month(hr, root, p18)
            services.participation_by_unit(hr, root, p18)
            services.participation_by_network(hr, root, p18)

        def closure_anew() -> None:
            kept.KEPT.clear()
            metrics_closure.closure(hr, root, p12)

        def dashboard() -> None:
            participation()
            metrics_closure.closure(hr, root, p12)

        steps = [
            ("participation, 18 months, municipality", participation, bare(p18)),
            (
                "gap closure, 12 months, municipality",
                lambda: metrics_closure.closure(hr, root, p12),
                bare_levels,
            ),
            ("gap closure, 12 months, nothing kept", closure_anew, bare_levels),
            ("the whole dashboard", dashboard, bare_dashboard),
        ]
        print(f"machine: {harness.machine()}, {db.engine.dialect.name}")
        print("data: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
        print(f"median of {args.repeat} runs\n")
        print(f"load average at the start: {harness.loadavg()}")
        print(
            f"{'step':42} {'time':>9} {'bare read':>10} {'ratio':>6} {'CPU':>9} {'bare CPU':>9} "
            f"{'ratio':>6}"
        )
        ok = True
        for name, fn, baseline in steps:
            with app.app_context(), app.test_request_context("/"):
                fn()  # warm up (imports, statement caches)
            took, took_cpu = harness.median_seconds(fn, args.repeat, app)
            base, base_cpu = harness.median_seconds(baseline, args.repeat, app)
            ratio = took / base if base else float("inf")
            ratio_cpu = took_cpu / base_cpu if base_cpu else float("inf")
            print(
                f"{name:42} {took * 1000:7.0f} ms {base * 1000:7.0f} ms {ratio:6.2f} "
                f"{took_cpu * 1000:6.0f} ms {base_cpu * 1000:6.0f} ms {ratio_cpu:6.2f}"
            )
            if name == "the whole dashboard":
                ok = took <= 1.0
                print(
                    f"\naim: the dashboard within 1 s (wall): {'met' if ok else 'NOT met'}; "
                    f"CPU {took_cpu:.2f} s"
                )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
