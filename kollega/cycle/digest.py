"""The e-mail digest (the networks' "daily" / "weekly" setting takes effect here).

Daily digests go out from 07:00 Europe/Oslo, weekly ones from Monday 07:00. A digest
holds the person's unread notifications and unread messages (from the networks
services) and what is coming in their annual cycle; it is sent only when there is
something unread. Each period walks everyone once (``DigestRun.cursor``) and claims each
mail under the unique (person, period) key of ``DigestSend`` before sending: at most
once, also with two schedulers, and a missed morning is caught up the same day/week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from kollega.cycle import bridge, services
from kollega.cycle.models import DigestRun, DigestSend
from kollega.extensions import db
from kollega.org.models import Person

SEND_HOUR = 7
BATCH = 200


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def due_periods(now: dt.datetime) -> list[tuple[str, str]]:
    """(period, choice) pairs whose digests may go out at ``now``."""
    local = now.astimezone(services.OSLO)
    if local.hour < SEND_HOUR and local.isoweekday() == 1:
        return []
    out = []
    if local.hour >= SEND_HOUR:
        out.append((f"daily:{local.date().isoformat()}", "daily"))
    iso = local.isocalendar()
    out.append((f"weekly:{iso.year}-W{iso.week:02d}", "weekly"))
    return out


def compose(person: Person, choice: str, now: dt.datetime) -> Mail | None:
    """The person's digest, or None when nothing is unread."""
    notifications = bridge.unread_notifications(person)
    unread_messages = bridge.unread_message_count(person)
    if not notifications and not unread_messages:
        return None
    horizon = dt.timedelta(days=1 if choice == "daily" else 7)
    coming = services.expand(services.events_for(person), now, now + horizon)
    base = current_app.config.get("BASE_URL", "") or ""
    with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = [
            _("Hello %(name)s,", name=person.name),
            "",
            _(
                "Unread in your networks: %(n)s notifications, %(m)s messages.",
                n=len(notifications),
                m=unread_messages,
            ),
        ]
        lines += [f"- {text} {base}{link}" for text, link in notifications[:10]]
        if coming:
            lines += ["", _("Coming up in your annual cycle:")]
            for occ in coming[:10]:
                when = occ.starts_at.astimezone(services.OSLO).strftime("%d.%m %H:%M")
                lines.append(f"- {when} {occ.event.title}")
        lines += ["", _("You get this digest because of your notification settings in kollega.")]
        subject = (
            _("kollega: your daily digest")
            if choice == "daily"
            else _("kollega: your weekly digest")
        )
    return Mail(person.email, subject, "\n".join(lines))


def run_period(period: str, choice: str, now: dt.datetime, limit: int = BATCH) -> list[Mail]:
    """Do the next batch of one period; commits (an edge helper for ``jobs``) and
    returns the mails claimed in that commit, to send afterwards."""
    run = db.session.get(DigestRun, period)
    if run is None:
        run = DigestRun(period=period, cursor=0, done=False)
        db.session.add(run)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
            run = db.session.get(DigestRun, period)
    if run is None or run.done:
        return []
    people = list(
        db.session.scalars(
            sa.select(Person)
            .where(Person.id > run.cursor, Person.active.is_(True))
            .order_by(Person.id)
            .limit(limit)
        )
    )
    if not people:
        run.done = True
        db.session.commit()
        return []
    mails: list[Mail] = []
    claimed: list[DigestSend] = []
    for person in people:
        if bridge.email_digest(person) != choice:
            continue
        mail = compose(person, choice, now)
        if mail is None:
            continue
        claimed.append(DigestSend(person_id=person.id, period=period, sent=True))
        mails.append(mail)
    run.cursor = max(run.cursor, people[-1].id)
    db.session.add_all(claimed)
    try:
        db.session.commit()
        return mails
    except sa.exc.IntegrityError:
        # Another scheduler did (part of) this batch: claim one by one.
        db.session.rollback()
    done: list[Mail] = []
    for row, mail in zip(claimed, mails, strict=True):
        db.session.add(DigestSend(person_id=row.person_id, period=period, sent=True))
        try:
            db.session.commit()
            done.append(mail)
        except sa.exc.IntegrityError:
            db.session.rollback()
    run = db.session.get(DigestRun, period)
    if run is not None and run.cursor < people[-1].id:
        run.cursor = people[-1].id
        db.session.commit()
    return done
