"""API operations of the annual cycle: events, occurrences, attendance, reflections
and the calendar feed (``/cycle/calendar/{token}.ics``, opened by its secret token)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.api import json_body, route
from kollega.current import current_person
from kollega.cycle import attendance, feeds, reflection, services
from kollega.cycle.models import CycleEvent
from kollega.db import now_utc
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.networks import public as networks
from kollega.org.models import Person
from kollega.org.services import unit_by_code

EVENT_BODY = {
    "type": "object",
    "properties": {
        "unit": {"type": "string", "description": "unit code (or give network)"},
        "network": {"type": "integer", "description": "network id (or give unit)"},
        "municipality_wide": {"type": "boolean", "description": "HR only"},
        "kind": {
            "type": "string",
            "enum": [
                "planning_period",
                "inspiration",
                "innovation",
                "learning_stop",
                "evaluation_stop",
                "annual_evaluation",
            ],
        },
        "title": {"type": "string"},
        "description": {"type": "string"},
        "agenda": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time", "description": "naive = Oslo"},
        "ends_at": {"type": "string", "format": "date-time"},
        "location": {"type": "string"},
        "video_url": {"type": "string"},
        "rrule": {"type": ["string", "null"], "description": "RFC 5545 RRULE value"},
        "exdates": {"type": "array", "items": {"type": "string", "format": "date-time"}},
        "reminders": {"type": "array", "items": {"type": "integer"}, "description": "minutes"},
        "competences": {"type": "array", "items": {"type": "string"}},
        "prompts": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["kind", "title", "starts_at", "ends_at"],
}

OCCURRENCE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "description": "the event's id"},
        "event_id": {"type": "integer"},
        "occurrence": {"type": "string", "description": "occurrence key (UTC start)"},
        "kind": {"type": "string"},
        "title": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
        "unit": {"type": ["string", "null"]},
        "network": {"type": ["integer", "null"]},
        "municipality_wide": {"type": "boolean"},
        "rrule": {"type": ["string", "null"]},
        "thread_id": {
            "type": ["integer", "null"],
            "description": "the stop's reflection thread, once it has opened",
        },
    },
}


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def event_json(event: CycleEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "agenda": event.agenda,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
        "location": event.location,
        "video_url": event.video_url,
        "rrule": event.rrule,
        "exdates": list(event.exdates or []),
        "reminders": list(event.reminders or []),
        "competences": list(event.competences or []),
        "prompts": list(event.prompts or []),
        "unit": event.unit.code if event.unit else None,
        "network": event.network_id,
        "municipality_wide": event.municipality_wide,
    }


def occurrence_json(
    occ: services.Occurrence, threads: dict[tuple[int, dt.datetime], int] | None = None
) -> dict[str, Any]:
    """One occurrence for the API; ``threads`` (``reflection.opened_threads``) gives the
    reflection thread of the stops that have opened."""
    event = occ.event
    return {
        "id": event.id,
        "event_id": event.id,
        "occurrence": occ.key,
        "kind": event.kind,
        "title": event.title,
        "starts_at": _iso(occ.starts_at),
        "ends_at": _iso(occ.ends_at),
        "location": event.location,
        "video_url": event.video_url,
        "unit": event.unit.code if event.unit else None,
        "network": event.network_id,
        "municipality_wide": event.municipality_wide,
        "rrule": event.rrule,
        "reminders": list(event.reminders or []),
        "thread_id": (threads or {}).get((event.id, occ.starts_at)),
    }


def _window() -> tuple[dt.datetime, dt.datetime]:
    now = now_utc()
    start = (
        services.parse_datetime(request.args["from"], "from")
        if request.args.get("from")
        else now - dt.timedelta(days=30)
    )
    end = (
        services.parse_datetime(request.args["to"], "to")
        if request.args.get("to")
        else start + dt.timedelta(days=365)
    )
    return start, end


@route(
    "/cycle/events",
    summary="Occurrences in the caller's annual cycle (or a unit's) in a window",
    query={
        "from": "ISO 8601 start of the window (default 30 days ago)",
        "to": "ISO 8601 end of the window (default a year after from)",
        "unit": "unit code: that unit's cycle instead of the caller's",
        "kind": "only this kind",
    },
    response={"type": "array", "items": OCCURRENCE_SCHEMA},
)
def cycle_events() -> Any:
    person = current_person()
    start, end = _window()
    if request.args.get("unit"):
        events = services.unit_cycle_events(person, unit_by_code(request.args["unit"]))
    else:
        events = services.events_for(person)
    kind = request.args.get("kind")
    if kind:
        events = [e for e in events if e.kind == kind]
    found = services.expand(events, start, end)
    threads = reflection.opened_threads({o.event.id for o in found if o.event.is_stop})
    return jsonify([occurrence_json(o, threads) for o in found])


@route(
    "/cycle/events",
    ["POST"],
    summary="Plan an event for a unit, a network or (HR) the municipality",
    body=EVENT_BODY,
    response={"type": "object", "properties": {"id": {"type": "integer"}}},
    status=201,
)
def cycle_event_create() -> Any:
    data = json_body()
    event = services.create_event(current_person(), data)
    return jsonify({"id": event.id, **event_json(event)}), 201


def _event_for(person: Person, event_id: int) -> CycleEvent:
    event = services.get_event(event_id)
    services.require_view(person, event)
    return event


@route("/cycle/events/<int:event_id>", summary="One event (the series)", response=OCCURRENCE_SCHEMA)
def cycle_event_detail(event_id: int) -> Any:
    event = _event_for(current_person(), event_id)
    return jsonify(event_json(event))


@route(
    "/cycle/events/<int:event_id>",
    ["PATCH"],
    summary="Change an event (those who may plan for its audience)",
    body=EVENT_BODY,
)
def cycle_event_update(event_id: int) -> Any:
    person = current_person()
    event = _event_for(person, event_id)
    services.update_event(person, event, json_body())
    return jsonify(event_json(event))


@route("/cycle/events/<int:event_id>", ["DELETE"], summary="Delete an event", status=204)
def cycle_event_delete(event_id: int) -> Any:
    person = current_person()
    services.delete_event(person, _event_for(person, event_id))
    return "", 204


def _occurrence(event: CycleEvent, key: str) -> dt.datetime:
    start = services.parse_occurrence_key(key)
    services.occurrence_at(event, start)
    return start


@route(
    "/cycle/events/<int:event_id>/occurrences/<key>/cancel",
    ["POST"],
    summary="Cancel one occurrence of a series (adds an EXDATE)",
)
def cycle_occurrence_cancel(event_id: int, key: str) -> Any:
    person = current_person()
    event = _event_for(person, event_id)
    services.cancel_occurrence(person, event, _occurrence(event, key))
    return jsonify(event_json(event))


@route(
    "/cycle/events/<int:event_id>/occurrences/<key>/rsvp",
    ["POST"],
    summary="Answer an invitation: yes, no or maybe",
    body={"type": "object", "properties": {"answer": {"enum": ["yes", "no", "maybe"]}}},
)
def cycle_rsvp(event_id: int, key: str) -> Any:
    person = current_person()
    event = _event_for(person, event_id)
    data = json_body(("answer",))
    row = attendance.respond(person, event, _occurrence(event, key), str(data["answer"]))
    return jsonify({"status": row.status})


@route(
    "/cycle/events/<int:event_id>/occurrences/<key>/checkin",
    ["POST"],
    summary="Check in: yourself during the stop, or others as organiser",
    body={"type": "object", "properties": {"person_id": {"type": "integer"}}},
)
def cycle_checkin(event_id: int, key: str) -> Any:
    person = current_person()
    event = _event_for(person, event_id)
    data = request.get_json(silent=True) or {}
    target = person
    if isinstance(data, dict) and data.get("person_id") not in (None, ""):
        try:
            target = db.session.get(Person, int(data["person_id"]))
        except (TypeError, ValueError):
            target = None
        if target is None:
            message = _l("No such person.")
            raise ValidationError(message, fields={"person_id": message})
    row = attendance.check_in(person, event, _occurrence(event, key), target)
    return jsonify({"status": row.status, "person_id": row.person_id})


@route(
    "/cycle/events/<int:event_id>/occurrences/<key>/reflection",
    ["PUT"],
    summary="Answer a stop's reflection prompts",
    body={
        "type": "object",
        "properties": {"answers": {"type": "array", "items": {"type": "string"}}},
    },
)
def cycle_reflection(event_id: int, key: str) -> Any:
    person = current_person()
    event = _event_for(person, event_id)
    data = json_body(("answers",))
    answers = data["answers"]
    if not isinstance(answers, list):
        message = _l("Answers are a list of texts, one per prompt.")
        raise ValidationError(message, fields={"answers": message})
    row = attendance.save_reflection(person, event, _occurrence(event, key), answers)
    return jsonify({"id": row.id, "answers": row.answers})


@route(
    "/cycle/events/<int:event_id>/occurrences/<key>/summary",
    summary="Attendance and reflections of one occurrence (organisers)",
)
def cycle_summary(event_id: int, key: str) -> Any:
    person = current_person()
    event = _event_for(person, event_id)
    permissions.require(permissions.can_plan_cycle_event(person, event))
    start = _occurrence(event, key)
    return jsonify(attendance.summarise(event, start, reflection.replies(event, start)))


def feed_url(token: str) -> str:
    return url_for("api.cycle_calendar", token=token, _external=True)


@route(
    "/cycle/calendar/token",
    ["POST"],
    summary="Revoke the caller's calendar address and make a new one",
    response={"type": "object", "properties": {"calendar_url": {"type": "string"}}},
)
def cycle_calendar_token() -> Any:
    token = feeds.regenerate_calendar_token(current_person())
    return jsonify({"calendar_url": feed_url(token)})


def _event_link(event: CycleEvent) -> str:
    return url_for("cycle.event", event_id=event.id, _external=True)


@route(
    "/cycle/calendar/<token>.ics",
    summary="A person's iCalendar feed (the unguessable token is the credential)",
    public=True,
)
def cycle_calendar(token: str) -> Any:
    body = feeds.person_calendar(token, _event_link)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="kollega.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@route("/cycle/units/<code>/calendar.ics", summary="A unit's annual cycle as iCalendar")
def cycle_unit_calendar(code: str) -> Any:
    unit = unit_by_code(code)
    events = services.unit_cycle_events(current_person(), unit)
    body = feeds.calendar_ics(events, f"kollega: {unit.name}", _event_link)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{unit.code}.ics"'
    return response


@route("/cycle/networks/<int:network_id>/calendar.ics", summary="A network's stops as iCalendar")
def cycle_network_calendar(network_id: int) -> Any:
    person = current_person()
    if person.id not in networks.member_ids(network_id) and not permissions.can_plan_network_cycle(
        person, network_id
    ):
        raise NotFound(_l("No such network."))
    query = sa.select(CycleEvent).where(CycleEvent.network_id == network_id)
    events = list(db.session.scalars(query))
    body = feeds.calendar_ics(events, f"kollega: {networks.network_name(network_id) or ''}")
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="network-{network_id}.ics"'
    return response
