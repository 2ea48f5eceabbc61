"""The disclosure audits of the periods people look at, worked out before anyone asks.

A metrics page's first view after a change of network memberships (a join, a leave, an
import) or of the unit tree, and every first view of a new day, would otherwise work
the period's audit out in the request: a second or more at 6,500 employees. Every
minute the scheduler checks the default period (the last twelve months and this one)
and this year's (the scorecard's) and stores the audit of any whose inputs changed
(``metrics.stored_audits``); the pages and every other process then read it. A check
with nothing to do reads the memberships once (about 3,000 rows at 6,500 employees).
"""

from __future__ import annotations

import datetime as dt

from kollega import clock, scheduler
from kollega.metrics import services, stored_audits

JOB_ID = "kollega.metrics.audits"


def periods(today: dt.date) -> list[services.Period]:
    """The periods whose audits are worked out ahead: the default period and this year."""
    found = {services.period(None, None, today), services.Period(dt.date(today.year, 1, 1), today)}
    return sorted(found, key=lambda p: (p.start, p.end))


@scheduler.job(JOB_ID, second=33, misfire_grace_time=55, at_start=True)
def warm_audits(today: dt.date | None = None) -> int:
    """Store the audits of ``periods`` that are not stored yet and delete the unused
    ones; how many were worked out."""
    today = today or clock.today()
    made = sum(services.warm_audit(p) for p in periods(today))
    stored_audits.prune()
    return made
