"""Pages of the competence register.

My competence (self-assessment with level descriptors, credentials, expiry, future
needs), the person-page panel, the leader's team view, the requirements editor and
matrix, unit plans, development conversations, "who knows this?", HR's framework
editor and the import page. Views parse, call a service, commit, redirect or render.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.audit.services import record_read
from kollega.competence import frameworks as fw_service
from kollega.competence import services
from kollega.competence.models import (
    CREDENTIAL_KINDS,
    FOCUS_AREAS,
    GOAL_STATUSES,
    MEASURE_KINDS,
    PLAN_STATUSES,
    Competence,
    CompetencePlanGoal,
    Framework,
    Requirement,
)
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.formflow import attempt_placed
from kollega.org.models import OrgUnit, Person
from kollega.org.services import manageable_units
from kollega.web import PERSON_PANELS, register_nav

bp = Blueprint("competence", __name__, url_prefix="/competence")

register_nav(_l("My competence"), "competence.mine", lambda p: not p.is_guest, order=30)
register_nav(_l("Team competence"), "competence.team_start", lambda p: bool(p.led_units), order=31)
register_nav(
    _l("Who knows this?"), "competence.who_knows", permissions.can_search_experts, order=32
)
register_nav(_l("Frameworks"), "competence.frameworks", permissions.can_manage_frameworks, order=33)
if not any(tpl == "competence/_person_panel.html" for tpl, _s in PERSON_PANELS):
    PERSON_PANELS.append(("competence/_person_panel.html", lambda person: True))


def _register_start_panel() -> None:
    from kollega.home.views import START_PANELS

    entry = ("competence/_start_panel.html", lambda p: not p.is_guest)
    if not any(tpl == entry[0] for tpl, _show in START_PANELS):
        START_PANELS.append(entry)


_register_start_panel()

SOURCE_LABELS = {"self": _l("self"), "leader": _l("leader"), "formal": _l("formal")}
FOCUS_LABELS = {
    "digital": _l("Digitalisation"),
    "privacy": _l("Privacy"),
    "collaboration": _l("Collaboration and participation"),
    "leadership": _l("Strategic competence management"),
}
KIND_LABELS = {
    "education": _l("Education"),
    "certificate": _l("Certificate"),
    "authorisation": _l("Authorisation"),
    "course": _l("Course"),
}
COVER_LABELS = {
    "knowledge": _l("knowledge"),
    "skills": _l("skills"),
    "attitudes": _l("attitudes"),
    "abilities": _l("abilities"),
}
STATUS_LABELS = {
    "draft": _l("draft"),
    "active": _l("active"),
    "done": _l("done"),
    "planned": _l("planned"),
    "in_progress": _l("in progress"),
    "dropped": _l("dropped"),
}
MEASURE_LABELS = {
    "mobilise": _l("mobilise"),
    "develop": _l("develop"),
    "recruit": _l("recruit"),
    "phase_out": _l("phase out"),
}


def me() -> Person:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def loc() -> str:
    return str(get_locale() or "nb")


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "competence_labels": {
            "source": SOURCE_LABELS,
            "focus": FOCUS_LABELS,
            "kind": KIND_LABELS,
            "covers": COVER_LABELS,
            "status": STATUS_LABELS,
            "measure": MEASURE_LABELS,
        }
    }


def _person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


def _unit(code: str) -> OrgUnit:
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        abort(404)
    return unit


def _date_arg(name: str, default: dt.date | None = None, form: bool = False) -> dt.date | None:
    raw = (request.form if form else request.args).get(name, "").strip()
    if not raw:
        return default
    return services.parse_date(raw, name)


def _int_arg(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        msg = _l("Must be a whole number.")
        raise ValidationError(msg, fields={name: msg}) from None


# --- the person-page panel --------------------------------------------------------------


@bp.app_template_global("competence_panel")
def competence_panel(person: Person) -> dict[str, Any]:
    """Data for ``competence/_person_panel.html`` (the page has checked
    ``can_view_competence`` before including it)."""
    viewer = me()
    permissions.require(permissions.can_view_competence(viewer, person))
    on = services.today()
    rows = services.person_competences(viewer, person, on)
    record_read(viewer, person, "competence")
    comps = {
        c.code: c
        for c in db.session.scalars(
            sa.select(Competence).where(Competence.code.in_([r["code"] for r in rows]))
        )
    }
    soon, gone = services.expiring([person.id], on)
    return {
        "rows": rows,
        "comps": comps,
        "history": services.history(person)[:50],
        "soon": soon,
        "gone": gone,
        "needs": services.future_needs(person, on),
        "may_review": permissions.can_review_competence(viewer, person),
        "may_see_conversations": permissions.can_view_conversations(viewer, person),
        "locale": loc(),
    }


@bp.app_template_global("competence_start_panel")
def competence_start_panel() -> dict[str, Any]:
    """Data for the start page: own expiring credentials and future needs, and for
    leaders how many self-assessments wait for their review."""
    person = me()
    on = services.today()
    soon, gone = services.expiring([person.id], on)
    return {
        "soon": soon,
        "gone": gone,
        "needs": len(services.future_needs(person, on)),
        "waiting": services.waiting_for_review(person) if person.led_units else 0,
    }


# --- my competence ----------------------------------------------------------------------


@bp.route("/")
@login_required
def mine() -> Any:
    person = me()
    permissions.require(permissions.can_assess_self(person, person))
    on = services.today()
    chosen = request.args.get("framework") or None
    fws = services.frameworks()
    shown = [f for f in fws if f.code == chosen] if chosen else fws
    by_source = services.latest_by_source(person, on)
    current = services.current_levels([person.id], on)
    required = services.required_levels(person, on)
    soon, gone = services.expiring([person.id], on)
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
        credentials=services.credentials(person),
        soon=soon,
        gone=gone,
        findable=services.is_findable(person),
        locale=loc(),
        kinds=CREDENTIAL_KINDS,
        today=on,
    )


@bp.route("/assess/<code>", methods=["GET", "POST"])
@login_required
def assess(code: str) -> Any:
    person = me()
    permissions.require(permissions.can_assess_self(person, person))
    comp = services.competence_by_code(code)
    if request.method == "POST":
        services.self_assess(
            person,
            comp,
            request.form.get("level", ""),
            request.form.get("note", ""),
            request.form.get("evidence_url", ""),
        )
        db.session.commit()
        flash(_("Your assessment is saved."), "success")
        return redirect(url_for("competence.mine", framework=comp.framework.code) + f"#c-{comp.id}")
    return render_template(
        "competence/assess.html",
        comp=comp,
        framework=comp.framework,
        history=services.history(person, comp),
        current=services.current_level(person, comp, services.today()),
        locale=loc(),
    )


@bp.route("/findable", methods=["POST"])
@login_required
def findable() -> Any:
    person = me()
    services.set_findable(person, person, request.form.get("findable") == "1")
    db.session.commit()
    flash(_("Your choice is saved."), "success")
    return redirect(url_for("competence.mine"))


@bp.route("/people/<int:person_id>/credentials", methods=["POST"])
@login_required
def add_credential(person_id: int) -> Any:
    person = _person(person_id)
    f = request.form
    links = []
    for code, level in zip(f.getlist("competence"), f.getlist("level"), strict=False):
        if code:
            links.append((services.competence_by_code(code), level))
    services.add_credential(
        me(),
        person,
        f.get("kind", ""),
        f.get("title", ""),
        f.get("issuer", ""),
        _date_arg("issued_on", form=True),
        _date_arg("expires_on", form=True),
        links,
        f.get("evidence_url", ""),
    )
    db.session.commit()
    flash(_("The credential is registered."), "success")
    if person.id == me().id:
        return redirect(url_for("competence.mine") + "#credentials")
    return redirect(url_for("org.person", person_id=person.id))


# --- the leader's team view ---------------------------------------------------------------


@bp.route("/team")
@login_required
def team_start() -> Any:
    units = me().led_units
    if not units:
        permissions.require(False)
    return redirect(url_for("competence.team", code=units[0].code))


TEAM_PAGE = 100


@bp.route("/team/<code>")
@login_required
def team(code: str) -> Any:
    unit = _unit(code)
    viewer = me()
    people = services.team(viewer, unit)
    fws = services.frameworks()
    chosen = request.args.get("framework") or (fws[0].code if fws else "")
    framework = next((f for f in fws if f.code == chosen), None)
    comps = [c for c in framework.competences if c.active] if framework else []
    focus = request.args.get("competence") or ""
    if focus:
        comps = [c for c in comps if c.code == focus] or comps
    on = services.today()
    matrix = services.team_matrix(people, [c.id for c in comps], on)
    pending = []
    for _key, slot in matrix.items():
        s, lead = slot.get("self"), slot.get("leader")
        if s and (lead is None or (lead.assessed_on, lead.id) < (s.assessed_on, s.id)):
            pending.append(s)
    pending.sort(key=lambda a: (a.assessed_on, a.id))
    soon, gone = services.expiring([p.id for p in people], on)
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


@bp.route("/people/<int:person_id>/review/<code>", methods=["POST"])
@login_required
def review(person_id: int, code: str) -> Any:
    person = _person(person_id)
    permissions.require(permissions.can_review_competence(me(), person))
    comp = services.competence_by_code(code)
    level: Any = request.form.get("level", "")
    if request.form.get("action") == "confirm":
        level = None
    elif level == "":
        msg = _l("Give the level you find right.")
        raise ValidationError(msg, fields={"level": msg})
    services.review(me(), person, comp, level, request.form.get("note", ""))
    db.session.commit()
    flash(_("The assessment of %(name)s is saved.", name=person.name), "success")
    back = request.form.get("next") or ""
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("org.person", person_id=person.id))


# --- requirements -------------------------------------------------------------------------


@bp.route("/requirements", methods=["GET", "POST"])
@login_required
def requirements() -> Any:
    viewer = me()
    units = manageable_units(viewer)
    permissions.require(bool(units) or viewer.is_hr)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        f = request.form

        def create() -> Requirement:
            return services.create_requirement(
                viewer,
                f.get("scope_type", ""),
                f.get("scope_code", ""),
                services.competence_by_code(f.get("competence", "")),
                f.get("level", ""),
                services.parse_date(f.get("effective_from", ""), "effective_from"),
                _date_arg("effective_until", form=True),
                f.get("note", ""),
            )

        # Refusals are shown on the form with what was typed kept, not on an error page.
        created, errors = attempt_placed(create, _REQUIREMENT_FIELDS, "n-scope")
        if created is not None:
            flash(_("The requirement is saved."), "success")
            return redirect(url_for("competence.requirements", unit=f.get("scope_code", "")))
    code = request.args.get("unit") or (units[0].code if units else "")
    unit = next((u for u in units if u.code == code), None)
    on = services.today()
    reqs: list[Requirement] = []
    if unit is not None:
        reqs = list(db.session.scalars(services.requirements_query(unit)))
    job_reqs: list[Requirement] = []
    if viewer.is_hr:
        job_reqs = list(
            db.session.scalars(services.requirements_query().where(Requirement.scope_type == "job"))
        )
    return render_template(
        "competence/requirements.html",
        units=units,
        unit=unit,
        reqs=reqs,
        job_reqs=job_reqs,
        frameworks=services.frameworks(),
        on=on,
        locale=loc(),
        is_hr=viewer.is_hr,
        errors=errors,
        values=request.form if errors else {},
    ), (422 if errors else 200)


# The service's field names and the ids of the add-requirement form's inputs.
_REQUIREMENT_FIELDS = {
    "scope_type": "n-scope",
    "scope_code": "n-code",
    "scope": "n-code",
    "competence": "n-comp",
    "competence_id": "n-comp",
    "level": "n-level",
    "required_level": "n-level",
    "effective_from": "n-from",
    "effective_until": "n-until",
    "note": "n-note",
}


@bp.route("/requirements/<int:requirement_id>/delete", methods=["POST"])
@login_required
def requirement_delete(requirement_id: int) -> Any:
    req = services.get_requirement(me(), requirement_id)
    code = req.scope_code if req.scope_type == "unit" else ""
    services.delete_requirement(me(), req)
    db.session.commit()
    flash(_("The requirement is removed."), "success")
    return redirect(url_for("competence.requirements", unit=code))


@bp.route("/requirements/<int:requirement_id>/end", methods=["POST"])
@login_required
def requirement_end(requirement_id: int) -> Any:
    req = services.get_requirement(me(), requirement_id)
    until = services.parse_date(request.form.get("effective_until", ""), "effective_until")
    services.update_requirement(me(), req, effective_until=until)
    db.session.commit()
    flash(_("The requirement is saved."), "success")
    return redirect(url_for("competence.requirements", unit=req.scope_code))


@bp.route("/requirements/matrix", methods=["GET", "POST"])
@login_required
def matrix() -> Any:
    """Competences × units (the children of a unit) or × job codes, one level per cell."""
    viewer = me()
    units = manageable_units(viewer)
    permissions.require(bool(units) or viewer.is_hr)
    scope = request.values.get("scope", "unit")
    if scope not in ("unit", "job") or (scope == "job" and not viewer.is_hr):
        scope = "unit"
    fws = services.frameworks()
    chosen = request.values.get("framework") or (fws[0].code if fws else "")
    framework = next((f for f in fws if f.code == chosen), None)
    if framework is None:
        abort(404)
    parent_code = request.values.get("unit") or (units[0].code if units else "")
    parent = next((u for u in units if u.code == parent_code), None)
    if scope == "unit":
        if parent is None:
            abort(404)
        columns = [parent] + [
            u
            for u in units
            if u.parent_id == parent.id and permissions.can_set_requirements(viewer, u)
        ]
        column_codes = [u.code for u in columns]
        column_names = {u.code: u.name for u in columns}
    else:
        column_codes = sorted(
            c
            for c in db.session.scalars(
                sa.select(Person.job_code).where(Person.job_code.is_not(None)).distinct()
            )
            if c
        )
        column_names = {c: c for c in column_codes}
    comps = [c for c in framework.competences if c.active]
    if request.method == "POST":
        start = services.parse_date(request.form.get("effective_from", ""), "effective_from")
        cells: dict[tuple[str, str], int] = {}
        for c in comps:
            for col in column_codes:
                raw = request.form.get(f"cell-{c.id}-{col}")
                if raw is None:
                    continue
                value = _int_arg(raw, f"cell-{c.id}-{col}") or 0
                cells[(col, c.code)] = value
        # Only changed cells: compare with what is in force at the start date.
        current = _matrix_values(scope, column_codes, comps, start)
        changed = {k: v for k, v in cells.items() if current.get(k, 0) != v}
        n = services.set_matrix(viewer, scope, changed, start)
        db.session.commit()
        flash(_("%(n)s requirements changed.", n=n), "success")
        return redirect(
            url_for(
                "competence.matrix",
                scope=scope,
                framework=framework.code,
                unit=parent_code,
                date=start.isoformat(),
            )
        )
    on = _date_arg("date", services.today()) or services.today()
    return render_template(
        "competence/matrix.html",
        scope=scope,
        frameworks=fws,
        framework=framework,
        units=units,
        parent=parent,
        columns=column_codes,
        column_names=column_names,
        comps=comps,
        values=_matrix_values(scope, column_codes, comps, on),
        on=on,
        locale=loc(),
        is_hr=viewer.is_hr,
    )


def _matrix_values(
    scope: str, columns: list[str], comps: list[Competence], on: dt.date
) -> dict[tuple[str, str], int]:
    stmt = (
        sa.select(Requirement)
        .where(
            Requirement.scope_type == scope,
            Requirement.competence_id.in_([c.id for c in comps] or [0]),
            services.in_force_clause(on),
        )
        .options(selectinload(Requirement.unit), selectinload(Requirement.competence))
    )
    out: dict[tuple[str, str], int] = {}
    for r in db.session.scalars(stmt):
        key = (r.scope_code, r.competence.code)
        if r.scope_code in columns:
            out[key] = max(out.get(key, 0), r.level)
    return out


# --- unit competence plan -------------------------------------------------------------------


@bp.route("/plans/<code>", methods=["GET", "POST"])
@bp.route("/plans/<code>/<int:year>", methods=["GET", "POST"])
@login_required
def plan(code: str, year: int | None = None) -> Any:
    unit = _unit(code)
    viewer = me()
    year = year or services.today().year
    if not 2000 <= year <= 2100:
        abort(404)
    if request.method == "POST":
        f = request.form
        p = services.plan_for(viewer, unit, year, create=True)
        assert p is not None
        action = f.get("action")
        if action == "plan":
            services.update_plan(viewer, p, f.get("summary", ""), f.get("status", "draft"))
        elif action == "goal":
            responsible = None
            if rid := _int_arg(f.get("responsible_id"), "responsible_id"):
                allowed = {viewer.id} | {x.id for x in services.team(viewer, unit)}
                if rid not in allowed:
                    msg = _l("Choose someone in the unit.")
                    raise ValidationError(msg, fields={"responsible_id": msg})
                responsible = db.session.get(Person, rid)
            services.add_goal(
                viewer,
                p,
                f.get("focus_area", ""),
                f.get("goal", ""),
                f.get("measure", ""),
                f.get("measure_kind", "develop"),
                _int_arg(f.get("requirement_id"), "requirement_id"),
                responsible,
                _date_arg("due_on", form=True),
            )
        elif action == "goal_status":
            goal_id = _int_arg(f.get("goal_id"), "goal_id")
            goal = db.session.get(CompetencePlanGoal, goal_id) if goal_id else None
            if goal is None or goal.plan_id != p.id:
                abort(404)
            services.set_goal_status(viewer, goal, f.get("status", ""))
        else:
            abort(400)
        db.session.commit()
        flash(_("The plan is saved."), "success")
        return redirect(url_for("competence.plan", code=unit.code, year=year))
    p = services.plan_for(viewer, unit, year)
    reqs = list(
        db.session.scalars(
            services.requirements_query().where(Requirement.unit_id.in_(unit.ancestor_ids()))
        )
    )
    return render_template(
        "competence/plan.html",
        unit=unit,
        year=year,
        plan=p,
        reqs=reqs,
        people=[viewer] + [p for p in services.team(viewer, unit)[:300]],
        focus_areas=FOCUS_AREAS,
        statuses=PLAN_STATUSES,
        goal_statuses=GOAL_STATUSES,
        measure_kinds=MEASURE_KINDS,
        locale=loc(),
    )


# --- development conversations ------------------------------------------------------------


@bp.route("/people/<int:person_id>/conversations", methods=["GET", "POST"])
@login_required
def conversations(person_id: int) -> Any:
    person = _person(person_id)
    viewer = me()
    if request.method == "POST":
        f = request.form
        links = []
        for code, target in zip(f.getlist("competence"), f.getlist("target_level"), strict=False):
            if code:
                links.append((services.competence_by_code(code), target))
        services.record_conversation(
            viewer,
            person,
            services.parse_date(f.get("held_on", ""), "held_on"),
            f.get("agreed_goals", ""),
            f.get("measures", ""),
            links,
            _date_arg("follow_up_on", form=True),
        )
        db.session.commit()
        flash(_("The conversation is saved."), "success")
        return redirect(url_for("competence.conversations", person_id=person.id))
    items = services.conversations(viewer, person)
    record_read(viewer, person, "conversations")
    return render_template(
        "competence/conversations.html",
        person=person,
        items=items,
        may_record=permissions.can_record_conversation(viewer, person),
        frameworks=services.frameworks(),
        today=services.today(),
        locale=loc(),
    )


# --- who knows this? ------------------------------------------------------------------------


@bp.route("/who-knows")
@login_required
def who_knows() -> Any:
    viewer = me()
    permissions.require(permissions.can_search_experts(viewer))
    code = request.args.get("competence") or ""
    experts = None
    comp = None
    min_level = _int_arg(request.args.get("min_level"), "min_level") or 1
    if code:
        comp = services.competence_by_code(code)
        experts = services.who_knows(viewer, comp, max(min_level, 1))
    return render_template(
        "competence/who_knows.html",
        frameworks=services.frameworks(),
        comp=comp,
        code=code,
        min_level=min_level,
        experts=experts,
        findable=services.is_findable(viewer),
        locale=loc(),
    )


# --- HR: frameworks --------------------------------------------------------------------------


@bp.route("/frameworks", methods=["GET", "POST"])
@login_required
def frameworks() -> Any:
    viewer = me()
    permissions.require(permissions.can_manage_frameworks(viewer))
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            msg = _l("Choose a framework file (JSON).")
            raise ValidationError(msg, fields={"file": msg})
        try:
            data = json.loads(upload.read(2_000_000).decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            msg = _l("The file is not valid JSON.")
            raise ValidationError(msg, fields={"file": msg}) from None
        doc = fw_service.validate_framework(data, upload.filename)
        existing = db.session.scalar(sa.select(Framework).where(Framework.code == doc["code"]))
        if existing is not None and existing.source == "file":
            msg = _l(
                "%(code)s is a shipped framework; change its data file instead.", code=doc["code"]
            )
            raise ValidationError(msg, fields={"file": msg})
        fw_service.apply_framework(doc, "", source="app")
        fw_service.apply_links([doc])
        db.session.commit()
        flash(_("The framework %(code)s is saved.", code=doc["code"]), "success")
        return redirect(url_for("competence.framework", code=doc["code"]))
    return render_template(
        "competence/frameworks.html",
        frameworks=services.frameworks(active_only=False),
        locale=loc(),
    )


@bp.route("/frameworks/new", methods=["POST"])
@login_required
def framework_new() -> Any:
    viewer = me()
    permissions.require(permissions.can_manage_frameworks(viewer))
    f = request.form
    levels = _int_arg(f.get("levels"), "levels") or 0
    if not 2 <= levels <= 10:
        msg = _l("A scale has from 2 to 10 levels.")
        raise ValidationError(msg, fields={"levels": msg})
    doc = {
        "code": f.get("code", "").strip(),
        "version": f.get("version", "1").strip() or "1",
        "name": {"nb": f.get("name_nb", ""), "en": f.get("name_en", "") or f.get("name_nb", "")},
        "description": {"nb": f.get("description_nb", ""), "en": f.get("description_en", "")},
        "focus_area": f.get("focus_area", ""),
        "levels": [
            {"level": i, "name": {"nb": str(i), "en": str(i)}} for i in range(1, levels + 1)
        ],
        "areas": [],
        "competences": [],
    }
    norm = fw_service.validate_framework(doc, _("new framework"))
    if db.session.scalar(sa.select(Framework.id).where(Framework.code == norm["code"])):
        msg = _l("A framework with this code exists already.")
        raise ValidationError(msg, fields={"code": msg})
    fw_service.apply_framework(norm, "", source="app")
    db.session.commit()
    flash(_("The framework %(code)s is saved.", code=norm["code"]), "success")
    return redirect(url_for("competence.framework", code=norm["code"]))


@bp.route("/frameworks/<code>", methods=["GET", "POST"])
@login_required
def framework(code: str) -> Any:
    viewer = me()
    permissions.require(permissions.can_manage_frameworks(viewer))
    fw = db.session.scalar(sa.select(Framework).where(Framework.code == code))
    if fw is None:
        abort(404)
    if request.method == "POST":
        if fw.source == "file":
            msg = _l("%(code)s is a shipped framework; change its data file instead.", code=fw.code)
            raise ValidationError(msg)
        doc = fw_service.export_framework(fw)
        f = request.form
        if f.get("action") == "level":
            level = _int_arg(f.get("level"), "level")
            for lv in doc["levels"]:
                if lv["level"] == level:
                    lv["name"] = {"nb": f.get("name_nb", ""), "en": f.get("name_en", "")}
                    lv["descriptor"] = {
                        "nb": f.get("descriptor_nb", ""),
                        "en": f.get("descriptor_en", ""),
                    }
        else:
            area = f.get("area", "").strip()
            if area and area not in {a["code"] for a in doc["areas"]}:
                doc["areas"].append({"code": area, "name": {"nb": area, "en": area}})
            doc["competences"].append(
                {
                    "code": f.get("local_code", "").strip(),
                    "area": area,
                    "covers": f.getlist("covers"),
                    "focus_area": f.get("focus_area") or fw.focus_area,
                    "name": {"nb": f.get("name_nb", ""), "en": f.get("name_en", "")},
                    "description": {
                        "nb": f.get("description_nb", ""),
                        "en": f.get("description_en", ""),
                    },
                }
            )
        if not doc["areas"]:
            doc.pop("areas")
        norm = fw_service.validate_framework(doc, fw.code)
        fw_service.apply_framework(norm, "", source="app")
        db.session.commit()
        flash(_("The framework %(code)s is saved.", code=fw.code), "success")
        return redirect(url_for("competence.framework", code=fw.code))
    return render_template(
        "competence/framework.html",
        fw=fw,
        comps=[c for c in fw.competences if c.active],
        focus_areas=FOCUS_AREAS,
        locale=loc(),
    )


@bp.route("/frameworks/<code>.json")
@login_required
def framework_json(code: str) -> Any:
    permissions.require(permissions.can_manage_frameworks(me()))
    fw = db.session.scalar(sa.select(Framework).where(Framework.code == code))
    if fw is None:
        abort(404)
    body = json.dumps(fw_service.export_framework(fw), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{fw.code}.json"'},
    )


# --- HR: imports ---------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_page() -> Any:
    viewer = me()
    permissions.require(permissions.can_import(viewer))
    report = None
    kind = request.form.get("kind", "requirements")
    status = 200
    if request.method == "POST":
        from kollega.competence.imports import import_assessments, import_requirements

        upload = request.files.get("file")
        if kind not in ("requirements", "assessments"):
            abort(400)
        if upload is None or not upload.filename:
            msg = _l("Choose a CSV file.")
            raise ValidationError(msg, fields={"file": msg})
        if kind == "requirements":
            report = import_requirements(upload.stream, viewer.id)
        else:
            report = import_assessments(upload.stream)
        if report.ok:
            from kollega.audit.services import record

            record(
                f"competence.import_{kind}",
                viewer.id,
                **report.counts(),
                file_name=upload.filename[:200],
            )
            db.session.commit()
            flash(
                _(
                    "%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
                    kind=kind,
                    created=report.created,
                    updated=report.updated,
                    unchanged=report.unchanged,
                ),
                "success",
            )
            return redirect(url_for("competence.import_page"))
        db.session.rollback()
        status = 422
    return render_template("competence/import.html", report=report, kind=kind), status
