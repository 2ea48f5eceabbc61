"""The scheduler's job: every due thing done exactly once, whatever the clock does."""

from __future__ import annotations

import collections
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from kollega.cycle import jobs
from kollega.cycle.models import Attendance, Dispatch
from kollega.extensions import db
from tests.cycle.helpers import make_event, utc


def dispatched():  # type: ignore[no-untyped-def]
    rows = db.session.execute(
        sa.select(Dispatch.event_id, Dispatch.occurrence_start, Dispatch.action)
    ).all()
    db.session.rollback()
    return collections.Counter((r[1], r[2]) for r in rows)


@pytest.fixture
def stop(org):  # type: ignore[no-untyped-def]
    # Every second Tuesday at 09:00 Oslo (08:00Z in winter), three months, two reminders.
    return make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Læringsstopp",
        starts_at="2027-01-05T09:00",
        ends_at="2027-01-05T10:00",
        rrule="FREQ=WEEKLY;INTERVAL=2;UNTIL=20270331",
        reminders=[60, 1440],
        created_at=utc(2026, 12, 1),
    )


def run_clock(start: dt.datetime, end: dt.datetime, step: dt.timedelta, skip=None):  # type: ignore[no-untyped-def]
    t = start
    while t <= end:
        if skip is None or not (skip[0] <= t < skip[1]):
            jobs.run_due(t)
        t += step


def test_same_minute_twice_dispatches_once(app, stop):
    at = utc(2027, 1, 4, 8, 0)  # exactly 24 h before the first occurrence
    assert jobs.run_due(at) == 1
    assert jobs.run_due(at) == 0
    assert dispatched() == {(utc(2027, 1, 5, 8), "remind:1440"): 1}


OCCURRENCES = [utc(2027, 1, 5, 8) + dt.timedelta(weeks=2 * i) for i in range(7)]
# The scheduler is stopped 07:00-08:00 on the second occurrence's day (missing its
# 60-minute reminder time and its opening).
DOWN = (utc(2027, 1, 19, 6, 50), utc(2027, 1, 19, 8, 20))


def clock() -> list[dt.datetime]:
    """The minutes the scheduler runs over the three months (around each occurrence only,
    to keep the test quick: steps around the day-before reminder, then from two hours
    before to after), with the hour it is down left out."""
    start, end = utc(2027, 1, 4, 6), utc(2027, 4, 1)
    times = set()
    for o in OCCURRENCES:
        times |= {
            o - dt.timedelta(hours=24, minutes=10) + dt.timedelta(minutes=10 * i) for i in range(3)
        }
        times |= {o - dt.timedelta(hours=2) + dt.timedelta(minutes=20 * i) for i in range(12)}
    return [t for t in sorted(times) if start <= t <= end and not (DOWN[0] <= t < DOWN[1])]


def assert_each_action_once() -> None:
    counts = dispatched()
    expected_actions = {"remind:1440", "remind:60", "open", "close"}
    assert set(counts.values()) == {1}
    by_occ = collections.defaultdict(set)
    for (occ, action), _n in counts.items():
        by_occ[occ].add(action)
    # The last occurrence (30 March, summer time: 07:00Z) is in the window too.
    assert sorted(by_occ) == sorted(
        o if o < utc(2027, 3, 28) else o - dt.timedelta(hours=1) for o in OCCURRENCES
    )
    assert all(actions == expected_actions for actions in by_occ.values())


def test_three_months_with_two_schedulers_at_once(app, backend, stop):
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers; the concurrent case is a PostgreSQL one")
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def scheduler() -> None:
        try:
            with app.app_context():
                barrier.wait()
                results.append(sum(jobs.run_due(t) for t in clock()))
                db.session.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors
    assert sum(results) == 7 * 4
    assert_each_action_once()


def test_three_months_each_action_once_with_an_hour_down(app, stop):
    for t in clock():
        jobs.run_due(t)
    assert_each_action_once()
    # The missed reminder went out late, once, during catch-up (before the stop ended).
    late = db.session.scalar(
        sa.select(Dispatch).where(
            Dispatch.occurrence_start == utc(2027, 1, 19, 8), Dispatch.action == "remind:60"
        )
    )
    assert late.due_at == utc(2027, 1, 19, 7) and late.done_at == utc(2027, 1, 19, 8, 20)


def test_downtime_of_an_hour_catches_up_once(app, stop):
    occ = utc(2027, 1, 5, 8)
    jobs.run_due(occ - dt.timedelta(hours=2))  # nothing due yet except... the 24 h reminder
    assert dispatched() == {(occ, "remind:1440"): 1}
    # Down from 2 h before until an hour after the start: reminder and opening are late.
    assert jobs.run_due(occ + dt.timedelta(minutes=30)) == 2
    assert jobs.run_due(occ + dt.timedelta(minutes=31)) == 0
    assert jobs.run_due(occ + dt.timedelta(hours=1)) == 1  # close
    assert dispatched() == {
        (occ, "remind:1440"): 1,
        (occ, "remind:60"): 1,
        (occ, "open"): 1,
        (occ, "close"): 1,
    }


def test_opening_invites_the_units_subtree(app, org, stop):
    occ = utc(2027, 1, 5, 8)
    jobs.run_due(occ)
    invited = set(
        db.session.scalars(
            sa.select(Attendance.person_id).where(Attendance.occurrence_start == occ)
        )
    )
    assert {org.employee.id, org.colleague.id, org.employee_a1.id, org.leader.id} == invited


def test_events_planned_after_the_fact_are_not_replayed(app, org):
    make_event(
        org.leader,
        unit="A1",
        kind="learning_stop",
        title="Old",
        starts_at="2027-01-05T09:00",
        ends_at="2027-01-05T10:00",
        reminders=[60],
        created_at=utc(2027, 1, 6),
    )
    assert jobs.run_due(utc(2027, 1, 6, 0, 5)) == 0


def test_two_schedulers_at_once_never_duplicate(app, backend, org, stop):
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers; the concurrent case is a PostgreSQL one")
    occ = utc(2027, 1, 5, 8)
    for i in range(4):
        make_event(
            org.leader,
            unit="A1",
            kind="evaluation_stop",
            title=f"Stopp {i}",
            starts_at="2027-01-05T09:00",
            ends_at="2027-01-05T11:00",
            reminders=[60, 1440],
            created_at=utc(2026, 12, 1),
        )
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                barrier.wait()
                results.append(jobs.run_due(occ + dt.timedelta(minutes=30)))
                db.session.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    # Per event remind:60 (the latest reminder due: calm reminders drop the missed day
    # before) and open are due: done once between the two.
    assert sum(results) == 10
    rows = db.session.execute(
        sa.select(Dispatch.event_id, Dispatch.occurrence_start, Dispatch.action)
    ).all()
    assert len(rows) == len(set(rows)) == 10


def test_network_stop_opens_a_learning_stop_thread_and_posts_the_summary(app, org):
    from kollega.networks.members import join_network
    from kollega.networks.models import Message, Thread
    from kollega.networks.networks import create_network

    network = create_network(org.leader, "Lesing", "", visibility="open")
    join_network(org.colleague, network.id)
    db.session.commit()
    event = make_event(
        org.leader,  # the creator facilitates
        network=network.id,
        kind="evaluation_stop",
        title="Evalueringsstopp",
        starts_at="2027-02-02T13:00",
        ends_at="2027-02-02T14:00",
        competences=["digcomp-2.2:4.2"],
        created_at=utc(2027, 1, 1),
    )
    start = utc(2027, 2, 2, 12)
    assert jobs.run_due(start) == 1
    thread = db.session.scalar(sa.select(Thread).where(Thread.network_id == network.id))
    assert thread.kind == "learning_stop" and thread.title == "Evalueringsstopp"
    first = db.session.scalar(sa.select(Message).where(Message.thread_id == thread.id))
    assert "Reaction" in first.body or "Reaksjon" in first.body
    from kollega.cycle import attendance

    db.session.add(
        attendance.save_reflection(org.colleague, event, start, ["Nyttig", "Mye"], now=start)
    )
    db.session.commit()
    assert jobs.run_due(utc(2027, 2, 2, 13)) == 1
    bodies = list(db.session.scalars(sa.select(Message.body).where(Message.thread_id == thread.id)))
    assert len(bodies) == 2 and "Nyttig" in bodies[1]
    closed = db.session.scalar(sa.select(Dispatch).where(Dispatch.action == "close"))
    assert closed.summary["reflections"] == 1 and closed.thread_id == thread.id
