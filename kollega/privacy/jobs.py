"""The retention job: once a day (and at start), apply the retention rules.

An edge: one unit of work around ``retention.apply_retention``; the commit then closes
the sockets of the people it deactivated or erased. Idempotent: a second run the same day
finds nothing to do. Registered on the app's scheduler (``kollega.scheduler``): daily at
02:17 UTC (a quiet hour), embedded or in the one ``kollega scheduler`` process, never in
each web process.
"""

from __future__ import annotations

import datetime as dt
import logging

from kollega import realtime, scheduler
from kollega.auth.sockets import disconnect_person
from kollega.privacy import retention
from kollega.uow import unit_of_work

JOB_ID = "kollega.privacy.retention"
log = logging.getLogger(__name__)


@scheduler.job(JOB_ID, hour=2, minute=17, misfire_grace_time=6 * 3600)
def run_retention(now: dt.datetime | None = None) -> retention.RetentionResult:
    """Apply retention, commit, then close the affected people's sockets. Needs an app
    context. On failure nothing is kept and the next run tries again."""
    with unit_of_work():
        result = retention.apply_retention(now)
        for person_id in [*result.deactivated, *result.erased]:
            # A failure is logged by the outbox and does not stop the others.
            realtime.on_commit(lambda pid=person_id: disconnect_person(pid))
    if result.messages_deleted or result.deactivated or result.erased:
        log.info(
            "privacy: retention deleted %d messages, deactivated %d and erased %d accounts",
            result.messages_deleted,
            len(result.deactivated),
            len(result.erased),
        )
    return result
