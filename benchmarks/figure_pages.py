"""The figure pages' speed (issue 21): whole pages through the Flask test client, each
against a bare read of the same rows in the same run.

    KOLLEGA_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_figs \\
    .venv/bin/python benchmarks/figure_pages.py [--employees 6500] [--repeat 5] \\
        [--instance DIR] [--profile PAGE] [--only PAGE,...] [--cold]
        [--after assessment|join]

Builds the demo (``kollega seed demo``) in the database unless it has people already
(``KOLLEGA_DATABASE_URL`` points it at PostgreSQL; the issue's aims are on PostgreSQL),
signs in through the login form as HR (and as the leader of the unit for the unit
pages), then times, as the median of ``--repeat`` GETs after one warm-up GET:

- ``muni-gaps``: the municipality's gap page (HR),
- ``unit-gaps``: the gap page of the unit with the most people in its subtree (its leader),
- ``muni-metrics``: the municipality's metrics page, default period (HR),
- ``unit-metrics``: that unit's metrics page (its leader),
- ``plan``: the plan page of the demo plan with the most measures (HR, who may manage it,
  so the page carries its forms and pickers),

each against its baseline, timed the same way in the same run: one bare ``SELECT`` per
table of the rows the page is made of (for gap pages the subtree's assessments up to
today and the requirements; for metrics pages the memberships, messages, reactions,
attendances and reflections of the subtree's people in the period, then the
assessments and requirements; for the plan the subtree's people and assessments and
the plan's own rows), the DBAPI's tuples straight into pandas. On PostgreSQL the
tables are analysed first (the benchmark server runs without autovacuum).

Aims (issue 21, at 6,500 employees on PostgreSQL): a unit gap page and a unit metrics
page <= 300 ms, the municipality gap and metrics pages <= 1 s, the plan page <= 300 ms;
at 50,000 (``--employees 50000``) the municipality pages <= 3 s. The aims are printed
beside the figures (wall time; the CPU time of this process is printed too, the steadier
figure on a shared machine). ``--profile PAGE`` prints cProfile's top functions of one
GET of that page (pyinstrument's tree when it is installed).

The pages keep what they worked out (gap frames, the metrics' closure and disclosure
audit, plan analyses) per process, keyed on their inputs, so a GET after the warm-up is
a view of unchanged data; the disclosure audits are also stored in the database for
every process (``metrics.stored_audits``), worked out ahead by the scheduler's job.
Two ways to time the first view after a change:

- ``--after assessment``: a new self-assessment in the page's unit, committed before
  each GET (untimed): the gap frames, closures and plan analyses are worked out again
  in the GET, as after any saved assessment, import or form. ``--after join``: a new
  network member instead: the period's disclosure audit is worked out in the GET too,
  as in the minute before the job has stored it.
- ``--cold``: everything the process keeps emptied before each GET, as in a new worker
  process (the stored audits are read from the database).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402

PAGES = ("muni-gaps", "unit-gaps", "muni-metrics", "unit-metrics", "plan")
DEMO_PASSWORD = "kollega-demo-2021"


COLD = [False]
CHANGES = ("assessment", "join")
AFTER: list[str | None] = [None]


def _forget() -> None:
    """Empty what the process keeps between requests (gap frames, the metrics' closure
    and disclosure audits, plan analyses): the next GET is a first view after a change."""
    from kollega.gaps import kept_reads
    from kollega.gaps import queries as gap_queries
    from kollega.metrics import closure as metrics_closure
    from kollega.metrics import kept as metrics_kept
    from kollega.metrics import services as metrics_services
    from kollega.plans import overview

    gap_queries._KEPT.clear()
    kept_reads._KEPT.clear()
    metrics_kept.KEPT.clear()
    metrics_services._AUDITS.clear()
    metrics_closure._ENDS.clear()
    metrics_closure._NETWORKS.clear()
    metrics_services._MONTH_AUDITS.clear()
    overview._KEPT.clear()
    overview._STAFFING.clear()


def _own_options() -> tuple[str | None, set[str]]:
    """``--profile PAGE`` and ``--only A,B``, taken off argv before the harness parses it."""
    profile, only = None, set(PAGES)
    argv = sys.argv[1:]
    rest = []
    i = 0
    while i < len(argv):
        if argv[i] == "--cold":
            COLD[0] = True
            i += 1
            continue
        if argv[i] == "--after" and i + 1 < len(argv):
            if argv[i + 1] not in CHANGES:
                raise SystemExit(f"--after: one of {', '.join(CHANGES)}")
            AFTER[0] = argv[i + 1]
            i += 2
            continue
        if argv[i] in ("--profile", "--only") and i + 1 < len(argv):
            if argv[i] == "--profile":
                profile = argv[i + 1]
            else:
                only = {p.strip() for p in argv[i + 1].split(",") if p.strip()}
            i += 2
            continue
        rest.append(argv[i])
        i += 1
    sys.argv[1:] = rest
    for name in ({profile} if profile else set()) | only:
        if name not in PAGES:
            raise SystemExit(f"unknown page {name!r}; one of {', '.join(PAGES)}")
    return profile, only


def _aims(employees: int) -> dict[str, float | None]:
    if employees >= 50_000:
        return {"muni-gaps": 3.0, "muni-metrics": 3.0}
    return {
        "muni-gaps": 1.0,
        "unit-gaps": 0.3,
        "muni-metrics": 1.0,
        "unit-metrics": 0.3,
        "plan": 0.3,
    }


def _timed(
    fn: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None
) -> tuple[float, float]:
    """Median wall and CPU seconds of ``repeat`` calls after one warm-up call; ``before``
    (a change, ``--after``) runs untimed before each."""
    if before is not None:
        before()
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _client(app: Any, email: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as {email}: {response.status_code}")
    return client


def _change(app: Any, unit_code: str) -> Callable[[], None]:
    """A real change in the unit's subtree, committed as a request would (``--after``):
    a new self-assessment (gap frames, closures and plan analyses are worked out again;
    the disclosure audit is not about assessments) or a new member of a network (the
    period's audit too, as in the minute before the scheduler's job has stored it)."""
    import datetime as dt
    import random

    import sqlalchemy as sa

    from kollega import clock
    from kollega.competence.models import Assessment, Competence
    from kollega.extensions import db
    from kollega.gaps.queries import subtree_people_stmt
    from kollega.networks.models import Network, NetworkMember
    from kollega.org.models import OrgUnit

    pick = random.Random(21)

    def run() -> None:
        with app.app_context():
            unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == unit_code))
            people = db.session.scalars(subtree_people_stmt(unit)).all()
            person = pick.choice(people)
            if AFTER[0] == "assessment":
                competences = db.session.scalars(sa.select(Competence.id)).all()
                db.session.add(
                    Assessment(
                        person_id=person,
                        competence_id=pick.choice(competences),
                        level=pick.randint(1, 4),
                        source="self",
                        assessed_on=clock.today(),
                    )
                )
            else:
                inside = sa.select(NetworkMember.network_id).where(
                    NetworkMember.person_id == person
                )
                network = db.session.scalar(
                    sa.select(Network.id)
                    .where(Network.status == "active", Network.id.not_in(inside))
                    .order_by(Network.id)
                    .limit(1)
                )
                now = clock.now() - dt.timedelta(minutes=1)
                db.session.add(
                    NetworkMember(
                        network_id=network, person_id=person, state="active", joined_at=now
                    )
                )
            db.session.commit()

    return run


def _get(client: Any, url: str) -> Callable[[], Any]:
    def run() -> None:
        if COLD[0]:
            _forget()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}\n{response.data[:800]!r}")

    return run


def _profile(fn: Callable[[], Any], before: Callable[[], None] | None = None) -> None:
    """One GET's profile after a warm-up GET; ``before`` (``--after``) runs untimed first."""
    fn()  # warm up
    if before is not None:
        before()
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        # CPU time, not wall: on a machine shared with other work it shows this process.
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        fn()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(80)
        return
    profiler = Profiler(interval=0.001)
    profiler.start()
    fn()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def _subjects(db: Any, sa: Any) -> dict[str, Any]:
    """The HR account, the municipality, the largest unit and its leader, the plan."""
    from kollega.org.models import OrgUnit, Person, PersonRole, UnitLeader
    from kollega.plans.models import Measure, Plan

    hr = db.session.scalar(
        sa.select(Person)
        .join(PersonRole)
        .where(PersonRole.role == "hr", Person.email.like("hr@%"))
        .limit(1)
    )
    root = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    assert hr is not None and root is not None
    units = list(db.session.scalars(sa.select(OrgUnit).where(OrgUnit.kind == "unit")))
    people_units = db.session.execute(
        sa.select(OrgUnit.path, sa.func.count(Person.id))
        .join(Person, Person.unit_id == OrgUnit.id)
        .where(Person.active.is_(True))
        .group_by(OrgUnit.path)
    ).all()
    size = {u.id: sum(n for path, n in people_units if path.startswith(u.path)) for u in units}
    unit = max(units, key=lambda u: (size[u.id], -u.id))
    leader = db.session.scalar(
        sa.select(Person)
        .join(UnitLeader, UnitLeader.person_id == Person.id)
        .where(UnitLeader.unit_id == unit.id)
        .limit(1)
    )
    assert leader is not None, f"unit {unit.code} has no leader"
    plan = db.session.scalar(
        sa.select(Plan)
        .outerjoin(Measure, Measure.plan_id == Plan.id)
        .group_by(Plan.id)
        .order_by(sa.func.count(Measure.id).desc(), Plan.id)
        .limit(1)
    )
    assert plan is not None, "the demo has no plan"
    return {
        "hr": hr,
        "root": root,
        "unit": unit,
        "unit_people": size[unit.id],
        "leader": leader,
        "plan": plan,
    }


def _bare_reads(db: Any, sa: Any, s: dict[str, Any]) -> dict[str, Callable[[], None]]:
    """The baselines: one bare SELECT per table of each page's rows."""
    from kollega import clock
    from kollega.competence.models import Assessment, Requirement
    from kollega.gaps.queries import subtree_people_stmt
    from kollega.metrics import services as metrics
    from kollega.org.models import Person
    from kollega.plans import models as plan_models

    today = clock.today()
    p = metrics.period(None, None)
    start, end = p.start_utc, p.end_utc

    def levels(unit: Any) -> list[Any]:
        who = subtree_people_stmt(unit)
        return [
            sa.select(
                Assessment.person_id,
                Assessment.competence_id,
                Assessment.level,
                Assessment.source,
                Assessment.assessed_on,
            ).where(Assessment.person_id.in_(who), Assessment.assessed_on <= today),
            sa.select(Requirement.__table__),
        ]

    def participation(unit: Any) -> list[Any]:
        return harness.participation_reads(subtree_people_stmt(unit), start, end)

    plan = s["plan"]
    plan_unit = plan.unit
    plan_rows = [
        sa.select(
            Person.id, Person.name, Person.employee_no, Person.unit_id, Person.job_code
        ).where(Person.id.in_(subtree_people_stmt(plan_unit))),
        *levels(plan_unit),
        *(
            sa.select(model.__table__).where(model.__table__.c.plan_id == plan.id)
            for model in (
                plan_models.PlanStep,
                plan_models.DemandDriver,
                plan_models.Measure,
                plan_models.Scenario,
            )
        ),
    ]

    def read(stmts: list[Any]) -> Callable[[], None]:
        def run() -> None:
            with db.engine.connect() as conn:
                for stmt in stmts:
                    harness.bare_frame(conn, stmt)

        return run

    return {
        "muni-gaps": read(levels(s["root"])),
        "unit-gaps": read(levels(s["unit"])),
        "muni-metrics": read(participation(s["root"]) + levels(s["root"])),
        "unit-metrics": read(participation(s["unit"]) + levels(s["unit"])),
        "plan": read(plan_rows),
    }


def main() -> int:
    profile, only = _own_options()
    load_at_start = harness.loadavg()
    app, args = harness.demo_app(__doc__)
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    import sqlalchemy as sa

    from kollega.extensions import db
    from kollega.org.models import Person

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # The benchmark server runs without autovacuum: without this the planner has
            # no statistics for freshly seeded tables (production's autovacuum has them).
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        s = _subjects(db, sa)
        bare = _bare_reads(db, sa, s)
        backend = db.engine.dialect.name
        n_people = db.session.scalar(sa.select(sa.func.count(Person.id))) or 0
        hr_email, leader_email = s["hr"].email, s["leader"].email
        root_code, unit_code, plan_id = s["root"].code, s["unit"].code, s["plan"].id
        unit_people, plan_unit = s["unit_people"], s["plan"].unit.code

    hr = _client(app, hr_email)
    leader = _client(app, leader_email)
    pages = {
        "muni-gaps": (hr, f"/gaps/units/{root_code}"),
        "unit-gaps": (leader, f"/gaps/units/{unit_code}"),
        "muni-metrics": (hr, f"/metrics/units/{root_code}"),
        "unit-metrics": (leader, f"/metrics/units/{unit_code}"),
        "plan": (hr, f"/plans/{plan_id}"),
    }
    if profile:
        client, url = pages[profile]
        print(f"profile of GET {url}" + (f" after a new {AFTER[0]}" if AFTER[0] else ""))
        unit_of = {"plan": plan_unit, "muni-gaps": root_code, "muni-metrics": root_code}
        change = _change(app, unit_of.get(profile, unit_code)) if AFTER[0] else None
        _profile(_get(client, url), change)
        return 0

    aims = _aims(args.employees)
    print(f"machine: {harness.machine()}, {backend}")
    print(
        f"data: {n_people} people; unit {unit_code} ({unit_people} people in its subtree); "
        f"plan {plan_id} of {plan_unit}; median of {args.repeat} runs after a warm-up"
        + (" (--cold: nothing kept in the process between GETs)" if COLD[0] else "")
        + (f" (--after {AFTER[0]}: a new one, committed, before each GET)" if AFTER[0] else "")
    )
    print(f"load average at the start: {load_at_start}")
    print(
        f"{'page':14} {'GET':>9} {'CPU':>9} {'bare read':>10} {'ratio':>6}  {'url':34} aim (wall)"
    )
    ok = True
    for name in PAGES:
        if name not in only:
            continue
        client, url = pages[name]
        unit_code_of = {"plan": plan_unit, "muni-gaps": root_code, "muni-metrics": root_code}
        change = _change(app, unit_code_of.get(name, unit_code)) if AFTER[0] else None
        took, took_cpu = _timed(_get(client, url), args.repeat, change)
        with app.app_context():
            base, _base_cpu = _timed(bare[name], args.repeat)
        aim = aims.get(name)
        meets = aim is None or took <= aim
        ok = ok and meets
        aim_text = (
            "-" if aim is None else f"<= {aim * 1000:.0f} ms: {'met' if meets else 'NOT met'}"
        )
        print(
            f"{name:14} {took * 1000:6.0f} ms {took_cpu * 1000:6.0f} ms {base * 1000:7.0f} ms "
            f"{took / base if base else float('inf'):6.1f}  {url:34} {aim_text}"
        )
    print(f"load average at the end: {harness.loadavg()}  ({dt.datetime.now(dt.UTC):%H:%M} UTC)")
    # What the process keeps (gap frames, metrics' closure, plan analyses) shows here.
    print(
        f"peak RSS of this process: {harness.rss_kib(os.getpid()) // 1024} MiB now, "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB at most"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
