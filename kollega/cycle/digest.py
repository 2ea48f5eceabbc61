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

from kollega import mail
from kollega.clock import OSLO
from kollega.cycle import services, words
from kollega.cycle.models import DigestRun, DigestSend
from kollega.extensions import db
from kollega.networks import public as networks
from kollega.org.models import Person
from kollega.uow import unit_of_work

SEND_HOUR = 7
BATCH = 200


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def due_periods(now: dt.datetime) -> list[tuple[str, str]]:
    """(period, choice) pairs whose digests may go out at ``now``."""
    local = now.astimezone(OSLO)
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
    notifications = networks.unread_notifications(person)
    unread_messages = networks.unread_message_count(person)
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
                when = occ.starts_at.astimezone(OSLO).strftime("%d.%m ") + words.clock(
                    occ.starts_at
                )
                lines.append(f"- {when} {occ.event.title}")
        lines += ["", _("You get this digest because of your notification settings in kollega.")]
        subject = (
            _("kollega: your daily digest")
            if choice == "daily"
            else _("kollega: your weekly digest")
        )
    return Mail(person.email, subject, "\n".join(lines))


def _open_run(period: str) -> DigestRun | None:
    """The period's run, made on first use (two schedulers may race to make it)."""
    run = db.session.get(DigestRun, period)
    if run is not None:
        return run
    try:
        with unit_of_work():
            db.session.add(DigestRun(period=period, cursor=0, done=False))
            db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
    return db.session.get(DigestRun, period)


def _claim(period: str, person_id: int, item: Mail) -> None:
    """Claim one person's digest for the period; the mail goes out after the commit."""
    db.session.add(DigestSend(person_id=person_id, period=period, sent=True))
    mail.send_after_commit(item.to, item.subject, item.text)


def run_period(period: str, choice: str, now: dt.datetime, limit: int = BATCH) -> int:
    """Do the next batch of one period as one unit of work (an edge helper for
    ``jobs``); the number of mails claimed, each sent once its claim is committed."""
    run = _open_run(period)
    if run is None:
        return 0
    if run.done:
        return send_held(period, choice, now)
    people = list(
        db.session.scalars(
            sa.select(Person)
            .where(Person.id > run.cursor, Person.active.is_(True))
            .order_by(Person.id)
            .limit(limit)
        )
    )
    if not people:
        with unit_of_work():
            run.done = True
        return 0
    due: list[tuple[int, Mail]] = []
    for person in people:
        if networks.email_digest(person) != choice:
            continue
        if networks.in_quiet_hours(person, now):
            continue  # held: send_held sends it once the quiet hours are over
        item = compose(person, choice, now)
        if item is not None:
            due.append((person.id, item))
    last = people[-1].id
    try:
        with unit_of_work():
            run.cursor = max(run.cursor, last)
            for person_id, item in due:
                _claim(period, person_id, item)
            db.session.flush()
        return len(due)
    except sa.exc.IntegrityError:
        # Another scheduler did (part of) this batch: claim one by one.
        db.session.rollback()
    return _claim_one_by_one(period, last, due)


def _claim_one_by_one(period: str, last: int, due: list[tuple[int, Mail]]) -> int:
    claimed = 0
    for person_id, item in due:
        try:
            with unit_of_work():
                _claim(period, person_id, item)
                db.session.flush()
            claimed += 1
        except sa.exc.IntegrityError:
            db.session.rollback()
    run = db.session.get(DigestRun, period)
    if run is not None and run.cursor < last:
        with unit_of_work():
            run.cursor = last
    return claimed


def send_held(period: str, choice: str, now: dt.datetime) -> int:
    """The digests that quiet hours held back (no e-mail in a person's quiet hours,
    ``networks.in_quiet_hours``): once the period's walk is done, each person with quiet
    hours who has no digest for the period yet gets it when their quiet hours are over,
    or a claim without a mail (``sent`` False) when nothing is unread then, so they are
    looked at once. One unit of work; the number of mails claimed."""
    ids = networks.quiet_hours_people(choice)
    if not ids:
        return 0
    done = set(
        db.session.scalars(
            sa.select(DigestSend.person_id).where(
                DigestSend.period == period, DigestSend.person_id.in_(ids)
            )
        )
    )
    people = db.session.scalars(
        sa.select(Person).where(Person.id.in_(set(ids) - done), Person.active.is_(True))
    )
    waiting = [p for p in people if not networks.in_quiet_hours(p, now)]
    if not waiting:
        return 0
    claimed = 0
    try:
        with unit_of_work():
            for person in waiting:
                item = compose(person, choice, now)
                if item is None:
                    db.session.add(DigestSend(person_id=person.id, period=period, sent=False))
                else:
                    _claim(period, person.id, item)
                    claimed += 1
            db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()  # another scheduler sent them first
        return 0
    return claimed
