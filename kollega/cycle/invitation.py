"""The reminder e-mail of one occurrence: a link to the stop's page and an iCalendar
invitation (``METHOD:REQUEST``) for that occurrence, so it lands in Outlook's calendar.

The invitation's UID is stable per occurrence (``cycle-<event>-<start>@kollega``): a
second reminder or a changed time updates the same entry instead of adding one."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from kollega import mail
from kollega.clock import OSLO
from kollega.cycle import services, words
from kollega.cycle.models import CycleEvent
from kollega.db import now_utc
from kollega.org.models import Person


def occurrence_url(event: CycleEvent, occ: services.Occurrence) -> str:
    """The absolute address of the occurrence's page (``BASE_URL`` of the site)."""
    base = str(current_app.config.get("BASE_URL") or "http://localhost:5000").rstrip("/")
    return f"{base}/cycle/events/{event.id}/{occ.key}"


def occurrence_uid(event: CycleEvent, occ: services.Occurrence) -> str:
    return f"cycle-{event.id}-{occ.key}@kollega"


def ics_request(event: CycleEvent, occ: services.Occurrence, person: Person) -> bytes:
    """An iCalendar REQUEST for one occurrence, addressed to ``person``."""
    import icalendar

    sender = str(current_app.config.get("SMTP_FROM") or "kollega@localhost")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//kollega//annual cycle//NB")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    vevent = icalendar.Event()
    vevent.add("uid", occurrence_uid(event, occ))
    vevent.add("dtstamp", now_utc())
    vevent.add("sequence", int((event.updated_at or now_utc()).timestamp()) % 2_000_000_000)
    vevent.add("dtstart", occ.starts_at.astimezone(OSLO))
    vevent.add("dtend", occ.ends_at.astimezone(OSLO))
    vevent.add("summary", event.title)
    link = occurrence_url(event, occ)
    description = "\n\n".join(x for x in (event.description, event.agenda, link) if x)
    vevent.add("description", description)
    if event.location or event.video_url:
        vevent.add("location", event.location or event.video_url)
    vevent.add("url", link)
    organizer = icalendar.vCalAddress(f"mailto:{sender}")
    organizer.params["cn"] = icalendar.vText("kollega")
    vevent.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{person.email}")
    attendee.params["cn"] = icalendar.vText(person.name)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    vevent.add("attendee", attendee, encode=0)
    vevent.add("status", "CONFIRMED")
    cal.add_component(vevent)
    return cal.to_ical()


def send_reminder(event: CycleEvent, occ: services.Occurrence, person: Person) -> None:
    """Queue one person's reminder mail (sent when the unit of work commits)."""
    locale = person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        when = words.when(occ.starts_at)
        end = words.clock(occ.ends_at)
        lines = [
            _("Hello %(name)s,", name=person.name),
            "",
            _("%(title)s starts %(when)s (until %(end)s).", title=event.title, when=when, end=end),
        ]
        place = event.location or event.video_url
        if place:
            lines.append(_("Place: %(place)s", place=place))
        lines += [
            "",
            _("Answer, see the agenda and write your reflection here:"),
            occurrence_url(event, occ),
            "",
            _("The invitation is attached: open it to put the stop in your calendar."),
        ]
        subject = _(
            "Reminder: %(title)s %(when)s",
            title=event.title,
            when=occ.starts_at.astimezone(OSLO).strftime("%d.%m.%Y ") + words.clock(occ.starts_at),
        )
    mail.send_after_commit(
        person.email, subject, "\n".join(lines), calendar=ics_request(event, occ, person)
    )
