"""Required levels: one requirement at a time (units' leaders, HR for job codes) and the
bulk matrix editor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.audit.services import record
from kollega.competence.models import SCOPE_TYPES, Competence, Requirement
from kollega.competence.services import check_level, clean_note, competence_by_code, in_force_clause
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person


def _requirement_scope(scope_type: str, scope_code: str) -> tuple[OrgUnit | None, str | None]:
    if scope_type not in SCOPE_TYPES:
        msg = _l("The scope must be unit or job.")
        raise ValidationError(msg, fields={"scope_type": msg})
    code = (scope_code or "").strip()
    if scope_type == "unit":
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            msg = _l("No unit with code %(code)s.", code=code)
            raise ValidationError(msg, fields={"scope_code": msg})
        return unit, None
    if not code or len(code) > 32:
        msg = _l("Give a job code.")
        raise ValidationError(msg, fields={"scope_code": msg})
    exists = db.session.scalar(sa.select(Person.id).where(Person.job_code == code).limit(1))
    if exists is None:
        msg = _l("No one has job code %(code)s.", code=code)
        raise ValidationError(msg, fields={"scope_code": msg})
    return None, code


def _check_period(start: dt.date, until: dt.date | None) -> None:
    if until is not None and until <= start:
        msg = _l("The end date must be after the start date.")
        raise ValidationError(msg, fields={"effective_until": msg})


def create_requirement(
    actor: Person,
    scope_type: str,
    scope_code: str,
    comp: Competence,
    level: Any,
    effective_from: dt.date,
    effective_until: dt.date | None = None,
    note: str = "",
) -> Requirement:
    """A required level for a unit's subtree (its leader chain or HR) or a job code (HR)."""
    unit, job = _requirement_scope(scope_type, scope_code)
    permissions.require(
        permissions.can_set_requirements(actor, unit),
        _l("You may set requirements only for the units you lead."),
    )
    value = check_level(comp, level, allow_zero=False)
    _check_period(effective_from, effective_until)
    req = Requirement(
        scope_type=scope_type,
        unit_id=unit.id if unit else None,
        job_code=job,
        competence_id=comp.id,
        level=value,
        effective_from=effective_from,
        effective_until=effective_until,
        set_by_id=actor.id,
        note=clean_note(note),
    )
    db.session.add(req)
    db.session.flush()
    record("competence.requirement.create", actor.id, "requirement", req.id, code=comp.code)
    return req


def get_requirement(actor: Person, requirement_id: int) -> Requirement:
    """A requirement the actor may manage, or a 404 (403 when they may not)."""
    req = db.session.get(Requirement, requirement_id)
    if req is None:
        raise NotFound(_l("No such requirement."))
    permissions.require(permissions.can_set_requirements(actor, req.unit))
    return req


def update_requirement(
    actor: Person,
    req: Requirement,
    level: Any = None,
    effective_from: dt.date | None = None,
    effective_until: dt.date | None | str = "keep",
    note: Any = None,
) -> Requirement:
    """Change a requirement's level, period (``"keep"`` leaves the end date) or note."""
    permissions.require(permissions.can_set_requirements(actor, req.unit))
    if level is not None:
        req.level = check_level(req.competence, level, allow_zero=False)
    if effective_from is not None:
        req.effective_from = effective_from
    if effective_until != "keep":
        req.effective_until = effective_until  # type: ignore[assignment]
    _check_period(req.effective_from, req.effective_until)
    if note is not None:
        req.note = clean_note(note)
    req.set_by_id = actor.id
    db.session.flush()
    record("competence.requirement.update", actor.id, "requirement", req.id)
    return req


def delete_requirement(actor: Person, req: Requirement) -> None:
    """Remove a requirement (audited first, while it still exists)."""
    permissions.require(permissions.can_set_requirements(actor, req.unit))
    record("competence.requirement.delete", actor.id, "requirement", req.id)
    db.session.delete(req)
    db.session.flush()


def requirements_query(
    unit: OrgUnit | None = None, job_code: str | None = None, comp: Competence | None = None
) -> sa.Select[tuple[Requirement]]:
    """Requirements of a unit, a job code or a competence, in start order, as a query."""
    stmt = sa.select(Requirement).options(
        selectinload(Requirement.unit), selectinload(Requirement.competence)
    )
    if unit is not None:
        stmt = stmt.where(Requirement.unit_id == unit.id)
    if job_code is not None:
        stmt = stmt.where(Requirement.job_code == job_code)
    if comp is not None:
        stmt = stmt.where(Requirement.competence_id == comp.id)
    return stmt.order_by(Requirement.effective_from, Requirement.id)


def set_matrix(
    actor: Person,
    scope_type: str,
    cells: dict[tuple[str, str], int],
    effective_from: dt.date,
) -> int:
    """Bulk edit: for each (scope_code, competence_code) -> level (0 = no requirement),
    from ``effective_from`` on. A requirement in force then with another level ends the
    day before (or is replaced when it starts that very day). Returns cells changed."""
    changed = 0
    for (scope_code, code), level in sorted(cells.items()):
        comp = competence_by_code(code)
        unit, job = _requirement_scope(scope_type, scope_code)
        permissions.require(permissions.can_set_requirements(actor, unit))
        value = check_level(comp, level) if level else 0
        stmt = sa.select(Requirement).where(
            Requirement.scope_type == scope_type,
            Requirement.competence_id == comp.id,
            in_force_clause(effective_from),
        )
        stmt = stmt.where(Requirement.unit_id == unit.id if unit else Requirement.job_code == job)
        current = list(db.session.scalars(stmt))
        if value and any(r.level == value for r in current) and len(current) == 1:
            continue
        if not value and not current:
            continue
        until_next = None
        for r in current:
            until_next = r.effective_until
            if r.effective_from >= effective_from:
                db.session.delete(r)
            else:
                r.effective_until = effective_from
        if value:
            db.session.add(
                Requirement(
                    scope_type=scope_type,
                    unit_id=unit.id if unit else None,
                    job_code=job,
                    competence_id=comp.id,
                    level=value,
                    effective_from=effective_from,
                    effective_until=until_next,
                    set_by_id=actor.id,
                )
            )
        changed += 1
    db.session.flush()
    if changed:
        record("competence.requirement.matrix", actor.id, None, None, cells=changed)
    return changed


def matrix_values(
    scope: str, columns: list[str], comps: list[Competence], on: dt.date
) -> dict[tuple[str, str], int]:
    """(column code, competence code) -> the highest level required at ``on`` for the
    matrix editor's cells (columns are unit codes or job codes)."""
    stmt = (
        sa.select(Requirement)
        .where(
            Requirement.scope_type == scope,
            Requirement.competence_id.in_([c.id for c in comps] or [0]),
            in_force_clause(on),
        )
        .options(selectinload(Requirement.unit), selectinload(Requirement.competence))
    )
    out: dict[tuple[str, str], int] = {}
    for r in db.session.scalars(stmt):
        key = (r.scope_code, r.competence.code)
        if r.scope_code in columns:
            out[key] = max(out.get(key, 0), r.level)
    return out


def job_codes() -> list[str]:
    """Every job code someone has, sorted (the matrix editor's columns for job scopes)."""
    return sorted(
        c
        for c in db.session.scalars(
            sa.select(Person.job_code).where(Person.job_code.is_not(None)).distinct()
        )
        if c
    )
