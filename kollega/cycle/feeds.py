"""The calendar feed: a person's secret feed token, and iCalendar documents
(Europe/Oslo, recurrence kept) of their events, a unit's or a network's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega.clock import OSLO
from kollega.cycle import services
from kollega.cycle.models import CalendarToken, CycleEvent, new_calendar_token
from kollega.db import now_utc
from kollega.errors import NotFound
from kollega.extensions import db
from kollega.org.models import Person


def calendar_token(person: Person, create: bool = True) -> str | None:
    """The person's feed token (made on first use)."""
    row = db.session.get(CalendarToken, person.id)
    if row is None:
        if not create:
            return None
        row = CalendarToken(person_id=person.id, token=new_calendar_token())
        db.session.add(row)
        db.session.flush()
    return row.token


def regenerate_calendar_token(actor: Person) -> str:
    """Revoke the old feed address and make a new one."""
    row = db.session.get(CalendarToken, actor.id)
    if row is None:
        row = CalendarToken(person_id=actor.id)
        db.session.add(row)
    row.token = new_calendar_token()
    row.created_at = now_utc()
    db.session.flush()
    return row.token


def person_for_token(token: str) -> Person:
    """The active person a feed token belongs to, or 404 (never say which part failed)."""
    if not token or len(token) > 64:
        raise NotFound(_l("No such calendar."))
    row = db.session.scalar(sa.select(CalendarToken).where(CalendarToken.token == token))
    if row is None or not row.person.active:
        raise NotFound(_l("No such calendar."))
    return row.person


def _vevent(event: CycleEvent, link: str | None) -> Any:
    import icalendar

    vevent = icalendar.Event()
    vevent.add("uid", f"cycle-event-{event.id}@kollega")
    vevent.add("dtstamp", event.updated_at or now_utc())
    vevent.add("dtstart", event.starts_at.astimezone(OSLO))
    vevent.add("dtend", event.ends_at.astimezone(OSLO))
    vevent.add("summary", event.title)
    description = "\n\n".join(x for x in (event.description, event.agenda) if x)
    if event.video_url:
        description = (description + "\n\n" + event.video_url).strip()
    if description:
        vevent.add("description", description)
    if event.location:
        vevent.add("location", event.location)
    if link:
        vevent.add("url", link)
    vevent.add("categories", [str(services.KIND_LABELS.get(event.kind, event.kind))])
    if event.rrule:
        vevent.add("rrule", icalendar.vRecur.from_ical(event.rrule))
        for ex in sorted(services.exdates(event)):
            vevent.add("exdate", ex.astimezone(OSLO))
    for minutes in event.reminders or []:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.title)
        alarm.add("trigger", dt.timedelta(minutes=-minutes))
        vevent.add_component(alarm)
    return vevent


def calendar_ics(events: Iterable[CycleEvent], name: str, link_for: Any = None) -> bytes:
    """An iCalendar document (Europe/Oslo, recurrence kept) for ``events``."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//kollega//annual cycle//NB")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Oslo")
    for event in events:
        cal.add_component(_vevent(event, link_for(event) if link_for else None))
    if hasattr(cal, "add_missing_timezones"):
        cal.add_missing_timezones()
    return bytes(cal.to_ical())


def person_calendar(token: str, link_for: Any = None) -> bytes:
    """The feed behind a token: the person's units', networks' and municipality events."""
    person = person_for_token(token)
    return calendar_ics(services.events_for(person), f"kollega: {person.name}", link_for)
