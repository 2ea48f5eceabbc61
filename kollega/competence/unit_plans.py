"""A unit's yearly competence plan and its goals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.competence.assessments import team
from kollega.competence.models import (
    FOCUS_AREAS,
    GOAL_STATUSES,
    MEASURE_KINDS,
    PLAN_STATUSES,
    CompetencePlan,
    CompetencePlanGoal,
    Requirement,
)
from kollega.competence.services import clean_note
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person


def plan_for(
    actor: Person, unit: OrgUnit, year: int, create: bool = False
) -> CompetencePlan | None:
    """The unit's plan for the year (created when ``create`` and missing), for its managers."""
    permissions.require(permissions.can_manage_unit(actor, unit))
    plan = db.session.scalar(
        sa.select(CompetencePlan).where(
            CompetencePlan.unit_id == unit.id, CompetencePlan.year == year
        )
    )
    if plan is None and create:
        plan = CompetencePlan(unit_id=unit.id, year=year, created_by_id=actor.id)
        db.session.add(plan)
        db.session.flush()
    return plan


def update_plan(actor: Person, plan: CompetencePlan, summary: str, status: str) -> CompetencePlan:
    """Change the plan's summary and status."""
    permissions.require(permissions.can_manage_unit(actor, plan.unit))
    if status not in PLAN_STATUSES:
        raise ValidationError(_l("Unknown status."), fields={"status": _l("Unknown status.")})
    plan.summary = clean_note(summary)
    plan.status = status
    db.session.flush()
    return plan


def add_goal(
    actor: Person,
    plan: CompetencePlan,
    focus_area: str,
    goal: str,
    measure: str = "",
    measure_kind: str = "develop",
    requirement_id: int | None = None,
    responsible: Person | None = None,
    due_on: dt.date | None = None,
) -> CompetencePlanGoal:
    """Add a goal (focus area, measure, optional requirement, responsible, due date) to a plan."""
    permissions.require(permissions.can_manage_unit(actor, plan.unit))
    fields: dict[str, Any] = {}
    if focus_area not in FOCUS_AREAS:
        fields["focus_area"] = _l("Choose a focus area.")
    if not (goal or "").strip():
        fields["goal"] = _l("Describe the goal.")
    if measure_kind not in MEASURE_KINDS:
        fields["measure_kind"] = _l("Choose a kind of measure.")
    if requirement_id is not None:
        req = db.session.get(Requirement, requirement_id)
        if req is None:
            fields["requirement_id"] = _l("No such requirement.")
    if fields:
        raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
    row = CompetencePlanGoal(
        focus_area=focus_area,
        goal=clean_note(goal),
        measure=clean_note(measure),
        measure_kind=measure_kind,
        requirement_id=requirement_id,
        responsible_id=responsible.id if responsible else None,
        due_on=due_on,
    )
    plan.goals.append(row)
    db.session.flush()
    return row


def set_goal_status(actor: Person, goal: CompetencePlanGoal, status: str) -> None:
    """Mark a goal planned, in progress, done or dropped."""
    permissions.require(permissions.can_manage_unit(actor, goal.plan.unit))
    if status not in GOAL_STATUSES:
        raise ValidationError(_l("Unknown status."), fields={"status": _l("Unknown status.")})
    goal.status = status
    db.session.flush()


def goal_responsible(actor: Person, unit: OrgUnit, person_id: int | None) -> Person | None:
    """The person made responsible for a goal: the actor or someone of the unit's team."""
    if not person_id:
        return None
    allowed = {actor.id} | {x.id for x in team(actor, unit)}
    if person_id not in allowed:
        msg = _l("Choose someone in the unit.")
        raise ValidationError(msg, fields={"responsible_id": msg})
    return db.session.get(Person, person_id)
