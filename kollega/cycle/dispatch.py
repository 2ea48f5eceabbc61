"""What the scheduler finds due, and doing one due thing (flush only).

An action is one of ``remind:<minutes>``, ``open`` and ``close`` for one occurrence.
Each is recorded in ``cycle_dispatches`` under the unique key (event, occurrence
start, action) in the same transaction as its effects, so whichever scheduler commits
first does it and every other attempt fails on the key and does nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from kollega import realtime
from kollega.cycle import attendance, invitation, reflection, services, words
from kollega.cycle.models import STOP_KINDS, CycleEvent, Dispatch
from kollega.extensions import db
from kollega.networks import public as networks
from kollega.realtime import network_room, person_room


@dataclass(frozen=True)
class DueAction:
    event_id: int
    occurrence_start: dt.datetime
    occurrence_end: dt.datetime
    action: str
    due_at: dt.datetime

    @property
    def key(self) -> tuple[int, dt.datetime, str]:
        return (self.event_id, self.occurrence_start, self.action)


def _order(action: str) -> int:
    return {"open": 1, "close": 2}.get(action, 0)


def due_actions(now: dt.datetime, catch_up: dt.timedelta) -> list[DueAction]:
    """Everything due at ``now`` that is not yet done, oldest first.

    Due means: its time has come, it is at most ``catch_up`` old (downtime longer than
    that is not replayed), and the occurrence was not already over when the event was
    planned. A reminder is only sent while its occurrence is not over.
    """
    horizon = dt.timedelta(minutes=services.MAX_REMINDER_MINUTES)
    events = list(
        db.session.scalars(
            sa.select(CycleEvent).where(
                sa.or_(CycleEvent.rrule.is_not(None), CycleEvent.ends_at >= now - catch_up),
                CycleEvent.starts_at <= now + horizon,
            )
        )
    )
    candidates: list[DueAction] = []
    for event in events:
        reach = max(event.reminders or [0])
        window_start = now - catch_up
        window_end = now + dt.timedelta(minutes=reach) + dt.timedelta(seconds=1)
        for occ in services.occurrences(event, window_start - event.duration, window_end):
            if occ.ends_at <= event.created_at:
                continue
            remind = _reminder_due(event, occ, window_start, now)
            if remind is not None:
                candidates.append(remind)
            if event.kind in STOP_KINDS:
                if window_start <= occ.starts_at <= now:
                    candidates.append(
                        DueAction(event.id, occ.starts_at, occ.ends_at, "open", occ.starts_at)
                    )
                if window_start <= occ.ends_at <= now:
                    candidates.append(
                        DueAction(event.id, occ.starts_at, occ.ends_at, "close", occ.ends_at)
                    )
    if not candidates:
        return []
    done = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Dispatch.event_id, Dispatch.occurrence_start, Dispatch.action).where(
                Dispatch.event_id.in_({c.event_id for c in candidates})
            )
        )
    }
    todo = [c for c in candidates if c.key not in done]
    return sorted(todo, key=lambda c: (c.due_at, c.occurrence_start, _order(c.action)))


def _reminder_due(
    event: CycleEvent, occ: services.Occurrence, window_start: dt.datetime, now: dt.datetime
) -> DueAction | None:
    """The one reminder of the occurrence to send at ``now``, if any: calm reminders.

    Reminders whose time had passed when the event was planned are missed, and only the
    latest of them is sent (at once) when no reminder is left to come; of the reminders
    due now, only the latest is sent (an earlier one not yet sent is dropped, so a
    scheduler that was down sends one reminder, not all of them)."""
    if occ.ends_at <= now:
        return None
    planned = [
        (minutes, occ.starts_at - dt.timedelta(minutes=minutes))
        for minutes in sorted(event.reminders or [], reverse=True)
    ]
    live = [(m, due) for m, due in planned if due >= event.created_at]
    if not live and planned:
        minutes = planned[-1][0]
        live = [(minutes, max(planned[-1][1], event.created_at))]
    due_now = [(m, due) for m, due in live if window_start <= due <= now]
    if not due_now:
        return None
    minutes, due = due_now[-1]
    return DueAction(event.id, occ.starts_at, occ.ends_at, f"remind:{minutes}", due)


def perform(action: DueAction, now: dt.datetime) -> Dispatch:
    """Record and do one action; raises ``IntegrityError`` on flush when another
    scheduler has done it already. Flushes, never commits; the notices and mails it
    causes are queued and go out when the caller commits."""
    event = services.get_event(action.event_id)
    record = Dispatch(
        event_id=event.id,
        occurrence_start=action.occurrence_start,
        action=action.action,
        due_at=action.due_at,
        done_at=now,
    )
    db.session.add(record)
    db.session.flush()  # the unique key claims the action before any effect
    occ = services.Occurrence(event, action.occurrence_start, action.occurrence_end)
    if action.action.startswith("remind:"):
        _remind(event, occ, record)
    elif action.action == "open":
        _open(event, occ, record)
    elif action.action == "close":
        _close(event, occ, record)
    db.session.flush()
    return record


def _payload(event: CycleEvent, occ: services.Occurrence, what: str) -> dict[str, Any]:
    return {
        "what": what,
        "event_id": event.id,
        "title": event.title,
        "kind": event.kind,
        "occurrence": occ.key,
        "starts_at": occ.starts_at.isoformat(),
        "ends_at": occ.ends_at.isoformat(),
    }


def _audience(event: CycleEvent, occ: services.Occurrence) -> list[Any]:
    declined = {
        a.person_id
        for a in attendance.attendance_of(event, occ.starts_at)
        if a.status == "declined"
    }
    return [p for p in services.invitees(event) if p.id not in declined]


def _remind(event: CycleEvent, occ: services.Occurrence, record: Dispatch) -> None:
    """One reminder of one occurrence: an in-app notice to everyone who has not said no,
    and (not for municipality-wide periods) an e-mail with a link and the invitation
    (its UID per occurrence, so a second reminder updates the same calendar entry).
    Which reminders are sent at all is ``_reminder_due``'s: one when the event was made
    inside its reminder windows."""
    people = _audience(event, occ)
    record.recipients = len(people)
    if people:
        rooms = [person_room(person.id) for person in people]
        realtime.queue(rooms, "cycle:reminder", _payload(event, occ, "reminder"))
    if event.municipality_wide:  # municipality-wide periods: in the app only
        return
    for person in people:
        invitation.send_reminder(event, occ, person)


def _prompt_text(event: CycleEvent, occ: services.Occurrence) -> str:
    lines = [
        _(
            "%(kind)s %(when)s: %(title)s",
            kind=services.kind_label(event.kind),
            when=words.when(occ.starts_at),
            title=event.title,
        ),
        "",
        _("Answer the questions here or on the stop's page:"),
    ]
    lines += [f"{i}. {p}" for i, p in enumerate(event.prompts, start=1)]
    return "\n".join(lines)


def _open(event: CycleEvent, occ: services.Occurrence, record: Dispatch) -> None:
    """The stop opens: everyone invited gets an attendance row, and its reflection thread
    opens in the network (or the unit's stop space) with the prompts posted by kollega."""
    record.recipients = attendance.invite_all(event, occ.starts_at)
    network_id = reflection.stop_network(event)
    if network_id is not None:
        record.thread_id = networks.open_learning_stop_thread(
            network_id,
            title=event.title,
            body=_prompt_text(event, occ),
            competences=list(event.competences or []),
            author=reflection.system_person(),
        )
    payload = _payload(event, occ, "opened")
    payload["thread_id"] = record.thread_id
    if record.thread_id is not None and network_id is not None:
        realtime.queue(
            network_room(network_id),
            "thread:new",
            {
                "id": record.thread_id,
                "network_id": network_id,
                "title": event.title,
                "kind": "learning_stop",
            },
        )
    rooms = [person_room(person.id) for person in _audience(event, occ)]
    if rooms:
        realtime.queue(rooms, "cycle:stop_opened", payload)


def _close(event: CycleEvent, occ: services.Occurrence, record: Dispatch) -> None:
    """The stop closes: the summary (answers on the stop page and replies in its thread)
    is stored, posted in the thread by kollega, and every invitee is told."""
    record.thread_id = reflection.opened_thread_id(event.id, occ.starts_at)
    summary = attendance.summarise(event, occ.starts_at, reflection.replies(event, occ.starts_at))
    record.summary = summary
    if record.thread_id is not None:
        # Queues message:new to the thread's and the network's rooms itself.
        networks.post_to_thread(
            record.thread_id, summary_text(event, summary), reflection.system_person()
        )
    payload = _payload(event, occ, "closed")
    payload["thread_id"] = record.thread_id
    ids = {a.person_id for a in attendance.attendance_of(event, occ.starts_at)}
    if event.created_by_id is not None:
        ids.add(event.created_by_id)
    if ids:
        realtime.queue([person_room(pid) for pid in sorted(ids)], "cycle:stop_closed", payload)
    if ids and record.thread_id is not None:
        # Stored too, so the summary reaches those who were not online (and the digest).
        networks.notify_stop_summary(
            ids - {reflection.system_person().id},
            record.thread_id,
            f"/cycle/events/{event.id}/{occ.key}",
        )


def summary_text(event: CycleEvent, summary: dict[str, Any]) -> str:
    lines = [
        _("Summary of %(title)s", title=event.title),
        "",
        _(
            "Invited: %(invited)s. Said yes: %(attending)s. Attended: %(attended)s. "
            "Reflections: %(reflections)s.",
            invited=summary["invited"],
            attending=summary["attending"],
            attended=summary["attended"],
            reflections=summary["reflections"],
        ),
        _("Replies in the thread: %(n)s.", n=summary.get("replies", 0)),
    ]
    for item in summary["prompts"]:
        lines.append("")
        lines.append(item["prompt"])
        lines += [f"- {a}" for a in item["answers"][:20]]
    if summary.get("thread"):
        lines.append("")
        lines.append(_("Written in the thread:"))
        lines += [f"- {text[:300]}" for text in summary["thread"][:20]]
    if summary["themes"]:
        lines.append("")
        lines.append(_("Recurring themes: %(themes)s", themes=", ".join(summary["themes"])))
    return "\n".join(lines)
