"""The thread page's message times (render.short_datetime_format) are what Flask-Babel's
``format_datetime(value, "short")`` gives, in every locale and time zone, across the
changes to and from summer time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format
from flask_babel import format_datetime, get_locale, get_timezone, refresh

from kollega.networks.render import short_datetime_format

# Every 97 minutes and 13 seconds over a year: both summer-time changes, midnights, noons.
VALUES = [
    dt.datetime(2026, 1, 1) + dt.timedelta(minutes=97 * i, seconds=13 * i) for i in range(5500)
]


def test_same_as_babel_in_each_locale_and_zone():
    for locale in ("nb", "en"):
        for zone in ("Europe/Oslo", "UTC", "America/New_York", "Asia/Kolkata"):
            tz = ZoneInfo(zone)
            when = short_datetime_format(locale, tz)
            for value in VALUES:
                expected = babel_format(
                    value.replace(tzinfo=dt.UTC), "short", tzinfo=tz, locale=locale
                )
                assert when(value) == expected, (locale, zone, value)
                # Values are kept per minute: a later second of the same minute too.
                later = value.replace(second=59, microsecond=999_999)
                assert when(later) == babel_format(
                    later.replace(tzinfo=dt.UTC), "short", tzinfo=tz, locale=locale
                ), (locale, zone, later)


def test_same_as_flask_babel_in_a_request(app):
    for lang in ("nb", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            refresh()  # the locale is kept per app context, which the fixture holds
            assert str(get_locale()) == lang
            when = short_datetime_format(str(get_locale()), get_timezone())
            for value in VALUES[::50]:
                assert when(value) == format_datetime(value, "short")
