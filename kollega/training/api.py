"""API operations for the training catalogue and enrolment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from kollega.api import json_body, route
from kollega.current import current_person
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import Person
from kollega.training import services
from kollega.training.models import TRAINING_FORMATS, Enrolment, Training, TrainingSession

COMPETENCE_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "level_from": {"type": "integer"},
        "level_to": {"type": "integer"},
    },
}
TRAINING_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "competences": {"type": "array", "items": {"type": "string"}},
        "levels": {"type": "array", "items": COMPETENCE_SCHEMA},
        "format": {"type": "string", "enum": list(TRAINING_FORMATS)},
        "hours": {"type": "number"},
        "provider": {"type": "string"},
        "cost": {"type": "integer"},
        "language": {"type": "string"},
        "funding_scheme": {"type": ["string", "null"]},
        "funding_url": {"type": ["string", "null"]},
        "next_session": {"type": ["object", "null"]},
        "audience": {
            "type": "object",
            "description": "who it is meant for: job codes and org unit ids (a unit "
            "covers its subtree); both empty: everyone",
            "properties": {
                "jobs": {"type": "array", "items": {"type": "string"}},
                "units": {"type": "array", "items": {"type": "integer"}},
            },
        },
    },
    "required": ["id", "title", "competences", "format", "hours"],
}
ENROLMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "session_id": {"type": "integer"},
        "person_id": {"type": "integer"},
        "status": {"type": "string"},
        "waiting_position": {"type": ["integer", "null"]},
    },
}


def session_json(session: TrainingSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "place": session.place,
        "seats": session.seats,
        "seats_free": services.seats_free(session),
    }


def training_json(training: Training, with_sessions: bool = False) -> dict[str, Any]:
    upcoming = services.upcoming_sessions(training)
    out: dict[str, Any] = {
        "id": training.id,
        "title": training.title,
        "competences": [c.competence_code for c in training.competences],
        "levels": [
            {"code": c.competence_code, "level_from": c.level_from, "level_to": c.level_to}
            for c in training.competences
        ],
        "format": training.format,
        "hours": training.hours,
        "provider": training.provider,
        "cost": training.cost,
        "language": training.language,
        "funding_scheme": training.funding_scheme,
        "funding_url": training.funding_url,
        "next_session": session_json(upcoming[0]) if upcoming else None,
        "audience": {
            "jobs": [a.job_code for a in training.audience_jobs],
            "units": [a.unit_id for a in training.audience_units],
        },
    }
    if with_sessions:
        out["description"] = training.description
        out["sessions"] = [session_json(s) for s in training.sessions]
    return out


def enrolment_json(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "id": enrolment.id,
        "session_id": enrolment.session_id,
        "person_id": enrolment.person_id,
        "status": enrolment.status,
        "waiting_position": services.waiting_position(enrolment),
        "completed_at": enrolment.completed_at.isoformat() if enrolment.completed_at else None,
    }


@route(
    "/trainings",
    summary="The training catalogue",
    query={"competence": "competence code the training lifts", "format": "training format"},
    response={"type": "array", "items": TRAINING_SCHEMA},
)
def trainings() -> Any:
    fmt = request.args.get("format") or None
    if fmt is not None and fmt not in TRAINING_FORMATS:
        raise ValidationError(_l("Unknown format."), fields={"format": _l("Unknown format.")})
    rows = services.catalogue(competence=request.args.get("competence") or None, format=fmt)
    return jsonify([training_json(t) for t in rows])


@route(
    "/trainings/<int:training_id>",
    summary="One training with its sessions",
    response=TRAINING_SCHEMA,
)
def training_detail(training_id: int) -> Any:
    viewer = current_person()
    training = services.get_training(training_id)
    if not training.active and not viewer.is_hr:
        raise NotFound(_l("No such training."))
    return jsonify(training_json(training, with_sessions=True))


@route(
    "/training-sessions/<int:session_id>/enrolments",
    ["POST"],
    summary="Enrol (the caller, or person_id by their leader or HR); waiting list when full",
    body={"type": "object", "properties": {"person_id": {"type": "integer"}}},
    response=ENROLMENT_SCHEMA,
    status=201,
)
def enrol(session_id: int) -> Any:
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        data = json_body()
    session = services.get_session(session_id)
    person = None
    if data.get("person_id") is not None:
        if not isinstance(data["person_id"], int):
            raise ValidationError(
                _l("Must be a whole number."), fields={"person_id": _l("Must be a whole number.")}
            )
        person = db.session.get(Person, data["person_id"])
        if person is None:
            raise NotFound(_l("No such person."))
    enrolment = services.enrol(current_person(), session, person)
    return jsonify(enrolment_json(enrolment)), 201


@route(
    "/enrolments/<int:enrolment_id>/cancel",
    ["POST"],
    summary="Cancel an enrolment; the first on the waiting list moves up",
    response=ENROLMENT_SCHEMA,
)
def cancel_enrolment(enrolment_id: int) -> Any:
    enrolment = services.get_enrolment(enrolment_id)
    services.cancel(current_person(), enrolment)
    return jsonify(enrolment_json(enrolment))


@route(
    "/enrolments/<int:enrolment_id>/complete",
    ["POST"],
    summary="Record completion (HR or the leader chain); proposes assessments",
    body={"type": "object", "properties": {"completed_on": {"type": "string", "format": "date"}}},
    response=ENROLMENT_SCHEMA,
)
def complete_enrolment(enrolment_id: int) -> Any:
    data = request.get_json(silent=True) or {}
    on = None
    if isinstance(data, dict) and data.get("completed_on"):
        try:
            on = dt.date.fromisoformat(str(data["completed_on"]))
        except ValueError:
            raise ValidationError(
                _l("Not a valid date."), fields={"completed_on": _l("Use the form YYYY-MM-DD.")}
            ) from None
    enrolment = services.get_enrolment(enrolment_id)
    services.complete(current_person(), enrolment, on)
    return jsonify(enrolment_json(enrolment))
