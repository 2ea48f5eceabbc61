"""Use cases for the unit tree and people: create, update, roles, leaders."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import lazy_gettext as _l

from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import (
    STORED_ROLES,
    UNIT_KINDS,
    OrgUnit,
    Person,
    PersonRole,
    UnitLeader,
    job_names,
)


def unit_by_code(code: str) -> OrgUnit:
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFound(_l("No unit with code %(code)s.", code=code))
    return unit


def create_or_update_unit(code: str, name: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
    """Create the unit with this code, or update it; keeps materialised paths right."""
    if kind not in UNIT_KINDS:
        raise ValidationError(_l("Unknown unit kind: %(kind)s.", kind=kind))
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        unit = OrgUnit(code=code, name=name, kind=kind, path="")
        db.session.add(unit)
    else:
        unit.name, unit.kind = name, kind
    if parent is not None and parent.id is None:
        db.session.flush()
    if (
        unit.id is not None
        and parent is not None
        and parent.path.startswith(unit.path)
        and unit.path
    ):
        raise ValidationError(_l("A unit cannot be placed under itself."))
    unit.parent = parent
    db.session.flush()
    _repath(unit)
    return unit


def _repath(unit: OrgUnit) -> None:
    old = unit.path
    new = (unit.parent.path if unit.parent else "/") + f"{unit.id}/"
    if old == new:
        return
    unit.path = new
    if old:
        # Move the whole subtree in one statement.
        db.session.execute(
            sa.update(OrgUnit)
            .where(OrgUnit.path.startswith(old), OrgUnit.id != unit.id)
            .values(path=sa.func.replace(OrgUnit.path, old, new))
            .execution_options(synchronize_session=False)
        )
    db.session.flush()


def set_roles(person: Person, roles: Iterable[str]) -> None:
    """Replace the stored roles (``leader`` is not stored; see ``set_leader``)."""
    wanted = {r for r in roles if r in STORED_ROLES}
    unknown = set(roles) - set(STORED_ROLES) - {"leader"}
    if unknown:
        raise ValidationError(_l("Unknown role: %(role)s.", role=", ".join(sorted(unknown))))
    current = {r.role: r for r in person.role_rows}
    for role, row in current.items():
        if role not in wanted:
            person.role_rows.remove(row)
    for role in wanted - current.keys():
        person.role_rows.append(PersonRole(role=role))
    db.session.flush()


def set_leader(person: Person, unit: OrgUnit, leads: bool = True) -> None:
    """Make the person leader of the unit (and so of its subtree), or stop it."""
    row = db.session.get(UnitLeader, (person.id, unit.id))
    if leads and row is None:
        db.session.add(UnitLeader(person_id=person.id, unit_id=unit.id))
    elif not leads and row is not None:
        db.session.delete(row)
    db.session.flush()
    db.session.expire(person, ["led_units"])


def leaders_of(unit: OrgUnit) -> list[Person]:
    """The people leading this exact unit."""
    return list(
        db.session.scalars(
            sa.select(Person)
            .join(UnitLeader, UnitLeader.person_id == Person.id)
            .where(UnitLeader.unit_id == unit.id)
            .order_by(Person.name)
        )
    )


def subtree(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and everything below it, in tree order."""
    return list(
        db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.path.startswith(unit.path)).order_by(OrgUnit.path)
        )
    )


def people_in_subtree(unit: OrgUnit, active_only: bool = True) -> sa.Select[tuple[Person]]:
    stmt = (
        sa.select(Person)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(unit.path))
    )
    if active_only:
        stmt = stmt.where(Person.active.is_(True))
    return stmt.order_by(Person.name)


def root_units() -> list[OrgUnit]:
    return list(
        db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.name)
        )
    )


def manageable_units(actor: Person) -> list[OrgUnit]:
    """The units whose requirements, plans and cycle the actor may manage: every unit
    for HR, otherwise the subtrees the actor leads, in tree order."""
    if actor.is_hr:
        return list(db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.path)))
    paths = [u.path for u in actor.led_units]
    if not paths:
        return []
    return list(
        db.session.scalars(
            sa.select(OrgUnit)
            .where(sa.or_(*[OrgUnit.path.startswith(p) for p in paths]))
            .order_by(OrgUnit.path)
        )
    )


def job_name(code: str | None) -> str:
    """A job code's readable name from the ``jobs`` table, the code itself when it has
    none (the ``job_name`` template filter, pages and documents alike). The names are read
    once per request."""
    if not code:
        return ""
    names = g.get("kollega_job_names") if has_app_context() else None
    if names is None:
        names = job_names()
        if has_app_context():
            g.kollega_job_names = names
    return names.get(code, code)
