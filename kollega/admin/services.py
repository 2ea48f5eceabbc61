"""Use cases of the admin pages: find accounts, change roles, leaders, active flag,
reset passwords, read the audit log. Every function checks ``can_manage_accounts``."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.audit.models import AuditEvent
from kollega.audit.services import record
from kollega.auth import services as auth_services
from kollega.auth.services import set_password
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import STORED_ROLES, OrgUnit, Person
from kollega.org.services import set_leader, set_roles

PAGE_SIZE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _require_admin(actor: Person | None) -> Person:
    permissions.require(
        permissions.can_manage_accounts(actor), _l("Only administrators manage accounts.")
    )
    assert actor is not None
    return actor


def search_people(actor: Person | None, query: str = "", page: int = 1) -> Page[Person]:
    """People whose name, e-mail or employee number contains ``query``, by name, paged."""
    _require_admin(actor)
    stmt = sa.select(Person)
    query = query.strip()[:200]
    if query:
        needle = query.lower()
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Person.name).contains(needle, autoescape=True),
                sa.func.lower(Person.email).contains(needle, autoescape=True),
                sa.func.lower(Person.employee_no).contains(needle, autoescape=True),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    page = max(page, 1)
    items = list(
        db.session.scalars(
            stmt.order_by(Person.name, Person.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
    )
    return Page(items, total, page)


def get_account(actor: Person | None, person_id: int) -> Person:
    """The person whose account an admin is looking at; ``NotFound`` when absent."""
    _require_admin(actor)
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_l("No such person."))
    return person


def parse_unit_codes(text: str) -> list[str]:
    """Split "A1, B2; C3" into unit codes (commas, semicolons or white space)."""
    return [c for c in text.replace(";", ",").replace("\n", ",").replace(" ", ",").split(",") if c]


def update_account(
    actor: Person | None,
    person: Person,
    roles: Iterable[str],
    lead_codes: Iterable[str],
    active: bool,
) -> bool:
    """Set stored roles, the units the person leads and whether the account is active.

    Validates everything before changing anything. Records one audit event per kind of
    change. Returns True when the person's sessions were ended (role, leader or active
    change), so the edge disconnects their sockets after committing.
    """
    actor = _require_admin(actor)
    wanted_roles = _checked_roles(roles)
    codes = sorted(set(lead_codes))
    units = _units_to_lead(codes)
    if person.id == actor.id:
        _check_own_account(wanted_roles, active)
    changed = _change_roles(actor, person, wanted_roles)
    changed = _change_leaderships(actor, person, codes, units) or changed
    changed = _change_active(actor, person, active) or changed
    if changed:
        # Sign the person out everywhere: their next request starts from the new rights.
        person.session_token = secrets.token_urlsafe(24)
    db.session.flush()
    return changed


def _checked_roles(roles: Iterable[str]) -> list[str]:
    """The wanted stored roles, sorted; ``ValidationError`` for none or an unknown one."""
    wanted_roles = sorted(set(roles))
    unknown = [r for r in wanted_roles if r not in STORED_ROLES]
    if unknown:
        raise ValidationError(
            _l("Unknown role: %(role)s.", role=", ".join(unknown)),
            fields={"roles": _l("Choose among the listed roles.")},
        )
    if not wanted_roles:
        raise ValidationError(
            _l("Choose at least one role."), fields={"roles": _l("Choose at least one role.")}
        )
    return wanted_roles


def _units_to_lead(codes: list[str]) -> list[OrgUnit]:
    """The units with these codes; ``ValidationError`` naming any code that has none."""
    units = list(db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code.in_(codes))))
    missing = sorted(set(codes) - {u.code for u in units})
    if missing:
        raise ValidationError(
            _l("No unit with code %(code)s.", code=", ".join(missing)),
            fields={"leads": _l("Unknown unit code: %(code)s.", code=", ".join(missing))},
        )
    return units


def _check_own_account(wanted_roles: list[str], active: bool) -> None:
    """An administrator may not lock themselves out."""
    if "admin" not in wanted_roles:
        raise ValidationError(
            _l("You cannot remove your own administrator role."),
            fields={"roles": _l("You cannot remove your own administrator role.")},
        )
    if not active:
        raise ValidationError(
            _l("You cannot deactivate your own account."),
            fields={"active": _l("You cannot deactivate your own account.")},
        )


def _change_roles(actor: Person, person: Person, wanted_roles: list[str]) -> bool:
    """Store the roles and audit the change; whether anything changed."""
    before_roles = sorted(person.stored_roles)
    if before_roles == wanted_roles:
        return False
    set_roles(person, wanted_roles)
    record(
        "admin.roles_changed",
        actor_id=actor.id,
        target_type="person",
        target_id=person.id,
        before=before_roles,
        after=wanted_roles,
    )
    return True


def _change_leaderships(
    actor: Person, person: Person, codes: list[str], units: list[OrgUnit]
) -> bool:
    """Lead exactly the units with these codes and audit the change; whether anything
    changed."""
    current = {u.code: u for u in person.led_units}
    added = [u for u in units if u.code not in current]
    removed = [u for code, u in current.items() if code not in codes]
    for unit in added:
        set_leader(person, unit, True)
    for unit in removed:
        set_leader(person, unit, False)
    if not (added or removed):
        return False
    record(
        "admin.leader_changed",
        actor_id=actor.id,
        target_type="person",
        target_id=person.id,
        added=sorted(u.code for u in added),
        removed=sorted(u.code for u in removed),
    )
    return True


def _change_active(actor: Person, person: Person, active: bool) -> bool:
    """Activate or deactivate the account and audit it; whether anything changed."""
    if person.active == active:
        return False
    person.active = active
    record(
        "admin.activated" if active else "admin.deactivated",
        actor_id=actor.id,
        target_type="person",
        target_id=person.id,
    )
    return True


def reset_second_factor(actor: Person | None, person: Person) -> None:
    """An admin removes a person's lost second factor (see auth's reset_second_factor)."""
    actor = _require_admin(actor)
    auth_services.reset_second_factor(person, actor.id, "admin")


def reset_password(actor: Person | None, person: Person, password: str) -> None:
    """Give the person a new password typed by an admin; ends all their sessions."""
    actor = _require_admin(actor)
    if person.id == actor.id:
        raise ValidationError(
            _l("Change your own password on the Change password page."),
            fields={"password": _l("Use the Change password page for your own password.")},
        )
    set_password(person, password)
    record("admin.password_reset", actor_id=actor.id, target_type="person", target_id=person.id)
    db.session.flush()


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: Person | None
    target: Person | None


def audit_actions(actor: Person | None) -> list[str]:
    """The distinct actions in the log, for the filter."""
    _require_admin(actor)
    return list(
        db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def audit_log(
    actor: Person | None, action: str = "", page: int = 1, person: str = ""
) -> Page[AuditRow]:
    """Audit events, newest first, paged; optionally of one action, and of the people
    whose name, e-mail or employee number contains ``person`` (as actor or as target)."""
    _require_admin(actor)
    stmt = sa.select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action[:64])
    needle = person.strip().lower()[:200]
    if needle:
        matching = sa.select(Person.id).where(
            sa.or_(
                sa.func.lower(Person.name).contains(needle, autoescape=True),
                sa.func.lower(Person.email).contains(needle, autoescape=True),
                sa.func.lower(Person.employee_no).contains(needle, autoescape=True),
            )
        )
        stmt = stmt.where(
            sa.or_(
                AuditEvent.actor_id.in_(matching),
                sa.and_(AuditEvent.target_type == "person", AuditEvent.target_id.in_(matching)),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    page = max(page, 1)
    events = list(
        db.session.scalars(
            stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    ids = {e.actor_id for e in events if e.actor_id} | {
        e.target_id for e in events if e.target_type == "person" and e.target_id
    }
    people = (
        {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))}
        if ids
        else {}
    )
    rows = [
        AuditRow(
            e,
            people.get(e.actor_id) if e.actor_id else None,
            people.get(e.target_id) if e.target_type == "person" and e.target_id else None,
        )
        for e in events
    ]
    return Page(rows, total, page)
