"""API of the strategic competence plan: ``/plans`` and ``/plans/{id}/document.docx``
(DESIGN.md), the plan with its steps, drivers, measures and scenarios, its analysis, and
the calls that fill it in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l

from kollega.api import json_body, route
from kollega.audit.services import record_access
from kollega.current import current_person
from kollega.errors import ValidationError
from kollega.org.services import unit_by_code
from kollega.plans import document, overview, services
from kollega.plans.models import MEASURE_KINDS, Plan

PLAN_BODY = {
    "type": "object",
    "properties": {
        "unit": {"type": "string", "description": "unit code (municipality, division or unit)"},
        "title": {"type": "string"},
        "period_from": {"type": "string", "format": "date"},
        "period_to": {"type": "string", "format": "date"},
    },
    "required": ["unit", "title", "period_from", "period_to"],
}


def _date(data: dict[str, Any], name: str, required: bool = True) -> dt.date | None:
    raw = data.get(name)
    if raw in (None, ""):
        if required:
            raise ValidationError(_l("Required."), fields={name: _l("Required.")})
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        msg = _l("Give a date as YYYY-MM-DD.")
        raise ValidationError(msg, fields={name: msg}) from None


def _number(data: dict[str, Any], name: str, default: float, kind: type = float) -> Any:
    raw = data.get(name, default)
    if isinstance(raw, bool) or raw is None:
        raise ValidationError(_l("Must be a number."), fields={name: _l("Must be a number.")})
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise ValidationError(
            _l("Must be a number."), fields={name: _l("Must be a number.")}
        ) from None


def _optional_int(data: dict[str, Any], name: str) -> int | None:
    if data.get(name) in (None, ""):
        return None
    return int(_number(data, name, 0, int))


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "title": plan.title,
        "unit": {"id": plan.unit.id, "code": plan.unit.code, "name": plan.unit.name},
        "period_from": plan.period_from.isoformat(),
        "period_to": plan.period_to.isoformat(),
        "status": plan.status,
        "shared": plan.shared,
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        **plan_summary(plan),
        "retirement_age": plan.retirement_age,
        "turnover": plan.turnover,
        "steps": [
            {
                "number": s.number,
                "key": s.key,
                "status": s.status,
                "notes": s.notes,
                "owner": {"id": s.owner.id, "name": s.owner.name} if s.owner else None,
                "details": s.details or {},
            }
            for s in plan.steps
        ],
        "drivers": [
            {
                "id": d.id,
                "name": d.name,
                "unit_of_demand": d.unit_of_demand,
                "values": {k: v for k, v in sorted((d.values or {}).items())},
                "ratios": {r.job_code: r.fte_per_unit for r in d.ratios},
            }
            for d in plan.drivers
        ],
        "measures": [
            {
                "id": m.id,
                "kind": m.kind,
                "title": m.title,
                "description": m.description,
                "network_id": m.network_id,
                "training_id": m.training_id,
                "recruitment": m.recruitment,
                "cost": m.cost,
                "owner": {"id": m.owner.id, "name": m.owner.name} if m.owner else None,
                "starts_on": m.starts_on.isoformat() if m.starts_on else None,
                "ends_on": m.ends_on.isoformat() if m.ends_on else None,
                "status": m.status,
                "job_code": m.job_code,
                "fte_change": m.fte_change,
                "effects": [
                    {"competence": e.competence_code, "people": e.people, "level": e.level}
                    for e in m.effects
                ],
            }
            for m in plan.measures
        ],
        "scenarios": [
            {
                "id": s.id,
                "name": s.name,
                "description": s.description,
                "retirement_age": s.retirement_age,
                "turnover": s.turnover,
                "driver_multipliers": s.driver_multipliers or {},
                "measure_ids": s.measure_ids,
            }
            for s in plan.scenarios
        ],
    }


@route("/plans", summary="Strategic competence plans the caller may read")
def plans_list() -> Any:
    return jsonify([plan_summary(p) for p in services.visible_plans(current_person())])


@route(
    "/plans",
    ["POST"],
    summary="Create a strategic competence plan (leaders for their units, HR for all)",
    body=PLAN_BODY,
    response={"type": "object", "properties": {"id": {"type": "integer"}}},
    status=201,
)
def plans_create() -> Any:
    data = json_body(("unit", "title", "period_from", "period_to"))
    unit = unit_by_code(str(data["unit"]))
    plan = services.create_plan(
        current_person(),
        unit,
        str(data["title"]),
        _date(data, "period_from"),  # type: ignore[arg-type]
        _date(data, "period_to"),  # type: ignore[arg-type]
    )
    return jsonify({"id": plan.id, **plan_summary(plan)}), 201


@route("/plans/<int:plan_id>", summary="One plan: steps, drivers, measures, scenarios")
def plans_get(plan_id: int) -> Any:
    return jsonify(plan_json(services.get_plan(current_person(), plan_id)))


@route(
    "/plans/<int:plan_id>",
    ["PATCH"],
    summary="Change title, status, period, base assumptions or sharing",
)
def plans_update(plan_id: int) -> Any:
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    data = json_body()
    services.update_plan(
        viewer,
        plan,
        title=data.get("title"),
        status=data.get("status"),
        retirement_age=_optional_int(data, "retirement_age"),
        turnover=None if data.get("turnover") is None else _number(data, "turnover", 0.0),
        shared=None if data.get("shared") is None else bool(data["shared"]),
        period_from=_date(data, "period_from", required=False),
        period_to=_date(data, "period_to", required=False),
    )
    return jsonify(plan_json(plan))


@route(
    "/plans/<int:plan_id>/steps/<int:number>",
    ["PUT"],
    summary="Update one of the seven steps: status, notes, owner_id, details",
)
def plans_step(plan_id: int, number: int) -> Any:
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    data = json_body(("status",))
    details = data.get("details")
    if details is not None and not isinstance(details, dict):
        raise ValidationError(
            _l("Must be an object."), fields={"details": _l("Must be an object.")}
        )
    services.update_step(
        viewer,
        plan,
        number,
        status=str(data["status"]),
        notes=str(data.get("notes") or ""),
        owner_id=_optional_int(data, "owner_id"),
        details=details,
    )
    return jsonify(plan_json(plan)["steps"][number - 1])


@route(
    "/plans/<int:plan_id>/drivers",
    ["POST"],
    summary="Add a demand driver: {name, unit_of_demand, values: {year: value}, ratios: {job_code: fte_per_unit}}",
    status=201,
)
def plans_add_driver(plan_id: int) -> Any:
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    data = json_body(("name", "values"))
    values, ratios = data.get("values"), data.get("ratios") or {}
    if not isinstance(values, dict) or not isinstance(ratios, dict):
        msg = _l("Must be an object.")
        raise ValidationError(msg, fields={"values": msg})
    try:
        parsed_values = {int(k): float(v) for k, v in values.items()}
        parsed_ratios = {str(k): float(v) for k, v in ratios.items()}
    except (TypeError, ValueError):
        msg = _l("Values and ratios must be numbers.")
        raise ValidationError(msg, fields={"values": msg}) from None
    driver = services.add_driver(
        viewer,
        plan,
        str(data["name"]),
        str(data.get("unit_of_demand") or ""),
        parsed_values,
        parsed_ratios,
    )
    return jsonify({"id": driver.id}), 201


@route(
    "/plans/<int:plan_id>/measures",
    ["POST"],
    summary="Add a measure (kind mobilise, develop, recruit or phase_out) with expected effects",
    status=201,
)
def plans_add_measure(plan_id: int) -> Any:
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    data = json_body(("kind", "title"))
    effects_raw = data.get("effects") or []
    if not isinstance(effects_raw, list) or not all(isinstance(e, dict) for e in effects_raw):
        msg = _l("Effects are a list of {competence, people, level}.")
        raise ValidationError(msg, fields={"effects": msg})
    effects = [
        (str(e.get("competence") or ""), _number(e, "people", 0, int), _number(e, "level", 0, int))
        for e in effects_raw
    ]
    if data["kind"] not in MEASURE_KINDS:
        msg = _l("Choose mobilise, develop, recruit or phase out.")
        raise ValidationError(msg, fields={"kind": msg})
    measure = services.add_measure(
        viewer,
        plan,
        services.MeasureInput(
            kind=str(data["kind"]),
            title=str(data["title"]),
            description=str(data.get("description") or ""),
            network_id=_optional_int(data, "network_id"),
            training_id=_optional_int(data, "training_id"),
            recruitment=str(data.get("recruitment") or ""),
            cost=int(_number(data, "cost", 0, int)),
            owner_id=_optional_int(data, "owner_id"),
            starts_on=_date(data, "starts_on", required=False),
            ends_on=_date(data, "ends_on", required=False),
            status=str(data.get("status") or "planned"),
            job_code=data.get("job_code") or None,
            fte_change=float(_number(data, "fte_change", 0.0)),
            effects=effects,
        ),
    )
    return jsonify({"id": measure.id}), 201


@route(
    "/plans/<int:plan_id>/scenarios",
    ["POST"],
    summary="Add a scenario: {name, retirement_age, turnover, driver_multipliers: {driver id: factor}, measure_ids}",
    status=201,
)
def plans_add_scenario(plan_id: int) -> Any:
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    data = json_body(("name",))
    multipliers = data.get("driver_multipliers") or {}
    measure_ids = data.get("measure_ids")
    if not isinstance(multipliers, dict) or (
        measure_ids is not None and not isinstance(measure_ids, list)
    ):
        msg = _l("Multipliers are an object and measure_ids a list.")
        raise ValidationError(msg, fields={"driver_multipliers": msg})
    try:
        parsed = {int(k): float(v) for k, v in multipliers.items()}
        ids = None if measure_ids is None else [int(m) for m in measure_ids]
    except (TypeError, ValueError):
        msg = _l("Must be a number.")
        raise ValidationError(msg, fields={"driver_multipliers": msg}) from None
    scenario = services.add_scenario(
        viewer,
        plan,
        str(data["name"]),
        retirement_age=int(_number(data, "retirement_age", plan.retirement_age, int)),
        turnover=float(_number(data, "turnover", plan.turnover)),
        driver_multipliers=parsed,
        measure_ids=ids,
        description=str(data.get("description") or ""),
    )
    return jsonify({"id": scenario.id}), 201


@route(
    "/plans/<int:plan_id>/analysis",
    summary="Staffing analysis, competence gap at the target date, scenarios, follow-up",
)
def plans_analysis(plan_id: int) -> Any:
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    figures = overview.overview(plan)
    staffing = figures.staffing
    return jsonify(
        {
            "staffing": {
                "years": staffing.years,
                "retirement_age": staffing.retirement_age,
                "turnover": staffing.turnover,
                "fte_now": staffing.by_job,
                "fte_now_by_unit": staffing.by_unit,
                "rows": staffing.rows,
                "totals": staffing.totals,
            },
            "competence_gap": figures.gap,
            "scenarios": figures.comparison,
            "follow_up": figures.follow,
            # Each measure's actual gap closure among the people it reaches beside its
            # expected closure (kollega.plans.effects says how).
            "measure_effects": list(figures.effects.values()),
        }
    )


@route("/plans/<int:plan_id>/document.docx", summary="The plan as a Word document")
def plans_document(plan_id: int) -> Any:
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    record_access("plans.export", viewer.id, "strategic_plan", plan.id, format="docx")
    return document.attachment(plan)
