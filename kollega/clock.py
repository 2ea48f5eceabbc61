"""The municipality's clock: Norway's time zone and today's date there.

Dates a person sees and chooses (a learning stop's day, an assessment's date, a gap
"now") are Norwegian dates; timestamps are stored in UTC (``kollega.db.now_utc``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
# The dates a figure can be asked for (pandas timestamps end in 2262).
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2200, 12, 31))


def now() -> dt.datetime:
    """The current time in Norway (aware)."""
    return dt.datetime.now(OSLO)


def today() -> dt.date:
    """Today's date in Norway."""
    return now().date()
