"""The annual cycle's scheduled job: every minute, do what is due.

Registered on the app's scheduler (``kollega.scheduler``), which runs it embedded or in
the one ``kollega scheduler`` process. Each due action is its own unit of work: the
dispatch use case queues its notices and mails, and they go out when that action commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError

from kollega import scheduler
from kollega.cycle import digest, dispatch
from kollega.cycle.models import SchedulerHeartbeat
from kollega.db import now_utc
from kollega.extensions import db
from kollega.uow import unit_of_work

JOB_ID = "kollega.cycle.dispatch_due"
HEARTBEAT = "scheduler"
log = logging.getLogger(__name__)


@scheduler.job(JOB_ID, second=3, misfire_grace_time=55, at_start=True)
def run_due(now: dt.datetime | None = None) -> int:
    """Do everything due at ``now`` (default: the current time); the number of
    actions this call did. Each action commits on its own; an action another
    scheduler did first is skipped. Needs an app context."""
    now = now or now_utc()
    catch_up = dt.timedelta(hours=float(current_app.config.get("CYCLE_CATCH_UP_HOURS", 48)))
    try:
        actions = dispatch.due_actions(now, catch_up)
    finally:
        db.session.rollback()
    done = sum(_do(action, now) for action in actions)
    send_digests(now)
    beat(now, done)
    return done


def _do(action: dispatch.DueAction, now: dt.datetime) -> bool:
    """One due action as one unit of work; whether it was done now."""
    try:
        with unit_of_work():
            dispatch.perform(action, now)
    except IntegrityError:
        db.session.rollback()  # another scheduler did it first
        return False
    except OperationalError:
        db.session.rollback()  # locked or gone: it stays due and is retried
        log.warning("cycle: could not do %s now; will retry", action.key, exc_info=True)
        return False
    except Exception:
        db.session.rollback()
        log.exception("cycle: %s failed; will retry", action.key)
        return False
    return True


def send_digests(now: dt.datetime, batches: int = 5) -> int:
    """A few batches of the e-mail digests due at ``now``; the number of mails claimed
    (each goes out after its batch commits)."""
    sent = 0
    for period, choice in digest.due_periods(now):
        for _batch in range(batches):
            try:
                sent += digest.run_period(period, choice, now)
            except OperationalError:
                db.session.rollback()
                break
            run = db.session.get(digest.DigestRun, period)
            if run is None or run.done:
                break
    return sent


def beat(now: dt.datetime, dispatched: int) -> None:
    """Record that the scheduler ran (for operators and the admin page)."""
    for _attempt in range(2):
        try:
            with unit_of_work():
                row = db.session.get(SchedulerHeartbeat, HEARTBEAT)
                if row is None:
                    row = SchedulerHeartbeat(name=HEARTBEAT, beat_at=now, pid=os.getpid())
                    db.session.add(row)
                row.beat_at, row.pid = now, os.getpid()
                row.dispatched = (row.dispatched or 0) + dispatched
                db.session.flush()
            return
        except (IntegrityError, OperationalError):
            db.session.rollback()


@scheduler.job("kollega.cycle.fixed_periods", hour=1, minute=7, at_start=True)
def fill_fixed_periods() -> int:
    """Make this year's and next year's events of HR's fixed periods (once a day, and
    when a scheduler starts); two schedulers at once: the second fails on the key."""
    from kollega.cycle import periods

    try:
        with unit_of_work():
            return len(periods.fill_current_years())
    except IntegrityError:
        db.session.rollback()
        return 0
