"""The annual cycle in words: a recurrence rule as a person says it ("hver uke, 4 ganger",
"every sixth week until 30 June 2027"), a reminder ("1 dag før", "1 day before") and a
time of day as Norwegians write it ("09.00")."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _

from kollega.clock import OSLO


def _day_name(code: str) -> str:
    names = {
        "MO": _("Monday"),
        "TU": _("Tuesday"),
        "WE": _("Wednesday"),
        "TH": _("Thursday"),
        "FR": _("Friday"),
        "SA": _("Saturday"),
        "SU": _("Sunday"),
    }
    return names.get(code, code)


def _ordinal(n: int) -> str:
    if n == -1:
        return _("last")
    words = {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), 5: _("fifth")}
    return words.get(n, str(n))


def _every(freq: str, interval: int) -> str:
    if interval <= 1:
        return {
            "DAILY": _("every day"),
            "WEEKLY": _("every week"),
            "MONTHLY": _("every month"),
            "YEARLY": _("every year"),
        }.get(freq, freq.lower())
    if freq == "DAILY":
        return ngettext("every %(num)d day", "every %(num)d days", interval)
    if freq == "WEEKLY":
        return ngettext("every %(num)d week", "every %(num)d weeks", interval)
    if freq == "MONTHLY":
        return ngettext("every %(num)d month", "every %(num)d months", interval)
    return ngettext("every %(num)d year", "every %(num)d years", interval)


def recurrence(rrule: str | None) -> str:
    """An RRULE in words, in the current language; "" for none. Parts it does not know
    are left out rather than shown raw."""
    if not rrule:
        return ""
    parts = dict(p.split("=", 1) for p in rrule.split(";") if "=" in p)
    freq = parts.get("FREQ", "")
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        interval = 1
    text = _every(freq, interval)
    byday = [d for d in parts.get("BYDAY", "").split(",") if d]
    if byday:
        days = []
        for item in byday:
            match = re.fullmatch(r"([+-]?\d+)?([A-Z]{2})", item)
            if not match:
                continue
            n, code = match.group(1), match.group(2)
            name = _day_name(code)
            days.append(_("the %(nth)s %(day)s", nth=_ordinal(int(n)), day=name) if n else name)
        if days:
            text = _("%(every)s on %(days)s", every=text, days=", ".join(days))
    if "COUNT" in parts and parts["COUNT"].isdigit():
        count = int(parts["COUNT"])
        text = text + ", " + ngettext("%(num)d time", "%(num)d times", count)
    elif "UNTIL" in parts:
        try:
            until = dt.datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
            text = _("%(every)s until %(date)s", every=text, date=format_date(until, "long"))
        except ValueError:
            pass
    return text


def reminder(minutes: int) -> str:
    """A reminder's offset in words: "1 dag før", "2 timer før", "30 minutter før"."""
    if minutes == 0:
        return _("when it starts")
    if minutes % (60 * 24 * 7) == 0:
        weeks = minutes // (60 * 24 * 7)
        return ngettext("%(num)d week before", "%(num)d weeks before", weeks)
    if minutes % (60 * 24) == 0:
        return ngettext("%(num)d day before", "%(num)d days before", minutes // (60 * 24))
    if minutes % 60 == 0:
        return ngettext("%(num)d hour before", "%(num)d hours before", minutes // 60)
    return ngettext("%(num)d minute before", "%(num)d minutes before", minutes)


def reminders(values: list[int] | None) -> str:
    """Several reminders in words, the earliest first."""
    return ", ".join(reminder(m) for m in sorted(values or [], reverse=True))


def clock(value: dt.datetime) -> str:
    """The time of day in Norway: "09.00" in bokmål, "09:00" in English."""
    local = value.astimezone(OSLO)
    sep = "." if str(get_locale() or "nb").startswith(("nb", "nn", "no")) else ":"
    return f"{local.hour:02d}{sep}{local.minute:02d}"


def when(value: dt.datetime) -> str:
    """A date and time in words: "tirsdag 5. januar 2027 kl. 09.00"."""
    day = format_date(value.astimezone(OSLO).date(), "full")
    return _("%(day)s at %(time)s", day=day, time=clock(value))
