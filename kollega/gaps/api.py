"""API operations for gaps: ``/gaps``, ``/gaps/closure``, heatmap, focus areas, a
person's gaps, and CSV/XLSX exports of the gap tables."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from kollega import clock
from kollega.api import date_arg, json_body, route
from kollega.audit.services import record_read
from kollega.current import current_person
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.gaps import queries, services, suggestions
from kollega.org.models import OrgUnit, Person
from kollega.org.services import unit_by_code

ROW_SCHEMA = {
    "type": "object",
    "properties": {
        "competence": {"type": "string"},
        "people_required": {"type": "integer"},
        "people_with_gap": {"type": "integer"},
        "gap_points": {"type": "integer"},
        "coverage": {"type": "number"},
    },
    "required": ["competence", "people_required", "people_with_gap", "gap_points", "coverage"],
}
GAPS_SCHEMA = {
    "type": "object",
    "properties": {
        "unit": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "rows": {"type": "array", "items": ROW_SCHEMA},
        "total_gap_points": {"type": "integer"},
    },
    "required": ["unit", "date", "rows", "total_gap_points"],
}
CLOSURE_SCHEMA = {
    "type": "object",
    "properties": {
        "unit": {"type": "string"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "gap_points_from": {"type": "integer"},
        "gap_points_to": {"type": "integer"},
        "closure": {"type": ["number", "null"]},
        "new_gap_points": {"type": "integer"},
    },
    "required": [
        "unit",
        "from",
        "to",
        "gap_points_from",
        "gap_points_to",
        "closure",
        "new_gap_points",
    ],
}


def unit_arg(person: Person) -> OrgUnit:
    code = request.args.get("unit")
    if code:
        return unit_by_code(code)
    unit = services.default_unit(person)
    if unit is None:
        raise ValidationError(_l("Name a unit."), fields={"unit": _l("Required.")})
    return unit


@route(
    "/gaps",
    summary="Gap table of a unit's subtree at a date (a future date: today's levels)",
    query={"unit": "unit code", "date": "ISO date, default today", "competence": "one code"},
    response=GAPS_SCHEMA,
)
def gaps() -> Any:
    person = current_person()
    unit = unit_arg(person)
    at = date_arg("date")
    competence = request.args.get("competence") or None
    if competence and _competence_missing(competence):
        raise NotFound(_l("No competence with code %(code)s.", code=competence))
    return jsonify(services.unit_gap_table(person, unit, at, competence).as_json())


def _competence_missing(code: str) -> bool:
    return queries.competence_info([code]).empty


@route(
    "/gaps/closure",
    summary="Gap closure of a unit's subtree between two dates, with new gap apart",
    query={"unit": "unit code", "from": "ISO date", "to": "ISO date, default today"},
    response=CLOSURE_SCHEMA,
)
def gap_closure() -> Any:
    person = current_person()
    unit = unit_arg(person)
    start = date_arg("from")
    if start is None:
        raise ValidationError(_l("Give a start date."), fields={"from": _l("Required.")})
    end = date_arg("to", clock.today())
    assert end is not None
    return jsonify(services.unit_closure(person, unit, start, end))


@route(
    "/gaps/focus-areas",
    summary="Gap of a unit's subtree by focus area",
    query={"unit": "unit code", "date": "ISO date, default today"},
)
def gap_focus_areas() -> Any:
    person = current_person()
    unit = unit_arg(person)
    at = date_arg("date") or clock.today()
    rows = services.focus_area_table(person, unit, at)
    return jsonify({"unit": unit.code, "date": at.isoformat(), "rows": rows})


@route(
    "/gaps/heatmap",
    summary="Sub-units or people by competences, with the gap figures per cell",
    query={"unit": "unit code", "date": "ISO date", "by": "units (default) or people"},
)
def gap_heatmap() -> Any:
    person = current_person()
    unit = unit_arg(person)
    hm = services.heatmap(person, unit, date_arg("date"), request.args.get("by") or "units")
    return jsonify(
        {
            "unit": unit.code,
            "date": hm.date.isoformat(),
            "by": hm.by,
            "groups": hm.groups,
            "competences": hm.competences,
            "cells": [
                {"group": g, "competence": c, **cell} for (g, c), cell in sorted(hm.cells.items())
            ],
        }
    )


@route(
    "/people/<int:person_id>/gaps",
    summary="A person's gaps at a date (self, leader chain, HR)",
    query={"date": "ISO date, default today"},
)
def person_gaps(person_id: int) -> Any:
    target = db.session.get(Person, person_id)
    if target is None:
        raise NotFound(_l("No such person."))
    at = date_arg("date") or clock.today()
    rows = services.person_gaps(current_person(), target, at)
    record_read(current_person(), target, "gaps", via="api")
    return jsonify({"person_id": target.id, "date": at.isoformat(), "gaps": rows})


SUGGESTION_SCHEMA = {
    "type": "object",
    "properties": {
        "suggestions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["network", "training", "person"]},
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "competences": {"type": "array", "items": {"type": "string"}},
                    "reason": {"type": "string"},
                },
                "required": ["type", "id", "title", "competences", "reason"],
            },
        },
        "unit_suggestions": {"type": "array"},
    },
    "required": ["suggestions"],
}


def _person(person_id: int) -> Person:
    target = db.session.get(Person, person_id)
    if target is None:
        raise NotFound(_l("No such person."))
    return target


@route(
    "/people/<int:person_id>/suggestions",
    summary="Networks, trainings and colleagues that close the person's gaps, ranked",
    response=SUGGESTION_SCHEMA,
)
def person_suggestions(person_id: int) -> Any:
    caller = current_person()
    target = _person(person_id)
    body: dict[str, Any] = {
        "suggestions": [s.as_json() for s in suggestions.for_person(caller, target)]
    }
    if caller.id == target.id and caller.led_units:
        body["unit_suggestions"] = [
            {"unit": u.code, **p} for u in caller.led_units for p in suggestions.for_unit(caller, u)
        ]
    return jsonify(body)


@route(
    "/people/<int:person_id>/suggestions/dismiss",
    ["POST"],
    summary="Dismiss a suggestion (remembered)",
    body={
        "type": "object",
        "properties": {"type": {"type": "string"}, "id": {"type": "integer"}},
        "required": ["type", "id"],
    },
)
def dismiss_suggestion(person_id: int) -> Any:
    data = json_body(("type", "id"))
    if not isinstance(data["id"], int):
        raise ValidationError(
            _l("Must be a whole number."), fields={"id": _l("Must be a whole number.")}
        )
    suggestions.dismiss(current_person(), _person(person_id), str(data["type"]), data["id"])
    return jsonify({"dismissed": True})


@route(
    "/gaps/suggestions",
    summary="Measures for a unit: networks to start for shared gaps, trainings with seats",
    query={"unit": "unit code"},
)
def unit_suggestions() -> Any:
    caller = current_person()
    unit = unit_arg(caller)
    return jsonify({"unit": unit.code, "suggestions": suggestions.for_unit(caller, unit)})


@route(
    "/gaps/networks",
    ["POST"],
    summary="Create the proposed network for a shared gap in one step",
    body={
        "type": "object",
        "properties": {"unit": {"type": "string"}, "competence": {"type": "string"}},
        "required": ["unit", "competence"],
    },
    status=201,
)
def create_gap_network() -> Any:
    data = json_body(("unit", "competence"))
    unit = unit_by_code(str(data["unit"]))
    network = suggestions.create_proposed_network(current_person(), unit, str(data["competence"]))
    return jsonify({"id": network.id, "name": network.name, "visibility": network.visibility}), 201
