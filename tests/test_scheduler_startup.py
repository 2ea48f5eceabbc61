"""The scheduler's catch-up runs at start (``at_start`` jobs) are made however busy the
start-up is: APScheduler's default grace of one second used to skip them ("was missed
by 0:00:02") on a loaded machine."""

from __future__ import annotations

import time

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler

from kollega import scheduler


def test_start_up_runs_are_made_however_late_the_scheduler_starts(app):
    expected = sorted(entry.id + ".startup" for entry in scheduler.jobs() if entry.at_start)
    assert expected, "some jobs catch up at start"
    plan = BackgroundScheduler(timezone="UTC")
    scheduler._add_startup_runs(plan, app)
    ran: list[str] = []
    missed: list[str] = []

    def heard(event) -> None:  # type: ignore[no-untyped-def]
        (missed if event.code == EVENT_JOB_MISSED else ran).append(event.job_id)

    plan.add_listener(heard, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    time.sleep(2.5)  # a busy start-up: the runs' time has passed when the scheduler starts
    plan.start()
    try:
        deadline = time.monotonic() + 120
        while len(ran) + len(missed) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        plan.shutdown(wait=True)
    assert missed == []
    assert sorted(ran) == expected
