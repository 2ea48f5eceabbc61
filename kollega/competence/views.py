"""Pages of the competence register: a person's own competence.

My competence (self-assessment with level descriptors, credentials, expiry, future
needs), the person-page and start-page panels, the leader's team view and review, unit
plans, development conversations and "who knows this?". The requirements editor is in
``requirement_views``, HR's frameworks and imports in ``framework_views``; the shared
blueprint in ``blueprint``. Views read the form, call a use case and redirect or render;
the request commits at its edge (``kollega.uow``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega import permissions
from kollega.audit.services import record_read
from kollega.clock import today
from kollega.competence import (
    assessments,
    credential_views,  # noqa: F401  (its routes join the blueprint)
    credentials,
    experts,
    framework_views,  # noqa: F401  (its routes join the blueprint)
    requirement_views,  # noqa: F401  (its routes join the blueprint)
    requirements,
    services,
    unit_plans,
)
from kollega.competence import conversations as development_conversations
from kollega.competence.blueprint import bp, loc, person_by_id, unit_by_code
from kollega.competence.forms import (
    ASSESS_FIELDS,
    COMPETENCE_ROWS,
    CONVERSATION_FIELDS,
    GOAL_FIELDS,
    PLAN_FIELDS,
    conversation_input,
    date_field,
    gather,
    int_field,
)
from kollega.competence.models import (
    CREDENTIAL_KINDS,
    FOCUS_AREAS,
    GOAL_STATUSES,
    MEASURE_KINDS,
    PLAN_STATUSES,
    Competence,
    CompetencePlanGoal,
    Requirement,
)
from kollega.current import current_person
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.formflow import attempt_placed
from kollega.org.models import Person
from kollega.query_args import QueryArgs

__all__ = ["bp"]


# --- the person-page panel --------------------------------------------------------------


@bp.app_template_global("competence_panel")
def competence_panel(person: Person) -> dict[str, Any]:
    """Data for ``competence/_person_panel.html`` (the page has checked
    ``can_view_competence`` before including it)."""
    viewer = current_person()
    permissions.require(permissions.can_view_competence(viewer, person))
    on = today()
    rows = services.person_competences(viewer, person, on)
    record_read(viewer, person, "competence")
    comps = {
        c.code: c
        for c in db.session.scalars(
            sa.select(Competence).where(Competence.code.in_([r["code"] for r in rows]))
        )
    }
    soon, gone = credentials.expiring([person.id], on)
    may_register = permissions.can_manage_credentials(viewer, person)
    return {
        "rows": rows,
        "comps": comps,
        "history": services.history(person)[:50],
        "soon": soon,
        "gone": gone,
        "needs": services.future_needs(person, on),
        "may_review": permissions.can_review_competence(viewer, person),
        "may_see_conversations": permissions.can_view_conversations(viewer, person),
        "credentials": credentials.credentials(person),
        "may_register": may_register,
        "frameworks": services.frameworks() if may_register else [],
        "kinds": CREDENTIAL_KINDS,
        "today": on,
        "locale": loc(),
    }


@bp.app_template_global("competence_start_panel")
def competence_start_panel() -> dict[str, Any]:
    """Data for the start page: own expiring credentials and future needs, and for
    leaders how many self-assessments wait for their review."""
    person = current_person()
    on = today()
    soon, gone = credentials.expiring([person.id], on)
    return {
        "soon": soon,
        "gone": gone,
        "needs": len(services.future_needs(person, on)),
        "waiting": assessments.waiting_for_review(person) if person.led_units else 0,
    }


# --- my competence ----------------------------------------------------------------------


@bp.route("/")
@login_required
def mine() -> Any:
    person = current_person()
    permissions.require(permissions.can_assess_self(person, person))
    on = today()
    chosen = request.args.get("framework") or None
    fws = services.frameworks()
    shown = [f for f in fws if f.code == chosen] if chosen else fws
    by_source = services.latest_by_source(person, on)
    current = services.current_levels([person.id], on)
    required = services.required_levels(person, on)
    soon, gone = credentials.expiring([person.id], on)
    return render_template(
        "competence/mine.html",
        person=person,
        frameworks=fws,
        shown=shown,
        chosen=chosen,
        by_source=by_source,
        current={cid: a for (_p, cid), a in current.items()},
        required=required,
        needs=services.future_needs(person, on),
        credentials=credentials.credentials(person),
        soon=soon,
        gone=gone,
        findable=experts.is_findable(person),
        locale=loc(),
        kinds=CREDENTIAL_KINDS,
        today=on,
    )


@bp.route("/assess/<code>", methods=["GET", "POST"])
@login_required
def assess(code: str) -> Any:
    person = current_person()
    permissions.require(permissions.can_assess_self(person, person))
    comp = services.competence_by_code(code)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        f = request.form
        saved, errors = attempt_placed(
            lambda: assessments.self_assess(
                person, comp, f.get("level", ""), f.get("note", ""), f.get("evidence_url", "")
            ),
            ASSESS_FIELDS,
            "lv-0",
        )
        if saved is not None:
            flash(_("Your assessment is saved."), "success")
            target = url_for("competence.mine", framework=comp.framework.code)
            return redirect(target + f"#c-{comp.id}")
    return render_template(
        "competence/assess.html",
        comp=comp,
        framework=comp.framework,
        history=services.history(person, comp),
        current=services.current_level(person, comp, today()),
        locale=loc(),
        errors=errors,
        values=request.form if errors else None,
    ), (422 if errors else 200)


@bp.route("/findable", methods=["POST"])
@login_required
def findable() -> Any:
    person = current_person()
    experts.set_findable(person, person, request.form.get("findable") == "1")
    flash(_("Your choice is saved."), "success")
    return redirect(url_for("competence.mine"))


# --- the leader's team view ---------------------------------------------------------------


@bp.route("/team")
@login_required
def team_start() -> Any:
    units = current_person().led_units
    if not units:
        permissions.require(False)
    return redirect(url_for("competence.team", code=units[0].code))


TEAM_PAGE = 100


@bp.route("/team/<code>")
@login_required
def team(code: str) -> Any:
    unit = unit_by_code(code)
    viewer = current_person()
    people = assessments.team(viewer, unit)
    fws = services.frameworks()
    chosen = request.args.get("framework") or (fws[0].code if fws else "")
    framework = next((f for f in fws if f.code == chosen), None)
    comps = [c for c in framework.competences if c.active] if framework else []
    focus = request.args.get("competence") or ""
    if focus:
        comps = [c for c in comps if c.code == focus] or comps
    on = today()
    matrix = assessments.team_matrix(people, [c.id for c in comps], on)
    pending = []
    for _key, slot in matrix.items():
        s, lead = slot.get("self"), slot.get("leader")
        if s and (lead is None or (lead.assessed_on, lead.id) < (s.assessed_on, s.id)):
            pending.append(s)
    pending.sort(key=lambda a: (a.assessed_on, a.id))
    soon, gone = credentials.expiring([p.id for p in people], on)
    pages = max((len(people) + TEAM_PAGE - 1) // TEAM_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return render_template(
        "competence/team.html",
        unit=unit,
        units=viewer.led_units,
        people=people[(page - 1) * TEAM_PAGE : page * TEAM_PAGE],
        page=page,
        pages=pages,
        may_review=permissions.leads_unit(viewer, unit),
        frameworks=fws,
        framework=framework,
        comps=comps,
        matrix=matrix,
        pending=pending[:100],
        people_by_id={p.id: p for p in people},
        may_review_person=lambda p: permissions.can_review_competence(viewer, p),
        comps_by_id={c.id: c for c in comps},
        soon=soon,
        gone=gone,
        locale=loc(),
    )


REVIEW_FIELDS = {"level": "r-level", "note": "r-note"}


@bp.route("/people/<int:person_id>/review/<code>", methods=["GET", "POST"])
@login_required
def review(person_id: int, code: str) -> Any:
    """A leader confirms or adjusts one competence of a person; the inline forms on the
    person and team pages post here, and a refusal shows this page with what was typed."""
    person = person_by_id(person_id)
    viewer = current_person()
    permissions.require(permissions.can_review_competence(viewer, person))
    comp = services.competence_by_code(code)
    errors: list[tuple[str, str]] = []
    f = request.form
    if request.method == "POST":

        def save() -> Any:
            level: Any = f.get("level", "")
            if f.get("action") == "confirm":
                level = None
            elif level == "":
                msg = _l("Give the level you find right.")
                raise ValidationError(msg, fields={"level": msg})
            return assessments.review(viewer, person, comp, level, f.get("note", ""))

        saved, errors = attempt_placed(save, REVIEW_FIELDS, "r-level")
        if saved is not None:
            flash(_("The assessment of %(name)s is saved.", name=person.name), "success")
            back = f.get("next") or ""
            if back.startswith("/") and not back.startswith("//"):
                return redirect(back)
            return redirect(url_for("org.person", person_id=person.id))
    on = today()
    latest = services.latest_by_source(person, on).get(comp.id, {})
    return render_template(
        "competence/review.html",
        person=person,
        comp=comp,
        framework=comp.framework,
        latest_self=latest.get("self"),
        latest_leader=latest.get("leader"),
        current=services.current_level(person, comp, on),
        history=services.history(person, comp),
        back=f.get("next") or request.args.get("next") or "",
        locale=loc(),
        errors=errors,
        values=f if errors else None,
    ), (422 if errors else 200)


# --- unit competence plan -------------------------------------------------------------------


def _add_goal(viewer: Person, unit: Any, plan: Any, f: Any) -> Any:
    """A goal from the plan page's form: every malformed field at once; the use case
    checks the rest."""
    fields: dict[str, str] = {}
    rid = gather(fields, lambda: int_field(f.get("responsible_id"), "responsible_id"))
    responsible = gather(fields, lambda: unit_plans.goal_responsible(viewer, unit, rid))
    req_id = gather(fields, lambda: int_field(f.get("requirement_id"), "requirement_id"))
    due = gather(fields, lambda: date_field("due_on", form=True))
    goal = gather(
        fields,
        lambda: unit_plans.add_goal(
            viewer,
            plan,
            f.get("focus_area", ""),
            f.get("goal", ""),
            f.get("measure", ""),
            f.get("measure_kind", "develop"),
            req_id,
            responsible,
            due,
        ),
    )
    if fields or goal is None:
        raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
    return goal


@bp.route("/plans/<code>", methods=["GET", "POST"])
@bp.route("/plans/<code>/<int:year>", methods=["GET", "POST"])
@login_required
def plan(code: str, year: int | None = None) -> Any:
    unit = unit_by_code(code)
    viewer = current_person()
    year = year or today().year
    if not 2000 <= year <= 2100:
        abort(404)
    errors: list[tuple[str, str]] = []
    f = request.form
    if request.method == "POST":
        # Refused by permission before the input is looked at.
        permissions.require(permissions.can_manage_unit(viewer, unit))
        action = f.get("action")
        if action not in ("plan", "goal", "goal_status"):
            abort(400)

        def save() -> object:
            p = unit_plans.plan_for(viewer, unit, year, create=True)
            assert p is not None
            if action == "plan":
                return unit_plans.update_plan(
                    viewer, p, f.get("summary", ""), f.get("status", "draft")
                )
            if action == "goal":
                return _add_goal(viewer, unit, p, f)
            goal_id = int_field(f.get("goal_id"), "goal_id")
            row = db.session.get(CompetencePlanGoal, goal_id) if goal_id else None
            if row is None or row.plan_id != p.id:
                abort(404)
            unit_plans.set_goal_status(viewer, row, f.get("status", ""))
            return row

        if action == "goal_status":
            ids = {"status": f"gs-{f.get('goal_id', '')}"}
            default = ids["status"]
        else:
            ids = GOAL_FIELDS if action == "goal" else PLAN_FIELDS
            default = "g-goal" if action == "goal" else "p-summary"
        saved, errors = attempt_placed(save, ids, default)
        if saved is not None:
            flash(_("The plan is saved."), "success")
            return redirect(url_for("competence.plan", code=unit.code, year=year))
    p = unit_plans.plan_for(viewer, unit, year)
    reqs = list(
        db.session.scalars(
            requirements.requirements_query().where(Requirement.unit_id.in_(unit.ancestor_ids()))
        )
    )
    return render_template(
        "competence/plan.html",
        unit=unit,
        year=year,
        plan=p,
        conversation_counts=development_conversations.goal_counts(p) if p else {},
        min_group=development_conversations.MIN_GROUP,
        reqs=reqs,
        people=[viewer] + [p for p in assessments.team(viewer, unit)[:300]],
        focus_areas=FOCUS_AREAS,
        statuses=PLAN_STATUSES,
        goal_statuses=GOAL_STATUSES,
        measure_kinds=MEASURE_KINDS,
        locale=loc(),
        errors=errors,
        values=f if errors else {},
    ), (422 if errors else 200)


# --- development conversations ------------------------------------------------------------


@bp.route("/people/<int:person_id>/conversations", methods=["GET", "POST"])
@login_required
def conversations(person_id: int) -> Any:
    person = person_by_id(person_id)
    viewer = current_person()
    permissions.require(not viewer.is_guest)  # guests have no leader, no conversations
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        f = request.form
        permissions.require(permissions.can_record_conversation(viewer, person))
        saved, errors = attempt_placed(
            lambda: development_conversations.record_conversation(
                viewer, person, **conversation_input(f)
            ),
            CONVERSATION_FIELDS,
            "c-goals",
        )
        if saved is not None:
            flash(_("The conversation is saved."), "success")
            return redirect(url_for("competence.conversations", person_id=person.id))
    items = development_conversations.conversations(viewer, person)
    if not errors:  # a refused form rolls back; its GET was recorded
        record_read(viewer, person, "conversations")
    return render_template(
        "competence/conversations.html",
        person=person,
        items=items,
        plan_goals=development_conversations.offered_goals(person, today().year),
        may_record=permissions.can_record_conversation(viewer, person),
        frameworks=services.frameworks(),
        rows=COMPETENCE_ROWS,
        today=today(),
        locale=loc(),
        errors=errors,
        values=request.form if errors else None,
    ), (422 if errors else 200)


# --- who knows this? ------------------------------------------------------------------------


@bp.route("/who-knows")
@login_required
def who_knows() -> Any:
    viewer = current_person()
    permissions.require(permissions.can_search_experts(viewer))
    code = request.args.get("competence") or ""
    found = None
    comp = None
    query = QueryArgs()  # a bad level or code: the form again, the message beside it (400)
    try:
        min_level = int_field(request.args.get("min_level"), "min_level") or 1
    except ValidationError as exc:
        query.refuse("min_level", str(exc.message), "w-min")
        min_level = 1
    if code:
        try:
            comp = services.competence_by_code(code)
        except NotFound as exc:
            query.refuse("competence", str(exc.message), "w-comp")
    if comp is not None and not query.errors:
        found = experts.who_knows(viewer, comp, max(min_level, 1))
    return render_template(
        "competence/who_knows.html",
        frameworks=services.frameworks(),
        comp=comp,
        code=code,
        min_level=query.value("min_level", min_level),
        experts=found,
        findable=experts.is_findable(viewer),
        locale=loc(),
        errors=query.errors,
    ), query.status
