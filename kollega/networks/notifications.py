"""In-app notifications and the e-mail digest setting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import (
    selectinload,
)

from kollega.db import now_utc
from kollega.extensions import db
from kollega.networks.common import as_int, clean_choice
from kollega.networks.models import (
    DIGEST_CHOICES,
    Notification,
    NotificationSetting,
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
