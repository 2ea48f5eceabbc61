"""Attendance and reflections of one occurrence: invitations when a stop opens, RSVP,
check-in, reflections, and the summary posted when it closes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.cycle.models import Attendance, CycleEvent, Reflection
from kollega.cycle.services import Occurrence, invitees, is_invited, occurrence_at
from kollega.db import now_utc
from kollega.errors import Conflict, ValidationError
from kollega.extensions import db
from kollega.org.models import Person


def attendance_of(event: CycleEvent, start: dt.datetime) -> list[Attendance]:
    return list(
        db.session.scalars(
            sa.select(Attendance)
            .where(Attendance.event_id == event.id, Attendance.occurrence_start == start)
            .order_by(Attendance.id)
        )
    )


def _attendance_row(event: CycleEvent, start: dt.datetime, person: Person) -> Attendance:
    row = db.session.scalar(
        sa.select(Attendance).where(
            Attendance.event_id == event.id,
            Attendance.occurrence_start == start,
            Attendance.person_id == person.id,
        )
    )
    if row is None:
        row = Attendance(event_id=event.id, occurrence_start=start, person=person, status="invited")
        db.session.add(row)
    return row


def invite_all(event: CycleEvent, start: dt.datetime) -> int:
    """Create the invitations of one occurrence (once); the number of invitees."""
    have = {a.person_id for a in attendance_of(event, start)}
    people = invitees(event)
    for person in people:
        if person.id not in have:
            db.session.add(
                Attendance(
                    event_id=event.id, occurrence_start=start, person=person, status="invited"
                )
            )
    db.session.flush()
    return len(people)


def is_held(occ: Occurrence, now: dt.datetime | None = None) -> bool:
    """Whether the occurrence is over (it has ended): it is shown as held, with its
    counts, and takes no more answers."""
    return occ.ends_at <= (now or now_utc())


def respond(
    actor: Person,
    event: CycleEvent,
    start: dt.datetime,
    answer: str,
    now: dt.datetime | None = None,
) -> Attendance:
    """RSVP for one occurrence: ``yes``, ``no`` or ``maybe``; an occurrence that has been
    held takes no answer (``Conflict``)."""
    status = {"yes": "attending", "no": "declined", "maybe": "maybe"}.get(answer)
    if status is None:
        message = _l("Answer yes, no or maybe.")
        raise ValidationError(message, fields={"answer": message})
    permissions.require(is_invited(actor, event), _l("You are not invited to this event."))
    if is_held(occurrence_at(event, start), now):
        raise Conflict(_l("This has been held: it takes no more answers."))
    row = _attendance_row(event, start, actor)
    row.status = status  # the answer only: a check-in is kept apart (``checked_in_at``)
    db.session.flush()
    return row


def check_in(
    actor: Person,
    event: CycleEvent,
    start: dt.datetime,
    person: Person,
    now: dt.datetime | None = None,
) -> Attendance:
    """Mark a person present: a planner of the event for anyone invited, or the person
    themselves while the occurrence is going on."""
    occ = occurrence_at(event, start)
    if not is_invited(person, event):
        message = _l("This person is not invited.")
        raise ValidationError(message, fields={"person_id": message})
    if person.id == actor.id and not permissions.can_plan_cycle_event(actor, event):
        now = now or now_utc()
        if not (occ.starts_at - dt.timedelta(minutes=30) <= now <= occ.ends_at):
            raise ValidationError(_l("You can check in yourself only while the stop is going on."))
    else:
        permissions.require(
            permissions.can_plan_cycle_event(actor, event),
            _l("Only the organisers can check others in."),
        )
    row = _attendance_row(event, start, person)
    # Present is not an answer: "Takket ja" keeps everyone who said yes.
    if row.checked_in_at is not None:
        return row
    row.checked_in_at = now_utc()
    row.checked_in_by_id = actor.id
    db.session.flush()
    return row


def my_attendance(person: Person, event: CycleEvent, start: dt.datetime) -> Attendance | None:
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.event_id == event.id,
            Attendance.occurrence_start == start,
            Attendance.person_id == person.id,
        )
    )


def save_reflection(
    actor: Person,
    event: CycleEvent,
    start: dt.datetime,
    answers: Sequence[str],
    now: dt.datetime | None = None,
) -> Reflection:
    """Store the person's answers to the stop's prompts (replacing earlier answers);
    open from half an hour before the stop begins."""
    if not event.is_stop:
        raise ValidationError(_l("Only learning and evaluation stops have reflections."))
    permissions.require(is_invited(actor, event), _l("You are not invited to this stop."))
    occ = occurrence_at(event, start)
    if occ.starts_at > (now or now_utc()) + dt.timedelta(minutes=30):
        raise ValidationError(_l("Reflections open when the stop begins."))
    if len(answers) > len(event.prompts):
        raise ValidationError(_l("More answers than prompts."))
    cleaned = []
    for i, prompt in enumerate(event.prompts):
        text = str(answers[i]).strip() if i < len(answers) and answers[i] is not None else ""
        if len(text) > 4000:
            message = _l("At most %(n)s characters.", n=4000)
            raise ValidationError(message, fields={f"answer_{i}": message})
        cleaned.append({"prompt": prompt, "answer": text})
    if not any(a["answer"] for a in cleaned):
        message = _l("Answer at least one of the questions.")
        raise ValidationError(message, fields={"answer_0": message})
    row = db.session.scalar(
        sa.select(Reflection).where(
            Reflection.event_id == event.id,
            Reflection.occurrence_start == start,
            Reflection.person_id == actor.id,
        )
    )
    if row is None:
        row = Reflection(event_id=event.id, occurrence_start=start, person=actor)
        db.session.add(row)
    row.answers = cleaned
    db.session.flush()
    return row


def reflections_of(event: CycleEvent, start: dt.datetime) -> list[Reflection]:
    return list(
        db.session.scalars(
            sa.select(Reflection)
            .where(Reflection.event_id == event.id, Reflection.occurrence_start == start)
            .order_by(Reflection.id)
        )
    )


_STOPWORDS_TEXT = """og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett
    har om vi min mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor
    eller hva skal selv sjøl her alle vil bli ble blitt kunne inn når være kom noen noe ville
    dere deres kun ja etter ned skulle denne for deg si sine sitt mot å meget hvorfor dette disse
    uten hvordan ingen din ditt blir samme hvilken hvilke sånn inni mellom vår hver hvem vors
    hvis både bare enn fordi før mange også slik vært båe begge siden the a an and or of to in
    is it that we for on with as was are be this at by not our us more mer mye godt bra"""
_STOPWORDS = set(_STOPWORDS_TEXT.split())


def is_present(row: Attendance) -> bool:
    """Checked in (rows from before answers and presence were kept apart say "attended")."""
    return row.checked_in_at is not None or row.status == "attended"


def counts(event: CycleEvent, start: dt.datetime) -> dict[str, int]:
    """RSVP and attendance of one occurrence, counted apart: ``invited`` (everyone
    invited, also before the stop opens and makes their rows), ``attending``,
    ``maybe``, ``declined``, ``no_answer`` (answers) and ``attended`` (checked in,
    whatever they answered)."""
    rows = attendance_of(event, start)
    ids = {row.person_id for row in rows} | {p.id for p in invitees(event)}
    out = {"invited": len(ids), "attending": 0, "maybe": 0, "declined": 0, "attended": 0}
    for row in rows:
        if row.status in ("attending", "maybe", "declined"):
            out[row.status] += 1
        if is_present(row):
            out["attended"] += 1
    out["no_answer"] = out["invited"] - out["attending"] - out["maybe"] - out["declined"]
    return out


def summarise(
    event: CycleEvent, start: dt.datetime, replies: Sequence[tuple[int, str]] = ()
) -> dict[str, Any]:
    """Attendance figures, answers per prompt, the replies written in the stop's thread
    (``replies``: author id and text) and recurring themes of one occurrence."""
    figures = counts(event, start)
    reflections = reflections_of(event, start)
    per_prompt: list[dict[str, Any]] = []
    words: dict[str, int] = {}
    for i, prompt in enumerate(event.prompts):
        answers = [
            r.answers[i]["answer"]
            for r in reflections
            if i < len(r.answers) and r.answers[i].get("answer")
        ]
        per_prompt.append({"prompt": prompt, "answers": answers})
        for answer in answers:
            for word in set(re.findall(r"[a-zæøåA-ZÆØÅ]{4,}", answer.lower())):
                if word not in _STOPWORDS:
                    words[word] = words.get(word, 0) + 1
    texts = [text for _author, text in replies if text.strip()]
    for text in texts:
        for word in set(re.findall(r"[a-zæøåA-ZÆØÅ]{4,}", text.lower())):
            if word not in _STOPWORDS:
                words[word] = words.get(word, 0) + 1
    themes = [w for w, n in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2][:8]
    voices = {r.person_id for r in reflections} | {author for author, _text in replies}
    return {
        **figures,
        "reflections": len(reflections),
        "replies": len(texts),
        "contributors": len(voices),
        "prompts": per_prompt,
        "thread": texts[:50],
        "themes": themes,
    }
