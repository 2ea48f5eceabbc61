"""API operations for HR metrics: ``/metrics/participation`` (DESIGN.md) and the figures
behind the metrics pages' charts. Aggregates only; HR's calls are written to the audit
log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.api import date_arg, route
from kollega.current import current_person
from kollega.metrics import closure, scorecard, services
from kollega.org.models import OrgUnit, Person
from kollega.org.services import unit_by_code

NUMBER_OR_NULL = {"type": ["number", "null"]}
INT_OR_NULL = {"type": ["integer", "null"]}
PARTICIPATION_SCHEMA = {
    "type": "object",
    "properties": {
        "unit": {"type": "string"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "members": INT_OR_NULL,
        "active_members": INT_OR_NULL,
        "messages": INT_OR_NULL,
        "reactions": INT_OR_NULL,
        "threads": INT_OR_NULL,
        "stops_held": INT_OR_NULL,
        "attendance_rate": NUMBER_OR_NULL,
        "reflections": INT_OR_NULL,
        "trainings_completed": INT_OR_NULL,
        "network_share": NUMBER_OR_NULL,
        "suppressed": {"type": "boolean"},
        "suppressed_reason": {
            "type": ["string", "null"],
            "enum": ["small_group", "subtraction", None],
            "description": "small_group: under 5 members; subtraction: hidden so that no "
            "figure shown beside it (a unit above, beside or below, a network, a month, "
            "another period) minus this one gives a group of under 5; periods are whole months, "
            "and a group is hidden for the whole period when it had 1 to 4 members in a "
            "month (or from a day of a month to its end), or on a day so far of the "
            "running month",
        },
        "suppressed_note": {"type": ["string", "null"]},
    },
    "required": [
        "members",
        "active_members",
        "messages",
        "stops_held",
        "attendance_rate",
        "reflections",
        "suppressed",
    ],
}
PERIOD_QUERY = {
    "unit": "unit code (default: HR the municipality, a leader their first unit)",
    "from": "month (YYYY-MM) or ISO date, snapped to the first day of its month; default "
    "the month eleven months ago",
    "to": "month (YYYY-MM) or ISO date (included), snapped to the last day of its month, or "
    "today in the running month; default today. The answer's from and to are the period used",
}


def _month_arg(name: str) -> dt.date | None:
    """A month (YYYY-MM) or an ISO date from the query string, or a 422 naming it."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return services.month_or_date(raw)
    except ValueError:
        return date_arg(name)  # its own 422 (not a date, or out of range)


def _request(view: str) -> tuple[Person, OrgUnit, services.Period]:
    """The caller, unit and period of a metrics call, permission checked and audited (the
    audit record is committed at the request's edge with the answer)."""
    person = current_person()
    permissions.require(
        permissions.can_view_any_metrics(person), _l("Only HR and leaders see metrics.")
    )
    code = request.args.get("unit")
    unit = unit_by_code(code) if code else services.default_unit(person)
    if unit is None:
        permissions.require(False)
    assert unit is not None
    services.check(person, unit)
    p = services.period(_month_arg("from"), _month_arg("to"))
    services.audit(person, unit, view, p, via="api")
    return person, unit, p


@route(
    "/metrics/participation",
    summary="Participation of a unit's subtree in a period (hidden when under 5 members)",
    query=PERIOD_QUERY,
    response=PARTICIPATION_SCHEMA,
)
def metrics_participation() -> Any:
    person, unit, p = _request("participation")
    return jsonify(services.participation(person, unit, p))


@route(
    "/metrics/participation/months",
    summary="Participation month by month, with new network joins per month",
    query=PERIOD_QUERY,
)
def metrics_participation_months() -> Any:
    person, unit, p = _request("participation_months")
    rows = services.participation_by_month(person, unit, p)
    return jsonify({"unit": unit.code, **p.as_json(), "rows": rows})


@route(
    "/metrics/participation/units",
    summary="Participation per child unit (rows under 5 members hidden)",
    query=PERIOD_QUERY,
)
def metrics_participation_units() -> Any:
    person, unit, p = _request("participation_units")
    rows = services.participation_by_unit(person, unit, p)
    return jsonify({"unit": unit.code, **p.as_json(), "rows": rows})


@route(
    "/metrics/participation/networks",
    summary="Participation per learning network of the subtree's people (under 5 hidden)",
    query=PERIOD_QUERY,
)
def metrics_participation_networks() -> Any:
    person, unit, p = _request("participation_networks")
    rows = services.participation_by_network(person, unit, p)
    return jsonify({"unit": unit.code, **p.as_json(), "rows": rows})


@route(
    "/metrics/closure",
    summary="Gap closure over the period: total, by focus area, by unit, month by month, "
    "network members against non-members (an association, not proof)",
    query=PERIOD_QUERY,
)
def metrics_closure() -> Any:
    person, unit, p = _request("closure")
    return jsonify(closure.closure(person, unit, p))


@route(
    "/metrics/scorecard",
    summary="The strategy's goals with the indicators kollega can measure for the subtree",
    query={"unit": PERIOD_QUERY["unit"], "year": "calendar year, default this year"},
)
def metrics_scorecard() -> Any:
    person, unit, _p = _request("scorecard")
    year = scorecard.year_arg(request.args.get("year"))
    return jsonify(scorecard.scorecard(person, unit, year))
