"""The development conversation's follow-up date as a reminder: from 07:00 in Norway
on that day (the scheduler catches up a week), the employee and the leader who held the
conversation each get an e-mail with a link to the conversations and an in-app notice.

Registered on the app's scheduler (``kollega.scheduler``); each conversation is its own
unit of work, and ``follow_up_reminded_at`` makes it once."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from kollega import mail, realtime, scheduler
from kollega.clock import OSLO
from kollega.competence import conversations
from kollega.competence.models import DevelopmentConversation
from kollega.db import now_utc
from kollega.extensions import db
from kollega.org.models import Person
from kollega.realtime import person_room
from kollega.uow import unit_of_work

JOB_ID = "kollega.competence.follow_ups"
SEND_HOUR = 7
log = logging.getLogger(__name__)


@scheduler.job(JOB_ID, minute=13, misfire_grace_time=600, at_start=True)
def remind_follow_ups(now: dt.datetime | None = None) -> int:
    """Remind of the follow-ups due at ``now``; how many conversations were reminded."""
    now = now or now_utc()
    local = now.astimezone(OSLO)
    if local.hour < SEND_HOUR:
        return 0
    try:
        due = [c.id for c in conversations.follow_ups_due(local.date())]
    finally:
        db.session.rollback()
    done = 0
    for conv_id in due:
        try:
            with unit_of_work():
                conv = db.session.get(DevelopmentConversation, conv_id)
                if conv is None or conv.follow_up_reminded_at is not None:
                    continue
                remind(conv, now)
            done += 1
        except Exception:
            db.session.rollback()
            log.exception("competence: follow-up reminder %s failed; will retry", conv_id)
    return done


def _link(person_id: int) -> str:
    base = str(current_app.config.get("BASE_URL") or "http://localhost:5000").rstrip("/")
    return f"{base}/competence/people/{person_id}/conversations"


def remind(conv: DevelopmentConversation, now: dt.datetime) -> None:
    """Mark the conversation reminded and queue the mails and notices (flush only)."""
    conv.follow_up_reminded_at = now
    people: list[Person] = [conv.person]
    if conv.leader is not None and conv.leader.active and conv.leader.id != conv.person.id:
        people.append(conv.leader)
    for person in people:
        if not person.active:
            continue
        with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            subject = _(
                "Follow-up of the development conversation with %(name)s", name=conv.person.name
            )
            text = "\n".join(
                [
                    _("Hello %(name)s,", name=person.name),
                    "",
                    _(
                        "Today is the follow-up date agreed in the development conversation "
                        "of %(date)s.",
                        date=conv.held_on.strftime("%d.%m.%Y"),
                    ),
                    _("Agreed goals: %(goals)s", goals=conv.agreed_goals[:500]),
                    "",
                    _link(conv.person_id),
                ]
            )
        mail.send_after_commit(person.email, subject, text)
        realtime.queue(
            person_room(person.id),
            "competence:follow_up",
            {"conversation_id": conv.id, "person_id": conv.person_id, "title": subject},
        )
    db.session.flush()
