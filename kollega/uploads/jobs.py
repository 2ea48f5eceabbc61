"""The uploads' clean-up job: hourly, delete files never sent within a day and the files
of deleted messages (``services.clean_up``), one unit of work."""

from __future__ import annotations

import datetime as dt
import logging

from kollega import scheduler
from kollega.uow import unit_of_work
from kollega.uploads import services

JOB_ID = "kollega.uploads.clean_up"
log = logging.getLogger(__name__)


@scheduler.job(JOB_ID, minute=41, misfire_grace_time=3600)
def run_clean_up(now: dt.datetime | None = None) -> int:
    """Clean up, commit (the files go after the commit). Needs an app context."""
    with unit_of_work():
        removed = services.clean_up(now)
    if removed:
        log.info("uploads: removed %d unsent or deleted files", removed)
    return removed
