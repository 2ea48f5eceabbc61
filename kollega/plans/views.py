"""Pages of the strategic competence plan: the list with a new-plan form, and the plan
page walking KS's seven steps (status, notes, owner, details), with the staffing
analysis, the competence gap, measures, drivers and scenarios side by side, a printable
view and the Word download. Views parse, call a service, commit and redirect."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from kollega import permissions
from kollega.audit.services import record_access
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.formflow import attempt_placed
from kollega.org.models import Person
from kollega.org.services import manageable_units, unit_by_code
from kollega.plans import labels, services
from kollega.plans.models import MEASURE_KINDS, MEASURE_STATUSES, PLAN_STATUSES, STEP_STATUSES
from kollega.web import register_nav

bp = Blueprint("plans", __name__, url_prefix="/plans")

register_nav(_l("Competence plan"), "plans.index", permissions.can_see_plans_menu, order=36)


def me() -> Person:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"plan_labels": labels}


def _date(name: str, required: bool = False) -> dt.date | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        if required:
            raise ValidationError(_l("Required."), fields={name: _l("Required.")})
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        msg = _l("Give a date as YYYY-MM-DD.")
        raise ValidationError(msg, fields={name: msg}) from None


def _int(name: str, default: int | None = None) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        msg = _l("Must be a whole number.")
        raise ValidationError(msg, fields={name: msg}) from None


def _float(name: str, default: float = 0.0) -> float:
    raw = request.form.get(name, "").strip().replace(",", ".")
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        msg = _l("Must be a number.")
        raise ValidationError(msg, fields={name: msg}) from None


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Any:
    viewer = me()
    errors: list[tuple[str, str]] = []
    if request.method == "POST":

        def create() -> Any:
            return services.create_plan(
                viewer,
                unit_by_code(request.form.get("unit", "")),
                request.form.get("title", ""),
                _date("period_from", required=True),  # type: ignore[arg-type]
                _date("period_to", required=True),  # type: ignore[arg-type]
            )

        plan, errors = attempt_placed(create, _NEW_PLAN_FIELDS, "np-title")
        if plan is not None:
            flash(_("The plan is created."), "success")
            return redirect(url_for("plans.show", plan_id=plan.id))
    if viewer.is_guest:
        abort(403)
    year = services.today().year
    return render_template(
        "plans/index.html",
        plans=services.visible_plans(viewer),
        units=manageable_units(viewer) if permissions.can_plan_any(viewer) else [],
        default_from=dt.date(year + 1, 1, 1),
        default_to=dt.date(year + 4, 12, 31),
        errors=errors,
        values=request.form if errors else {},
    ), (422 if errors else 200)


# The service's field names and the ids of the new-plan form's inputs.
_NEW_PLAN_FIELDS = {
    "title": "np-title",
    "unit": "np-unit",
    "unit_id": "np-unit",
    "period_from": "np-from",
    "period_to": "np-to",
}


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id: int) -> Any:
    viewer = me()
    plan = services.get_plan(viewer, plan_id)
    return render_template(
        "plans/show.html", **_context(viewer, plan), printable=request.args.get("print") == "1"
    )


def _context(viewer: Person, plan: Any) -> dict[str, Any]:
    from kollega.networks.models import Network
    from kollega.training.models import Training

    staffing = services.staffing(plan)
    can_manage = permissions.can_manage_plan(viewer, plan)
    return {
        "plan": plan,
        "can_manage": can_manage,
        "staffing": staffing,
        "gap": services.competence_gap(plan),
        "comparison": services.scenario_comparison(plan),
        "follow": services.follow_up(plan),
        "frameworks": services.frameworks_in_use(plan),
        "people": services.owner_candidates(plan) if can_manage else [],
        "networks": list(
            db.session.scalars(
                sa.select(Network).where(Network.status == "active").order_by(Network.name)
            )
        )
        if can_manage
        else [],
        "trainings": list(
            db.session.scalars(
                sa.select(Training).where(Training.active.is_(True)).order_by(Training.title)
            )
        )
        if can_manage
        else [],
        "plan_statuses": PLAN_STATUSES,
        "step_statuses": STEP_STATUSES,
        "measure_kinds": MEASURE_KINDS,
        "measure_statuses": MEASURE_STATUSES,
        "staffing_chart": {
            "labels": [t["year"] for t in staffing.totals],
            "datasets": [
                {"label": _("Need (FTE)"), "data": [t["need_fte"] for t in staffing.totals]},
                {"label": _("Supply (FTE)"), "data": [t["supply_fte"] for t in staffing.totals]},
                {
                    "label": _("Supply and measures (FTE)"),
                    "data": [
                        round(t["supply_fte"] + t["measures_fte"], 2) for t in staffing.totals
                    ],
                },
            ],
        },
    }


@bp.route("/<int:plan_id>", methods=["POST"])
@login_required
def update(plan_id: int) -> Any:
    viewer = me()
    plan = services.get_plan(viewer, plan_id)
    f = request.form
    action = f.get("action")
    anchor = ""
    if action == "plan":
        services.update_plan(
            viewer,
            plan,
            title=f.get("title", ""),
            status=f.get("status", ""),
            retirement_age=_int("retirement_age", plan.retirement_age),
            turnover=_float("turnover_percent", plan.turnover * 100) / 100,
            shared=f.get("shared") == "1",
        )
    elif action == "step":
        number = _int("number") or 0
        keys = labels.STEP_DETAILS.get(number, [])
        services.update_step(
            viewer,
            plan,
            number,
            status=f.get("status", ""),
            notes=f.get("notes", ""),
            owner_id=_int("owner_id"),
            details={k: f.get(f"detail_{k}", "") for k in keys},
        )
        anchor = f"step-{number}"
    elif action == "driver":
        values: dict[int, float] = {}
        for year in plan.years:
            raw = f.get(f"value_{year}", "").strip()
            if raw:
                values[year] = _float(f"value_{year}")
        ratios = {}
        job = f.get("job_code", "").strip()
        if job:
            ratios[job] = _float("fte_per_unit")
        services.add_driver(
            viewer, plan, f.get("name", ""), f.get("unit_of_demand", ""), values, ratios
        )
        anchor = "drivers"
    elif action == "delete_driver":
        services.delete_driver(viewer, plan, _int("driver_id") or 0)
        anchor = "drivers"
    elif action == "measure":
        effects = []
        if f.get("effect_competence", "").strip():
            effects.append(
                (
                    f.get("effect_competence", "").strip(),
                    _int("effect_people", 0) or 0,
                    _int("effect_level", 0) or 0,
                )
            )
        services.add_measure(
            viewer,
            plan,
            services.MeasureInput(
                kind=f.get("kind", ""),
                title=f.get("title", ""),
                description=f.get("description", ""),
                network_id=_int("network_id"),
                training_id=_int("training_id"),
                recruitment=f.get("recruitment", ""),
                cost=_int("cost", 0) or 0,
                owner_id=_int("owner_id"),
                starts_on=_date("starts_on"),
                ends_on=_date("ends_on"),
                job_code=f.get("job_code", "").strip() or None,
                fte_change=_float("fte_change"),
                effects=effects,
            ),
        )
        anchor = "measures"
    elif action == "measure_status":
        services.set_measure_status(viewer, plan, _int("measure_id") or 0, f.get("status", ""))
        anchor = "measures"
    elif action == "delete_measure":
        services.delete_measure(viewer, plan, _int("measure_id") or 0)
        anchor = "measures"
    elif action == "scenario":
        multipliers = {}
        for d in plan.drivers:
            raw = f.get(f"multiplier_{d.id}", "").strip()
            if raw:
                multipliers[d.id] = _float(f"multiplier_{d.id}")
        measure_ids = None
        if f.get("measure_set") == "chosen":
            measure_ids = [int(m) for m in f.getlist("measure_ids") if m.isdigit()]
        services.add_scenario(
            viewer,
            plan,
            f.get("name", ""),
            retirement_age=_int("retirement_age", plan.retirement_age) or plan.retirement_age,
            turnover=_float("turnover_percent", plan.turnover * 100) / 100,
            driver_multipliers=multipliers,
            measure_ids=measure_ids,
            description=f.get("description", ""),
        )
        anchor = "scenarios"
    elif action == "delete_scenario":
        services.delete_scenario(viewer, plan, _int("scenario_id") or 0)
        anchor = "scenarios"
    else:
        abort(400)
    db.session.commit()
    flash(_("The plan is saved."), "success")
    return redirect(url_for("plans.show", plan_id=plan.id, _anchor=anchor or None))


@bp.route("/<int:plan_id>/document.docx")
@login_required
def document(plan_id: int) -> Any:
    """The same document as the API's, for the page's download link."""
    from flask import Response

    from kollega.plans import document as doc

    plan = services.get_plan(me(), plan_id)
    record_access("plans.export", me().id, "strategic_plan", plan.id, format="docx")
    return Response(
        doc.build(plan),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="kompetanseplan-{plan.id}.docx"'},
    )
