"""Gap module speed on the demo municipality, each step against a bare read in the same run.

    .venv/bin/python benchmarks/gaps.py [--employees 6500] [--repeat 5] [--instance DIR]

Builds the demo (``kollega seed demo`` with 18 months of assessment history) in a fresh
SQLite database under ``--instance`` unless one with people exists there
(``KOLLEGA_DATABASE_URL`` points it at PostgreSQL instead), then times, as the median
of ``--repeat`` runs, each in a fresh request context (no cache carried over):

- the municipality heatmap (sub-units x competences),
- one unit's heatmap (the largest unit, people x competences),
- the 12-month gap closure of the municipality,
- one person's suggestions,

each against its baseline: one bare ``SELECT`` of the same rows (the group's people's
assessments up to the date, and the requirements) read into pandas, in the same run
(the DBAPI's tuples straight into ``DataFrame.from_records``: building the frame from
SQLAlchemy result rows instead took two thirds of the bare read's time). On PostgreSQL
the tables are analysed first (the benchmark server runs without autovacuum).
Aims (issue 5): heatmap within 1 s, a person's suggestions within 200 ms, no step over
1.5x its bare read. Prints figures, ratios and the machine.
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

    from kollega.competence.models import Assessment, Requirement
    from kollega.extensions import db
    from kollega.gaps import queries, services, suggestions
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
        sizes = db.session.execute(
            sa.select(OrgUnit, sa.func.count(Person.id))
            .join(Person, Person.unit_id == OrgUnit.id)
            .where(OrgUnit.kind == "unit")
            .group_by(OrgUnit.id)
            .order_by(sa.func.count(Person.id).desc())
            .limit(1)
        ).first()
        assert hr is not None and root is not None and sizes is not None
        unit = sizes[0]
        employee = db.session.scalar(
            sa.select(Person).where(Person.email.like("ansatt@%")).limit(1)
        ) or db.session.scalar(sa.select(Person).where(Person.unit_id == unit.id).limit(1))
        assert employee is not None
        today = services.today()
        year_ago = today - dt.timedelta(days=365)
        n_people = db.session.scalar(sa.select(sa.func.count(Person.id))) or 0
        n_assess = db.session.scalar(sa.select(sa.func.count(Assessment.id))) or 0

        def bare(group: OrgUnit | None, person: Person | None = None) -> Callable[[], Any]:
            """One bare SELECT of the group's assessments and the requirements."""

            def run() -> None:
                if person is not None:
                    who = sa.select(sa.literal(person.id))
                else:
                    assert group is not None
                    who = queries.subtree_people_stmt(group)
                stmt = sa.select(
                    Assessment.person_id,
                    Assessment.competence_id,
                    Assessment.level,
                    Assessment.source,
                    Assessment.assessed_on,
                ).where(Assessment.person_id.in_(who), Assessment.assessed_on <= today)
                with db.engine.connect() as conn:
                    harness.bare_frame(conn, stmt)
                    harness.bare_frame(conn, sa.select(Requirement.__table__))

            return run

        steps = [
            (
                "municipality heatmap",
                lambda: services.heatmap(hr, root, today, "units"),
                bare(root),
                1.0,
            ),
            (
                f"unit heatmap ({unit.code}, {sizes[1]} people)",
                lambda: services.heatmap(hr, unit, today, "people"),
                bare(unit),
                1.0,
            ),
            (
                "12-month closure, municipality",
                lambda: services.unit_closure(hr, root, year_ago, today),
                bare(root),
                None,
            ),
            (
                "one person's suggestions",
                lambda: suggestions.for_person(employee, employee),
                bare(None, employee),
                0.2,
            ),
        ]
        backend = db.engine.dialect.name
        print(f"machine: {harness.machine()}, {backend}")
        print(f"data: {n_people} people, {n_assess} assessments; median of {args.repeat} runs\n")
        print(f"load average at the start: {harness.loadavg()}")
        print(
            f"{'step':42} {'time':>9} {'bare read':>10} {'ratio':>6} {'CPU':>9} {'bare CPU':>9} "
            f"{'ratio':>6}  aim (on wall time)"
        )
        ok = True
        for name, fn, baseline, aim in steps:
            fn()  # warm up (imports, statement caches)
            took, took_cpu = harness.median_seconds(fn, args.repeat, app)
            base, base_cpu = harness.median_seconds(baseline, args.repeat, app)
            ratio = took / base if base else float("inf")
            ratio_cpu = took_cpu / base_cpu if base_cpu else float("inf")
            meets = ratio <= 1.5 and (aim is None or took <= aim)
            ok = ok and meets
            aim_text = f"<= {aim * 1000:.0f} ms and " if aim else ""
            print(
                f"{name:42} {took * 1000:7.0f} ms {base * 1000:7.0f} ms {ratio:6.2f} "
                f"{took_cpu * 1000:6.0f} ms {base_cpu * 1000:6.0f} ms {ratio_cpu:6.2f}  "
                f"{aim_text}<= 1.5x: {'met' if meets else 'NOT met'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
