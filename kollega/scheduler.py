"""Scheduled jobs: a registry each feature adds its jobs to, and the processes that run them.

A feature registers a job in its ``jobs.py`` with ``@scheduler.job(id, **cron)``;
``create_app`` imports every feature's ``jobs.py`` (``feature_modules("jobs")``), so
the core names no feature. A job runs in a fresh app context as one unit of work
(``kollega.uow.unit_of_work``): committed when it returns, rolled back and logged when it
raises, retried at its next run. A job that does several independent things (the annual
cycle's due actions) opens a ``unit_of_work()`` per thing, so one failure loses no other.

The jobs run either embedded (a ``BackgroundScheduler`` in the serving process, started
once, for ``kollega run``) or in the one ``kollega scheduler`` process of a site
(a ``BlockingScheduler``), never in each web process.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask

from kollega.extensions import db
from kollega.uow import unit_of_work

log = logging.getLogger(__name__)

Action = TypeVar("Action", bound=Callable[[], Any])


@dataclass(frozen=True)
class Job:
    """A registered job: its APScheduler id, what it does, and when (cron fields)."""

    id: str
    action: Callable[[], Any]
    cron: dict[str, Any] = field(default_factory=dict)
    misfire_grace_time: int = 60
    at_start: bool = False  # also once when a scheduler starts (catching up downtime)


_registry: dict[str, Job] = {}
_lock = threading.Lock()
_embedded: Any = None


def job(
    job_id: str, *, misfire_grace_time: int = 60, at_start: bool = False, **cron: Any
) -> Callable[[Action], Action]:
    """Register the decorated zero-argument function as a scheduled job that runs on the
    APScheduler ``cron`` fields given (``second=3``; ``hour=2, minute=17``), in UTC.
    Registering the same id again replaces the job (a module imported twice)."""

    def register(action: Action) -> Action:
        _registry[job_id] = Job(job_id, action, dict(cron), misfire_grace_time, at_start)
        return action

    return register


def jobs() -> list[Job]:
    """Every registered job, in the order registered."""
    return list(_registry.values())


def run(app: Flask, job_id: str) -> None:
    """One run of a job: a fresh app context, one unit of work; a failure is logged and
    the next run tries again."""
    entry = _registry[job_id]
    with app.app_context():
        try:
            with unit_of_work():
                entry.action()
        except Exception:
            log.exception("scheduler: %s failed; will retry at the next run", job_id)
        finally:
            db.session.close()


def intervals(setting: str) -> dict[str, int]:
    """The jobs ``SCHEDULER_EVERY_SECONDS`` ("job.id=seconds,...") puts on an interval,
    with their seconds; a ``ValueError`` for an unknown job or a bad number of seconds."""
    every: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in setting.split(","))):
        job_id, _, seconds = part.partition("=")
        job_id = job_id.strip()
        if job_id not in _registry:
            raise ValueError(f"SCHEDULER_EVERY_SECONDS: no job {job_id!r}")
        every[job_id] = int(seconds)
        if every[job_id] < 1:
            raise ValueError(f"SCHEDULER_EVERY_SECONDS: {part!r} is not a positive interval")
    return every


def add_jobs(scheduler: Any, app: Flask) -> None:
    """Add every registered job to an APScheduler scheduler: one instance at a time,
    runs missed during downtime coalesced into one. A job named in
    ``SCHEDULER_EVERY_SECONDS`` runs every so many seconds instead of on its cron fields."""
    every = intervals(str(app.config.get("SCHEDULER_EVERY_SECONDS") or ""))
    for entry in jobs():
        if entry.id in every:
            trigger, fields = "interval", {"seconds": every[entry.id]}
        else:
            trigger, fields = "cron", entry.cron
        scheduler.add_job(
            run,
            trigger,
            id=entry.id,
            args=[app, entry.id],
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=entry.misfire_grace_time,
            **fields,
        )


def _add_startup_runs(scheduler: Any, app: Flask) -> None:
    # Catch up at once rather than waiting for the first scheduled time.
    for entry in jobs():
        if entry.at_start:
            # No grace limit: APScheduler's default (1 s) let a busy start-up skip the
            # catch-up runs it was meant to make ("was missed by 0:00:02").
            scheduler.add_job(
                run,
                args=[app, entry.id],
                id=entry.id + ".startup",
                replace_existing=True,
                misfire_grace_time=None,
            )


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
        add_jobs(scheduler, app)
        scheduler.start()
        _add_startup_runs(scheduler, app)
        _embedded = scheduler
        return scheduler


def stop_embedded() -> None:
    global _embedded
    with _lock:
        if _embedded is not None:
            _embedded.shutdown(wait=False)
            _embedded = None


def run_blocking(app: Flask) -> None:
    """The ``kollega scheduler`` process: every job on its schedule until interrupted
    (the caller has run the start-up catch-up itself)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, app)
    scheduler.start()
