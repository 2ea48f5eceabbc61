"""JSON shapes of units and people, shared by the API and exports."""

from __future__ import annotations

from typing import Any

from kollega.org.models import OrgUnit, Person

UNIT_REF_SCHEMA = {
    "type": ["object", "null"],
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "name": {"type": "string"},
    },
}
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "employee_no": {"type": ["string", "null"]},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "unit": UNIT_REF_SCHEMA,
        "job_code": {"type": ["string", "null"]},
        "fte": {"type": "number"},
        "active": {"type": "boolean"},
    },
    "required": ["id", "employee_no", "name", "email", "unit", "job_code"],
}
UNIT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"enum": ["municipality", "division", "unit", "department"]},
        "parent_code": {"type": ["string", "null"]},
    },
    "required": ["id", "code", "name", "kind", "parent_code"],
}


def unit_ref(unit: OrgUnit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"id": unit.id, "code": unit.code, "name": unit.name}


def unit_json(unit: OrgUnit, parent_code: str | None) -> dict[str, Any]:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_code": parent_code,
    }


def person_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "employee_no": person.employee_no,
        "name": person.name,
        "email": person.email,
        "unit": unit_ref(person.unit),
        "job_code": person.job_code,
        "fte": person.fte,
        "active": person.active,
    }
