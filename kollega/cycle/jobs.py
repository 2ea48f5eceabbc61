"""The annual cycle's scheduled job: one fixed-id job, every minute, does what is due.

It is an edge: it calls the dispatch use cases, commits each action on its own, and
publishes only after the commit. Run it embedded (a ``BackgroundScheduler`` in the
serving process, started once) or as ``kollega scheduler`` (a ``BlockingScheduler``
in its own process that emits through Redis).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from typing import Any

from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError, OperationalError

from kollega.cycle import digest, dispatch, mail
from kollega.cycle.models import SchedulerHeartbeat
from kollega.db import now_utc
from kollega.extensions import db
from kollega.realtime import publish

JOB_ID = "kollega.cycle.dispatch_due"
HEARTBEAT = "scheduler"
log = logging.getLogger(__name__)

_lock = threading.Lock()
_embedded: Any = None


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
    done = 0
    for action in actions:
        try:
            _record, outcome = dispatch.perform(action, now)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another scheduler did it first
            continue
        except OperationalError:
            db.session.rollback()  # locked or gone: it stays due and is retried
            log.warning("cycle: could not do %s now; will retry", action.key, exc_info=True)
            continue
        except Exception:
            db.session.rollback()
            log.exception("cycle: %s failed; will retry", action.key)
            continue
        done += 1
        deliver(outcome)
    send_digests(now)
    beat(now, done)
    return done


def send_digests(now: dt.datetime, batches: int = 5) -> int:
    """A few batches of the e-mail digests due at ``now``; mails go out after commit."""
    sent = 0
    for period, choice in digest.due_periods(now):
        for _batch in range(batches):
            try:
                mails = digest.run_period(period, choice, now)
            except OperationalError:
                db.session.rollback()
                break
            for item in mails:
                try:
                    mail.send(item.to, item.subject, item.text)
                    sent += 1
                except Exception:
                    log.exception("cycle: digest to %s failed", item.to)
            run = db.session.get(digest.DigestRun, period)
            if run is None or run.done:
                break
    return sent


def deliver(outcome: dispatch.Outcome) -> None:
    """After commit: sockets first, then e-mail (a failing mail server loses no state)."""
    for rooms, event, payload in _batched(outcome.messages):
        try:
            publish(rooms, event, payload)
        except Exception:
            log.exception("cycle: publishing %s to %s failed", event, rooms[:3])
    for to, subject, text in outcome.emails:
        try:
            mail.send(to, subject, text)
        except Exception:
            log.exception("cycle: mail to %s failed", to)


def _batched(
    messages: list[tuple[str, str, dict[str, Any]]],
) -> list[tuple[list[str], str, dict[str, Any]]]:
    """Runs of the same event and payload to different rooms joined into one send, in
    their order (a stop opening sends the same notice to every member's room)."""
    out: list[tuple[list[str], str, dict[str, Any]]] = []
    for room, event, payload in messages:
        if out and out[-1][1] == event and out[-1][2] == payload:
            out[-1][0].append(room)
        else:
            out.append(([room], event, payload))
    return out


def beat(now: dt.datetime, dispatched: int) -> None:
    """Record that the scheduler ran (for operators and the admin page)."""
    for _attempt in range(2):
        try:
            row = db.session.get(SchedulerHeartbeat, HEARTBEAT)
            if row is None:
                row = SchedulerHeartbeat(name=HEARTBEAT, beat_at=now, pid=os.getpid())
                db.session.add(row)
            row.beat_at, row.pid = now, os.getpid()
            row.dispatched = (row.dispatched or 0) + dispatched
            db.session.commit()
            return
        except (IntegrityError, OperationalError):
            db.session.rollback()


def tick(app: Flask) -> None:
    """The job's body: one pass in a fresh app context."""
    with app.app_context():
        try:
            run_due()
        finally:
            db.session.close()


def add_job(scheduler: Any, app: Flask) -> None:
    scheduler.add_job(
        tick,
        "cron",
        second=3,
        id=JOB_ID,
        args=[app],
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=55,
    )
    # Other features' scheduled jobs (e.g. privacy's retention) run on the same scheduler.
    from kollega import feature_modules

    for module in feature_modules("jobs"):
        if module.__name__ != __name__ and hasattr(module, "add_job"):
            module.add_job(scheduler, app)


def start_embedded(app: Flask) -> Any:
    """Start the in-process scheduler once per process (never under a reloader's
    watcher process, never twice). Returns the scheduler, or None when not started."""
    global _embedded
    if not app.config.get("SCHEDULER_ENABLED", True):
        return None
    # Under Werkzeug's reloader the watching parent has WERKZEUG_RUN_MAIN unset and
    # only the child serving requests has it "true"; the child is the one to run it.
    if os.environ.get("WERKZEUG_RUN_MAIN") not in (None, "true"):
        return None
    with _lock:
        if _embedded is not None:
            return _embedded
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
        add_job(scheduler, app)
        scheduler.start()
        # Catch up at once rather than waiting for the first minute.
        scheduler.add_job(tick, args=[app], id=JOB_ID + ".startup", replace_existing=True)
        _embedded = scheduler
        return scheduler


def stop_embedded() -> None:
    global _embedded
    with _lock:
        if _embedded is not None:
            _embedded.shutdown(wait=False)
            _embedded = None
