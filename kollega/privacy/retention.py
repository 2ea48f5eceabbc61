"""Retention: how long messages and unused accounts are kept, and applying it.

The rules (one ``retention_settings`` row, set by administrators on /admin/privacy):

- Messages older than ``message_months`` are deleted, with their edits, reactions and
  notifications; ``message_scope`` says where: only in archived networks (the default: a
  network that is still in use keeps its history) or in every network.
- An account without activity for ``deactivate_months`` is deactivated. Activity is the
  latest of: created, changed (``people.updated_at``: an administrator reactivating it
  resets the clock), anything the person did that the audit log records (sign-ins
  included), a message they wrote, and a use of one of their API tokens.
- A deactivated account without activity for ``erase_months`` is erased like an erasure
  request (messages others replied to stay as "Deleted user"). Deactivation changes the
  account, so the erasure comes ``erase_months`` after the deactivation at the earliest.
- Administrators' accounts are neither deactivated nor erased by retention (a site must
  not lock itself out), nor is the "Deleted user" placeholder.

Every month value is off (``None``) until an administrator sets it: deleting people's data
is the municipality's decision, not a default.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.audit.models import AuditEvent
from kollega.audit.services import record
from kollega.auth.models import ApiToken
from kollega.db import now_utc
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.networks import public as networks
from kollega.networks.models import Message, Network, Thread
from kollega.org.models import Person, PersonRole
from kollega.privacy.models import MESSAGE_SCOPES, RetentionSettings
from kollega.privacy.services import DELETED_USER_EMAIL, erase
from kollega.uploads import public as uploads

MAX_MONTHS = 240


@dataclass
class RetentionResult:
    messages_deleted: int = 0
    deactivated: list[int] = field(default_factory=list)
    erased: list[int] = field(default_factory=list)


def current_settings() -> RetentionSettings:
    """The stored settings, or unsaved defaults (everything kept) when none are stored."""
    row = db.session.get(RetentionSettings, 1)
    if row is None:
        row = RetentionSettings(
            id=1, message_months=None, message_scope="archived", deactivate_months=None
        )
        row.erase_months = None
    return row


def _months(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= MAX_MONTHS:
        msg = _l("Between 1 and %(max)s months, or empty to keep.", max=MAX_MONTHS)
        raise ValidationError(msg, fields={name: msg})
    return value


def update_settings(
    actor: Person | None,
    message_months: int | None,
    message_scope: str,
    deactivate_months: int | None,
    erase_months: int | None,
) -> bool:
    """Store the retention rules (administrators only); True when something changed.
    Validates everything first; the change is audited with before and after."""
    permissions.require(
        permissions.can_manage_accounts(actor), _l("Only administrators set retention.")
    )
    assert actor is not None
    if message_scope not in MESSAGE_SCOPES:
        msg = _l("Choose among the listed options.")
        raise ValidationError(msg, fields={"message_scope": msg})
    wanted = {
        "message_months": _months(message_months, "message_months"),
        "message_scope": message_scope,
        "deactivate_months": _months(deactivate_months, "deactivate_months"),
        "erase_months": _months(erase_months, "erase_months"),
    }
    row = db.session.get(RetentionSettings, 1)
    before = {k: getattr(row, k) for k in wanted} if row is not None else None
    if before == wanted:
        return False
    if row is None:
        row = RetentionSettings(id=1)
        db.session.add(row)
    for key, value in wanted.items():
        setattr(row, key, value)
    row.updated_by_id = actor.id
    record("privacy.retention_changed", actor_id=actor.id, before=before or {}, after=wanted)
    db.session.flush()
    return True


def months_before(now: dt.datetime, months: int) -> dt.datetime:
    """``now`` moved back by whole calendar months (the day clamped to the month's end)."""
    total = now.year * 12 + now.month - 1 - months
    year, month = divmod(total, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def delete_old_messages(settings: RetentionSettings, now: dt.datetime) -> int:
    """Delete the messages the rules say are too old; the number deleted. Audited."""
    if not settings.message_months:
        return 0
    cutoff = months_before(now, settings.message_months)
    stmt = sa.select(Message.id).where(Message.created_at < cutoff)
    if settings.message_scope == "archived":
        stmt = stmt.join(Thread, Thread.id == Message.thread_id).join(
            Network, Network.id == Thread.network_id
        )
        stmt = stmt.where(Network.status == "archived")
    ids = list(db.session.scalars(stmt))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        uploads.forget_messages(chunk)  # their files go with them, after the commit
        db.session.execute(
            sa.delete(Message).where(Message.id.in_(chunk)),
            execution_options={"synchronize_session": False},
        )
    # The experience parts stored on the threads those messages opened go with them.
    networks.forget_experience_parts(
        before=cutoff, archived_only=settings.message_scope == "archived"
    )
    if ids:
        record(
            "privacy.retention_messages",
            count=len(ids),
            before=cutoff.date().isoformat(),
            scope=settings.message_scope,
        )
    db.session.flush()
    return len(ids)


def idle_people(cutoff: dt.datetime, active: bool) -> list[Person]:
    """People (``active`` or deactivated) with no activity since ``cutoff`` (see the
    module docstring), administrators and the placeholder excepted."""
    stmt = sa.select(Person).where(
        Person.active.is_(active),
        Person.email != DELETED_USER_EMAIL,
        Person.created_at < cutoff,
        Person.updated_at < cutoff,
        ~sa.exists().where(PersonRole.person_id == Person.id, PersonRole.role == "admin"),
        ~sa.exists().where(AuditEvent.actor_id == Person.id, AuditEvent.at >= cutoff),
        ~sa.exists().where(Message.author_id == Person.id, Message.created_at >= cutoff),
        ~sa.exists().where(ApiToken.person_id == Person.id, ApiToken.last_used_at >= cutoff),
    )
    return list(db.session.scalars(stmt.order_by(Person.id)))


def deactivate_idle(settings: RetentionSettings, now: dt.datetime) -> list[int]:
    """Deactivate accounts idle for ``deactivate_months``; their ids. Each is audited and
    signed out everywhere (the edge closes their sockets after commit)."""
    if not settings.deactivate_months:
        return []
    done = []
    for person in idle_people(months_before(now, settings.deactivate_months), active=True):
        person.active = False
        person.session_token = secrets.token_urlsafe(24)
        record(
            "privacy.retention_deactivated",
            target_type="person",
            target_id=person.id,
            months=settings.deactivate_months,
        )
        done.append(person.id)
    db.session.flush()
    return done


def erase_idle(settings: RetentionSettings, now: dt.datetime, limit: int = 100) -> list[int]:
    """Erase up to ``limit`` deactivated accounts idle for ``erase_months``; their
    former ids. Each erasure is audited with the reason "retention"."""
    if not settings.erase_months:
        return []
    done = []
    for person in idle_people(months_before(now, settings.erase_months), active=False)[:limit]:
        person_id = person.id
        erase(person, None, "retention")
        done.append(person_id)
    return done


def apply_retention(now: dt.datetime | None = None) -> RetentionResult:
    """Apply every retention rule once (flushes; the caller commits). Running it again at
    once does nothing: what it removes is gone and what it deactivates is inactive."""
    now = now or now_utc()
    settings = current_settings()
    result = RetentionResult()
    result.messages_deleted = delete_old_messages(settings, now)
    result.deactivated = deactivate_idle(settings, now)
    result.erased = erase_idle(settings, now)
    return result
