"""API operations for the competence register (DESIGN.md: contracts)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import jsonify, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.api import json_body, route
from kollega.audit.services import record_read
from kollega.clock import today
from kollega.competence import credentials, requirements, services
from kollega.competence.assessments import assess
from kollega.competence.models import CREDENTIAL_KINDS, Requirement
from kollega.current import current_person
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person

FRAMEWORKS_SCHEMA = {
    "type": "object",
    "properties": {
        "frameworks": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "levels": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "level": {"type": "integer"},
                                "name": {"type": "string"},
                                "group": {"type": "string"},
                                "descriptor": {"type": "string"},
                            },
                        },
                    },
                    "competences": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "area": {"type": "string"},
                                "name": {"type": "string"},
                                "focus_area": {"type": "string"},
                                "covers": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        }
    },
    "required": ["frameworks"],
}
PERSON_COMPETENCES_SCHEMA = {
    "type": "object",
    "properties": {
        "competences": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "level": {"type": "integer"},
                    "source": {"enum": ["self", "leader", "formal", None]},
                    "assessed_on": {"type": ["string", "null"], "format": "date"},
                    "required_level": {"type": "integer"},
                    "gap": {"type": "integer"},
                    "self_level": {"type": ["integer", "null"]},
                    "leader_level": {"type": ["integer", "null"]},
                },
            },
        }
    },
    "required": ["competences"],
}
ASSESSMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "level": {"type": "integer"},
        "source": {"enum": ["self", "leader", "formal"]},
        "assessed_on": {"type": "string", "format": "date"},
        "note": {"type": "string"},
    },
}
REQUIREMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "scope_type": {"enum": ["unit", "job"]},
        "scope_code": {"type": "string"},
        "competence_code": {"type": "string"},
        "level": {"type": "integer"},
        "effective_from": {"type": "string", "format": "date"},
        "effective_until": {"type": ["string", "null"], "format": "date"},
    },
}
REQUIREMENT_BODY = {
    "type": "object",
    "properties": REQUIREMENT_SCHEMA["properties"] | {"note": {"type": "string"}},
    "required": ["scope_type", "scope_code", "competence_code", "level", "effective_from"],
}


def _locale() -> str:
    return str(get_locale() or "nb")


def _person_by_id(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_l("No such person."))
    return person


@route(
    "/competences",
    summary="Competence frameworks with their level scales and competences",
    query={"framework": "framework code, e.g. digcomp-2.2"},
    response=FRAMEWORKS_SCHEMA,
)
def competences_list() -> Any:
    loc = _locale()
    code = request.args.get("framework") or None
    found = services.frameworks(code)
    if code and not found:
        raise NotFound(_l("No framework with code %(code)s.", code=code))
    return jsonify(
        {
            "frameworks": [
                {
                    "code": fw.code,
                    "name": fw.name(loc),
                    "version": fw.version,
                    "focus_area": fw.focus_area,
                    "levels": [
                        {
                            "level": lv.level,
                            "name": lv.name(loc),
                            "group": lv.group_code,
                            "descriptor": lv.descriptor(loc),
                        }
                        for lv in fw.levels
                    ],
                    "competences": [
                        {
                            "code": c.code,
                            "area": c.area,
                            "area_name": fw.area_name(c.area, loc),
                            "name": c.name(loc),
                            "description": c.description(loc),
                            "focus_area": c.focus_area,
                            "covers": c.covers_list,
                        }
                        for c in fw.competences
                        if c.active
                    ],
                }
                for fw in found
            ]
        }
    )


@route(
    "/people/<int:person_id>/competences",
    summary="A person's current and required levels and gaps at a date (default today)",
    query={"date": "ISO 8601 date"},
    response=PERSON_COMPETENCES_SCHEMA,
)
def person_competences(person_id: int) -> Any:
    person = _person_by_id(person_id)
    raw = request.args.get("date")
    on = services.parse_date(raw, "date") if raw else today()
    rows = services.person_competences(current_person(), person, on)
    record_read(current_person(), person, "competence", via="api")
    return jsonify({"person_id": person.id, "date": on.isoformat(), "competences": rows})


@route(
    "/people/<int:person_id>/competences/<code>",
    ["PUT"],
    summary="Self-assessment (the caller is the person) or leader review (the caller leads them)",
    body={
        "type": "object",
        "properties": {"level": {"type": "integer"}, "note": {"type": "string"}},
        "required": ["level"],
    },
    response=ASSESSMENT_SCHEMA,
)
def person_competence_put(person_id: int, code: str) -> Any:
    person = _person_by_id(person_id)
    me = current_person()
    # Permission first: a stranger learns nothing about codes or levels.
    permissions.require(
        permissions.can_assess_self(me, person) or permissions.can_review_competence(me, person)
    )
    data = json_body()
    comp = services.competence_by_code(code)
    if "level" not in data:
        msg = _l("Required.")
        raise ValidationError(_l("Some required fields are missing."), fields={"level": msg})
    note = data.get("note") or ""
    if not isinstance(note, str):
        raise ValidationError(
            _l("The note must be text."), fields={"note": _l("The note must be text.")}
        )
    level = data.get("level")
    if not isinstance(level, int) or isinstance(level, bool):
        if me.id != person.id and level is None:
            level = None  # a leader confirming the self-assessment as it is
        else:
            msg = _l("Must be a whole number.")
            raise ValidationError(msg, fields={"level": msg})
    a = assess(me, person, comp, level, note)
    return jsonify(
        {
            "id": a.id,
            "code": comp.code,
            "level": a.level,
            "source": a.source,
            "assessed_on": a.assessed_on.isoformat(),
            "note": a.note,
        }
    ), 200


CREDENTIALS_SCHEMA = {
    "type": "object",
    "properties": {
        "person_id": {"type": "integer"},
        "date": {"type": "string", "format": "date"},
        "credentials": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "kind": {"enum": list(CREDENTIAL_KINDS)},
                    "issuer": {"type": "string"},
                    "issued_on": {"type": ["string", "null"], "format": "date"},
                    "expires_on": {"type": ["string", "null"], "format": "date"},
                    "valid": {"type": "boolean"},
                    "expiring_soon": {"type": "boolean"},
                    "competences": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "level": {"type": "integer"},
                            },
                        },
                    },
                },
            },
        },
    },
    "required": ["credentials"],
}


@route(
    "/people/<int:person_id>/credentials",
    summary="A person's formal competence (education, certificates, authorisations, "
    "courses): what each evidences, until when, and whether it counts today "
    "(the person, their leader chain and HR)",
    response=CREDENTIALS_SCHEMA,
)
def person_credentials(person_id: int) -> Any:
    person = _person_by_id(person_id)
    found = credentials.person_credentials(current_person(), person)
    record_read(current_person(), person, "competence", via="api")
    on = today()
    return jsonify(
        {
            "person_id": person.id,
            "date": on.isoformat(),
            "credentials": [credentials.credential_json(c, on) for c in found],
        }
    )


# --- requirements ---------------------------------------------------------------------


def requirement_json(req: Requirement) -> dict[str, Any]:
    return {
        "id": req.id,
        "scope_type": req.scope_type,
        "scope_code": req.scope_code,
        "competence_code": req.competence.code,
        "level": req.level,
        "effective_from": req.effective_from.isoformat(),
        "effective_until": req.effective_until.isoformat() if req.effective_until else None,
        "note": req.note,
    }


@route(
    "/requirements",
    summary="Requirements the caller may manage (leaders: their subtrees; HR: all)",
    query={
        "unit": "unit code (that unit's own requirements)",
        "job": "job code",
        "competence": "competence code",
    },
    response={"type": "array", "items": REQUIREMENT_SCHEMA},
)
def requirements_list() -> Any:
    me = current_person()
    unit = comp = None
    if code := request.args.get("unit"):
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            raise NotFound(_l("No unit with code %(code)s.", code=code))
        permissions.require(permissions.can_set_requirements(me, unit))
    if code := request.args.get("competence"):
        comp = services.competence_by_code(code)
    stmt = requirements.requirements_query(unit, request.args.get("job") or None, comp)
    if not me.is_hr:
        paths = permissions.led_paths(me)
        permissions.require(bool(paths))
        stmt = stmt.join(OrgUnit, Requirement.unit_id == OrgUnit.id).where(
            sa.or_(*[OrgUnit.path.startswith(p) for p in paths])
        )
    return jsonify([requirement_json(r) for r in db.session.scalars(stmt)])


def _dates(data: dict[str, Any], require_from: bool) -> tuple[Any, Any]:
    start = None
    if require_from or data.get("effective_from"):
        start = services.parse_date(data.get("effective_from"), "effective_from")
    until: Any = "keep"
    if "effective_until" in data:
        raw = data.get("effective_until")
        until = services.parse_date(raw, "effective_until") if raw else None
    return start, until


@route(
    "/requirements",
    ["POST"],
    summary="Set a requirement for a unit's subtree (its leaders, HR) or a job code (HR)",
    body=REQUIREMENT_BODY,
    response=REQUIREMENT_SCHEMA,
    status=201,
)
def requirements_create() -> Any:
    data = json_body(("scope_type", "scope_code", "competence_code", "level", "effective_from"))
    me = current_person()
    start, until = _dates(data, True)
    comp = services.competence_by_code(str(data["competence_code"]))
    req = requirements.create_requirement(
        me,
        str(data["scope_type"]),
        str(data["scope_code"]),
        comp,
        data["level"],
        start,
        None if until == "keep" else until,
        str(data.get("note") or ""),
    )
    return jsonify(requirement_json(req)), 201


@route("/requirements/<int:requirement_id>", summary="One requirement", response=REQUIREMENT_SCHEMA)
def requirement_get(requirement_id: int) -> Any:
    return jsonify(requirement_json(requirements.get_requirement(current_person(), requirement_id)))


@route(
    "/requirements/<int:requirement_id>",
    ["PATCH", "PUT"],
    summary="Change a requirement's level, period or note",
    body={"type": "object", "properties": REQUIREMENT_BODY["properties"]},
    response=REQUIREMENT_SCHEMA,
)
def requirement_update(requirement_id: int) -> Any:
    me = current_person()
    req = requirements.get_requirement(me, requirement_id)
    data = json_body()
    start, until = _dates(data, False)
    requirements.update_requirement(
        me, req, data.get("level"), start, until, data.get("note") if "note" in data else None
    )
    return jsonify(requirement_json(req))


@route(
    "/requirements/<int:requirement_id>",
    ["DELETE"],
    summary="Remove a requirement",
    status=204,
)
def requirement_delete(requirement_id: int) -> Any:
    me = current_person()
    req = requirements.get_requirement(me, requirement_id)
    requirements.delete_requirement(me, req)
    return "", 204
