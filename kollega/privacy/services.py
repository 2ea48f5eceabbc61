"""Personal-data export: everything kollega holds about one person.

The export is generic on purpose: every table with a column that refers to ``people.id``
contributes the rows that refer to the person, so a table added by a feature later is
exported without anyone remembering to. Features that know their data better add a
readable section (``kollega.competence.services.export_person``). Secrets (password
hashes, session and token hashes, TOTP secrets) are never exported.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.audit.services import record
from kollega.competence.export import export_person as competence_export
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.models import metadata
from kollega.networks import public as networks
from kollega.networks.models import Message, MessageEdit
from kollega.org.models import Person
from kollega.privacy.models import ErasureRequest
from kollega.uploads import public as uploads

# Column names whose values are secrets, never exported (the row's other columns are).
SECRET_COLUMN = re.compile(r"(password|secret|token_hash|session_token|^token$|totp|hash$)")


def person_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns of ``table`` that hold a person's id (foreign keys to ``people.id``)."""
    return [
        column
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column.table.name == "people" and fk.column.name == "id"
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return None
    return value


def _row(table: sa.Table, row: sa.Row[Any]) -> dict[str, Any]:
    return {
        column.name: _plain(row._mapping[column])
        for column in table.columns
        if not SECRET_COLUMN.search(column.name)
    }


def export_person(actor: Person, person: Person) -> dict[str, Any]:
    """Everything kollega holds about ``person``, as JSON-ready data. Only the person
    themselves may ask; the export is audited."""
    permissions.require(actor.id == person.id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in metadata.sorted_tables:
        if table.name == "people":
            continue
        columns = person_columns(table)
        if not columns:
            continue
        stmt = sa.select(table).where(sa.or_(*(c == person.id for c in columns)))
        rows = [_row(table, r) for r in db.session.execute(stmt)]
        if rows:
            tables[table.name] = rows
    people = metadata.tables["people"]
    profile = _row(
        people, db.session.execute(sa.select(people).where(people.c.id == person.id)).one()
    )
    data: dict[str, Any] = {
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "profile": profile,
        "roles": sorted(person.roles),
        "unit": {"code": person.unit.code, "name": person.unit.name} if person.unit else None,
        "leads": [u.code for u in person.led_units],
        "tables": tables,
    }
    data["competence"] = competence_export(person)
    data["uploads"] = uploads.export_uploads(person.id)
    record("privacy.export", actor_id=actor.id, target_type="person", target_id=person.id)
    db.session.flush()
    return data


DELETED_USER_EMAIL = "deleted-user@kollega.invalid"


def deleted_user() -> Person:
    """The one placeholder author of kept messages whose author was erased."""
    placeholder = db.session.scalar(sa.select(Person).where(Person.email == DELETED_USER_EMAIL))
    if placeholder is None:
        placeholder = Person(
            name="Deleted user", email=DELETED_USER_EMAIL, active=False, password_hash=None
        )
        db.session.add(placeholder)
        db.session.flush()
    return placeholder


def erase_person(actor: Person, person: Person) -> None:
    """Erase the person (GDPR art. 17), carried out by an administrator: every row that
    refers to them goes (the foreign keys cascade or set null), except their messages that
    others replied to, which stay with the body removed and the placeholder "Deleted user"
    as author so the conversation still reads. The audit log keeps only the bare id."""
    permissions.require(permissions.can_manage_accounts(actor) and actor.id != person.id)
    erase(person, actor.id, "request")


def erase(person: Person, actor_id: int | None, reason: str) -> None:
    """The erasure itself, without the permission check (the retention job has no actor).
    ``reason`` ("request" or "retention") goes to the audit log with the bare id."""
    placeholder = deleted_user()
    if person.id == placeholder.id:
        return
    reply = sa.orm.aliased(Message)
    replied = db.session.scalars(
        sa.select(Message).where(
            Message.author_id == person.id,
            sa.exists().where(reply.reply_to_id == Message.id, reply.author_id != person.id),
        )
    ).all()
    for message in replied:
        db.session.execute(sa.delete(MessageEdit).where(MessageEdit.message_id == message.id))
        message.author_id = placeholder.id
        message.client_id = f"erased-{message.id}"
        message.body = ""
        message.body_html = ""
    person_id = person.id
    uploads.forget_person(person_id)  # the files too, once this commits
    networks.forget_experience_parts(author_id=person_id)  # the threads they opened stay
    db.session.flush()
    db.session.expunge(person)
    db.session.execute(sa.delete(Person).where(Person.id == person_id))
    record(
        "privacy.erase", actor_id=actor_id, target_type="person", target_id=person_id, reason=reason
    )
    db.session.flush()


def erasure_summary(person: Person) -> dict[str, int]:
    """How many rows of each table refer to the person (what an erasure removes or
    detaches), for the administrator's confirmation page. Counts only, no contents."""
    counts: dict[str, int] = {}
    for table in metadata.sorted_tables:
        columns = person_columns(table)
        if not columns or table.name == "erasure_requests":
            continue
        n = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(table)
            .where(sa.or_(*(c == person.id for c in columns)))
        )
        if n:
            counts[table.name] = n
    return counts


# --- erasure requests --------------------------------------------------------------------


def erasure_request_of(person: Person) -> ErasureRequest | None:
    """The person's open erasure request, if any."""
    return db.session.scalar(sa.select(ErasureRequest).where(ErasureRequest.person_id == person.id))


def request_erasure(person: Person) -> ErasureRequest:
    """The person asks to be erased; asking twice keeps the first request. Audited."""
    permissions.require(permissions.is_authenticated(person))
    existing = erasure_request_of(person)
    if existing is not None:
        return existing
    req = ErasureRequest(person_id=person.id)
    db.session.add(req)
    record(
        "privacy.erasure_requested", actor_id=person.id, target_type="person", target_id=person.id
    )
    db.session.flush()
    return req


def withdraw_erasure(person: Person) -> bool:
    """The person withdraws their request; False when there was none. Audited."""
    existing = erasure_request_of(person)
    if existing is None:
        return False
    db.session.delete(existing)
    record(
        "privacy.erasure_withdrawn", actor_id=person.id, target_type="person", target_id=person.id
    )
    db.session.flush()
    return True


def erasure_requests(actor: Person | None) -> list[ErasureRequest]:
    """Open erasure requests, oldest first (administrators only)."""
    permissions.require(
        permissions.can_manage_accounts(actor), _l("Only administrators handle erasure requests.")
    )
    return list(
        db.session.scalars(
            sa.select(ErasureRequest)
            .options(sa.orm.joinedload(ErasureRequest.person))
            .order_by(ErasureRequest.requested_at, ErasureRequest.id)
        )
    )


def get_erasure_request(actor: Person | None, request_id: int) -> ErasureRequest:
    """One open request (administrators only); ``NotFound`` when carried out or absent."""
    permissions.require(
        permissions.can_manage_accounts(actor), _l("Only administrators handle erasure requests.")
    )
    req = db.session.get(ErasureRequest, request_id)
    if req is None:
        raise NotFound(_l("No such erasure request. It may have been carried out already."))
    return req


def carry_out_erasure(actor: Person, req: ErasureRequest) -> int:
    """Erase the person who asked; returns their former id (for closing their sockets)."""
    person = req.person
    if actor.id == person.id:
        raise ValidationError(
            _l("Another administrator must carry out your own erasure."),
            fields={"confirm": _l("Another administrator must carry out your own erasure.")},
        )
    permissions.require(permissions.can_manage_accounts(actor))
    person_id = person.id
    erase_person(actor, person)
    return person_id


def decline_erasure(actor: Person, req: ErasureRequest) -> None:
    """Close a request without erasing (e.g. the person is still employed and asked by
    mistake); the person may ask again. Audited."""
    permissions.require(permissions.can_manage_accounts(actor))
    person_id = req.person_id
    db.session.delete(req)
    record("privacy.erasure_declined", actor_id=actor.id, target_type="person", target_id=person_id)
    db.session.flush()
