"""API operations for the organisation: ``/me``, ``/units``, ``/people``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload

from kollega import permissions
from kollega.api import route
from kollega.current import current_person
from kollega.errors import NotFound, PermissionDenied
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person
from kollega.org.serialise import PERSON_SCHEMA, UNIT_SCHEMA, person_json, unit_json, unit_ref
from kollega.org.services import unit_by_code

ME_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "unit": PERSON_SCHEMA["properties"]["unit"],
        "leads": {"type": "array", "items": {"type": "string"}},
        "calendar_url": {"type": ["string", "null"]},
    },
    "required": ["id", "name", "email", "roles", "unit", "leads", "calendar_url"],
}


def calendar_url_for(person: Person) -> str | None:
    """The person's calendar feed once the annual cycle provides one."""
    provider = current_app.extensions.get("kollega.calendar_url")
    return provider(person) if provider else None


@route("/me", summary="The signed-in person", response=ME_SCHEMA)
def me() -> Any:
    person = current_person()
    return jsonify(
        {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "roles": person.roles,
            "unit": unit_ref(person.unit),
            "leads": [u.code for u in person.led_units],
            "calendar_url": calendar_url_for(person),
            "locale": person.locale,
        }
    )


@route("/units", summary="The unit tree, flat", response={"type": "array", "items": UNIT_SCHEMA})
def units() -> Any:
    person = current_person()
    if person.is_guest:
        raise PermissionDenied(_l("Guests do not see the organisation."))
    parent = aliased(OrgUnit)
    rows = db.session.execute(
        sa.select(OrgUnit, parent.code)
        .outerjoin(parent, OrgUnit.parent_id == parent.id)
        .order_by(OrgUnit.path)
    )
    return jsonify([unit_json(u, pcode) for u, pcode in rows])


@route(
    "/people",
    summary="People the caller may see",
    query={"employee_no": "exact employee number", "unit": "unit code: that unit's subtree"},
    response={"type": "array", "items": PERSON_SCHEMA},
)
def people() -> Any:
    person = current_person()
    stmt = (
        sa.select(Person)
        .where(permissions.visible_people_filter(person))
        .options(selectinload(Person.unit))
        .order_by(Person.name, Person.id)
    )
    if employee_no := request.args.get("employee_no"):
        stmt = stmt.where(Person.employee_no == employee_no)
    if code := request.args.get("unit"):
        unit = unit_by_code(code)
        stmt = stmt.join(OrgUnit, Person.unit_id == OrgUnit.id).where(
            OrgUnit.path.startswith(unit.path)
        )
    return jsonify([person_json(p) for p in db.session.scalars(stmt)])


@route("/people/<int:person_id>", summary="One person", response=PERSON_SCHEMA)
def person_detail(person_id: int) -> Any:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_l("No such person."))
    permissions.require(permissions.can_view_person(current_person(), person))
    return jsonify(person_json(person))
