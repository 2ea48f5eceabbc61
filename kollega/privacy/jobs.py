"""The retention job: once a day (and at start), apply the retention rules.

An edge: it calls ``retention.apply_retention``, commits, and only then closes the
sockets of the people it deactivated or erased. Idempotent: a second run the same day
finds nothing to do. Registered on the same scheduler as the annual cycle's job
(``kollega.cycle.jobs.add_job`` adds every feature's ``add_job``), so it runs embedded
or in the one ``kollega scheduler`` process, never in each web process.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import Flask

from kollega.auth.sockets import disconnect_person
from kollega.extensions import db
from kollega.privacy import retention

JOB_ID = "kollega.privacy.retention"
log = logging.getLogger(__name__)


def run_retention(now: dt.datetime | None = None) -> retention.RetentionResult:
    """Apply retention, commit, then close the affected people's sockets. Needs an app
    context. On failure nothing is kept and the next run tries again."""
    try:
        result = retention.apply_retention(now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for person_id in [*result.deactivated, *result.erased]:
        try:
            disconnect_person(person_id)
        except Exception:
            log.exception("privacy: closing the sockets of %s failed", person_id)
    if result.messages_deleted or result.deactivated or result.erased:
        log.info(
            "privacy: retention deleted %d messages, deactivated %d and erased %d accounts",
            result.messages_deleted,
            len(result.deactivated),
            len(result.erased),
        )
    return result


def tick(app: Flask) -> None:
    """The job's body: one pass in a fresh app context."""
    with app.app_context():
        try:
            run_retention()
        except Exception:
            log.exception("privacy: retention failed; will retry at the next run")
        finally:
            db.session.close()


def add_job(scheduler: Any, app: Flask) -> None:
    """Daily at 02:17 UTC (a quiet hour), one instance, coalesced after downtime."""
    scheduler.add_job(
        tick,
        "cron",
        hour=2,
        minute=17,
        id=JOB_ID,
        args=[app],
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=6 * 3600,
    )
