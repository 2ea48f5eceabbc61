"""In-app notifications and the person's notification settings: the e-mail digest,
desktop notifications (the browser's Notification API, for mentions and replies) and
quiet hours (Europe/Oslo; no desktop notifications and no e-mail in them: the digest
waits until they end, ``kollega.cycle.digest``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import (
    selectinload,
)

from kollega import realtime
from kollega.clock import OSLO
from kollega.db import now_utc
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.networks.common import as_int, clean_choice, thread_link
from kollega.networks.models import (
    DIGEST_CHOICES,
    Message,
    Notification,
    NotificationSetting,
    Thread,
)
from kollega.org.models import Person


def list_notifications(
    person: Person, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    stmt = (
        sa.select(Notification)
        .where(Notification.person_id == person.id)
        .options(
            selectinload(Notification.actor),
            selectinload(Notification.thread),
            selectinload(Notification.network),
        )
        .order_by(Notification.id.desc())
        .limit(max(1, min(limit, 200)))
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(db.session.scalars(stmt))


def unread_notification_count(person: Person) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Notification.person_id == person.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_notifications_read(person: Person, ids: Iterable[Any] | None = None) -> int:
    """Mark the person's notifications (all, or those with ``ids``) read; returns how many."""
    stmt = sa.update(Notification).where(
        Notification.person_id == person.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_([as_int(i, "ids") for i in ids]))
    result = db.session.execute(
        stmt.values(read_at=now_utc()).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def email_digest(person: Person) -> str:
    setting = db.session.get(NotificationSetting, person.id)
    return setting.email_digest if setting else "weekly"


def set_email_digest(person: Person, choice: Any) -> str:
    """How often the person wants an e-mail digest of notifications (never, daily, weekly)."""
    choice = clean_choice(choice, "email_digest", DIGEST_CHOICES)
    setting = db.session.get(NotificationSetting, person.id)
    if setting is None:
        db.session.add(NotificationSetting(person_id=person.id, email_digest=choice))
    else:
        setting.email_digest = choice
    db.session.flush()
    return choice


# --- desktop notifications and quiet hours ----------------------------------------------

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
SETTING_FIELDS = ("email_digest", "desktop_notifications", "quiet_from", "quiet_to")


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def settings_json(person: Person) -> dict[str, Any]:
    """The person's notification settings as the API and the chat client read them."""
    setting = db.session.get(NotificationSetting, person.id)
    return {
        "email_digest": setting.email_digest if setting else "weekly",
        "desktop_notifications": bool(setting and setting.desktop_notifications),
        "quiet_from": _hhmm(setting.quiet_from) if setting else None,
        "quiet_to": _hhmm(setting.quiet_to) if setting else None,
        "timezone": "Europe/Oslo",
    }


def parse_time(value: Any, field: str) -> dt.time | None:
    """``HH:MM`` (or ``HH:MM:SS``, as some browsers send) as a time; empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        message = _l("Give a time as HH:MM, from 00:00 to 23:59.")
        raise ValidationError(message, fields={field: message})
    return dt.time(int(match.group(1)), int(match.group(2)))


def _parse_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("on", "true", "1", "yes"):
        return True
    if value in ("", "off", "false", "0", "no"):
        return False
    message = _l("Must be true or false.")
    raise ValidationError(message, fields={field: message})


def _check_quiet(quiet_from: dt.time | None, quiet_to: dt.time | None) -> None:
    if (quiet_from is None) != (quiet_to is None):
        field = "quiet_to" if quiet_to is None else "quiet_from"
        message = _l("Give both the start and the end of the quiet hours, or neither.")
        raise ValidationError(message, fields={field: message})
    if quiet_from is not None and quiet_from == quiet_to:
        message = _l("The quiet hours must end at another time than they start.")
        raise ValidationError(message, fields={"quiet_to": message})


def set_notification_settings(person: Person, data: Mapping[str, Any]) -> dict[str, Any]:
    """Change the settings named in ``data`` (the others stay): ``email_digest``,
    ``desktop_notifications``, ``quiet_from`` and ``quiet_to`` (HH:MM, Europe/Oslo; both
    or neither). Every value is checked before anything is changed; a bad one is a
    ``ValidationError`` naming its field. Returns ``settings_json``."""
    # "timezone" is read only: a client may send back what it read.
    unknown = [key for key in data if key not in (*SETTING_FIELDS, "timezone")]
    if unknown:
        message = _l("Unknown setting.")
        raise ValidationError(message, fields=dict.fromkeys(unknown, message))
    setting = db.session.get(NotificationSetting, person.id)
    digest = setting.email_digest if setting else "weekly"
    desktop = bool(setting and setting.desktop_notifications)
    quiet_from = setting.quiet_from if setting else None
    quiet_to = setting.quiet_to if setting else None
    if "email_digest" in data:
        digest = clean_choice(data["email_digest"], "email_digest", DIGEST_CHOICES)
    if "desktop_notifications" in data:
        desktop = _parse_bool(data["desktop_notifications"], "desktop_notifications")
    if "quiet_from" in data:
        quiet_from = parse_time(data["quiet_from"], "quiet_from")
    if "quiet_to" in data:
        quiet_to = parse_time(data["quiet_to"], "quiet_to")
    _check_quiet(quiet_from, quiet_to)
    if setting is None:
        setting = NotificationSetting(person_id=person.id)
        db.session.add(setting)
    setting.email_digest = digest
    setting.desktop_notifications = desktop
    setting.quiet_from, setting.quiet_to = quiet_from, quiet_to
    db.session.flush()
    return settings_json(person)


def within_quiet_hours(quiet_from: dt.time, quiet_to: dt.time, when: dt.datetime) -> bool:
    """Whether ``when`` (aware) falls in the quiet hours from ``quiet_from`` up to
    ``quiet_to`` (Oslo wall-clock; a window that ends before it starts spans midnight)."""
    local = when.astimezone(OSLO).time().replace(second=0, microsecond=0)
    if quiet_from < quiet_to:
        return quiet_from <= local < quiet_to
    return local >= quiet_from or local < quiet_to


def in_quiet_hours(person: Person, when: dt.datetime) -> bool:
    """Whether the person's quiet hours cover ``when`` (False without quiet hours)."""
    setting = db.session.get(NotificationSetting, person.id)
    if setting is None or setting.quiet_from is None or setting.quiet_to is None:
        return False
    return within_quiet_hours(setting.quiet_from, setting.quiet_to, when)


def has_quiet_hours(person: Person) -> bool:
    """Whether the person has set quiet hours."""
    setting = db.session.get(NotificationSetting, person.id)
    return bool(setting and setting.quiet_from is not None and setting.quiet_to is not None)


def quiet_hours_people(digest: str) -> list[int]:
    """Ids of the people with quiet hours whose e-mail digest choice is ``digest`` (the
    digest's second pass sends them what their quiet hours held back)."""
    return list(
        db.session.scalars(
            sa.select(NotificationSetting.person_id).where(
                NotificationSetting.quiet_from.is_not(None),
                NotificationSetting.quiet_to.is_not(None),
                NotificationSetting.email_digest == digest,
            )
        )
    )


def notify_stop_summary(person_ids: Iterable[int], thread_id: int, link: str) -> None:
    """Tell each person that the summary of a stop they were invited to is ready: an
    in-app notification about the stop's reflection thread, linking to ``link`` (the stop's
    page), which the e-mail digest carries too; ``notification:new`` after the commit."""
    network_id = db.session.scalar(sa.select(Thread.network_id).where(Thread.id == thread_id))
    ids = sorted(set(person_ids))
    for pid in ids:
        db.session.add(
            Notification(
                person_id=pid,
                kind="stop_summary",
                network_id=network_id,
                thread_id=thread_id,
                link=link,
            )
        )
    if ids:
        realtime.queue(
            [realtime.person_room(pid) for pid in ids],
            "notification:new",
            {"kind": "stop_summary", "thread_id": thread_id},
        )


def notify_new_mentions(
    author: Person, message: Message, mentioned: Iterable[int], before: Iterable[int]
) -> list[int]:
    """After an edit of ``message``: a "mention" notification (stored, and
    ``notification:new`` after the commit, as a new message's mentions get) for each
    person in ``mentioned`` (the edited text's mentions) who was not mentioned ``before``
    the edit and has no mention notification of this message yet (a mention removed and
    added again is told once). Returns the ids notified, sorted."""
    new = set(mentioned) - set(before) - {author.id}
    if not new:
        return []
    already = db.session.scalars(
        sa.select(Notification.person_id).where(
            Notification.message_id == message.id, Notification.kind == "mention"
        )
    )
    ids = sorted(new - set(already))
    if not ids:
        return []
    thread_id, seq = message.thread_id, message.seq
    network_id = db.session.scalar(sa.select(Thread.network_id).where(Thread.id == thread_id))
    now = now_utc()
    db.session.execute(
        sa.insert(Notification),
        [
            {
                "person_id": pid,
                "kind": "mention",
                "actor_id": author.id,
                "network_id": network_id,
                "thread_id": thread_id,
                "message_id": message.id,
                "link": thread_link(thread_id, seq),
                "created_at": now,
            }
            for pid in ids
        ],
    )
    for pid in ids:
        realtime.queue(
            realtime.person_room(pid),
            "notification:new",
            {"kind": "mention", "thread_id": thread_id, "message_id": message.id, "seq": seq},
        )
    return ids
