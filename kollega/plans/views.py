"""Pages of the strategic competence plan: the list with a new-plan form, and the plan
page walking KS's seven steps (status, notes, owner, details), with the staffing
analysis, the competence gap, measures, drivers and scenarios side by side, a printable
view and the Word download. Views parse a form (``plans.forms``), call a service and
redirect; the request commits at its edge (``kollega.uow``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega import clock, permissions
from kollega.audit.services import record_access
from kollega.current import current_person
from kollega.formflow import attempt_placed
from kollega.org.models import Person
from kollega.org.services import manageable_units, unit_by_code
from kollega.plans import document, labels, overview, queries, services
from kollega.plans.forms import (
    Form,
    chosen_measures,
    competence_choices,
    date_field,
    driver_multipliers,
    driver_ratios,
    driver_values,
    float_field,
    int_field,
    job_choices,
    measure_input,
    step_details,
)
from kollega.plans.models import (
    MEASURE_KINDS,
    MEASURE_STATUSES,
    PLAN_STATUSES,
    STEP_STATUSES,
    Plan,
)
from kollega.web import register_nav

bp = Blueprint("plans", __name__, url_prefix="/plans")

register_nav(_l("Competence plan"), "plans.index", permissions.can_see_plans_menu, order=36)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"plan_labels": labels}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Any:
    viewer = current_person()
    errors: list[tuple[str, str]] = []
    if request.method == "POST":

        def create() -> Any:
            return services.create_plan(
                viewer,
                unit_by_code(request.form.get("unit", "")),
                request.form.get("title", ""),
                date_field(request.form, "period_from", required=True),  # type: ignore[arg-type]
                date_field(request.form, "period_to", required=True),  # type: ignore[arg-type]
            )

        plan, errors = attempt_placed(create, _NEW_PLAN_FIELDS, "np-title")
        if plan is not None:
            flash(_("The plan is created."), "success")
            return redirect(url_for("plans.show", plan_id=plan.id))
    if viewer.is_guest:
        abort(403)
    year = clock.today().year
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
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    return render_template(
        "plans/show.html",
        **_context(viewer, plan),
        printable=request.args.get("print") == "1",
        errors=[],
        failed="",
        values={},
    )


def _context(viewer: Person, plan: Plan) -> dict[str, Any]:
    figures = overview.overview(plan)
    staffing = figures.staffing
    can_manage = permissions.can_manage_plan(viewer, plan)
    return {
        "plan": plan,
        "can_manage": can_manage,
        "staffing": staffing,
        "gap": figures.gap,
        "comparison": figures.comparison,
        "follow": figures.follow,
        "effects": figures.effects,
        "frameworks": services.frameworks_in_use(plan),
        "people": services.owner_candidates(plan) if can_manage else [],
        "networks": queries.active_networks() if can_manage else [],
        "trainings": queries.active_trainings() if can_manage else [],
        # The new measure's (and driver's) job and the measure's competence, by name.
        "measure_jobs": job_choices(r["job_code"] for r in staffing.by_job) if can_manage else [],
        "measure_competences": competence_choices(str(get_locale())) if can_manage else [],
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


# --- the plan page's forms -------------------------------------------------------------
# Each form on the plan page posts its ``action``; each action reads its form, runs its
# use case and names the part of the page to come back to.

Action = Callable[[Person, Plan, Form], str | None]


def _save_plan(viewer: Person, plan: Plan, form: Form) -> str | None:
    services.update_plan(
        viewer,
        plan,
        title=form.get("title", ""),
        status=form.get("status", ""),
        retirement_age=int_field(form, "retirement_age", plan.retirement_age),
        turnover=float_field(form, "turnover_percent", plan.turnover * 100) / 100,
        shared=form.get("shared") == "1",
    )
    return None


def _save_step(viewer: Person, plan: Plan, form: Form) -> str | None:
    number = int_field(form, "number") or 0
    services.update_step(
        viewer,
        plan,
        number,
        status=form.get("status", ""),
        notes=form.get("notes", ""),
        owner_id=services.owner_from_label(plan, form.get("owner", "")),
        details=step_details(form, number),
    )
    return f"step-{number}"


def _add_driver(viewer: Person, plan: Plan, form: Form) -> str | None:
    values = driver_values(form, plan.years)
    ratios = driver_ratios(form)
    services.add_driver(
        viewer, plan, form.get("name", ""), form.get("unit_of_demand", ""), values, ratios
    )
    return "drivers"


def _delete_driver(viewer: Person, plan: Plan, form: Form) -> str | None:
    services.delete_driver(viewer, plan, int_field(form, "driver_id") or 0)
    return "drivers"


def _add_measure(viewer: Person, plan: Plan, form: Form) -> str | None:
    data = measure_input(form)
    data.owner_id = services.owner_from_label(plan, form.get("owner", ""))
    services.add_measure(viewer, plan, data)
    return "measures"


def _set_measure_status(viewer: Person, plan: Plan, form: Form) -> str | None:
    services.set_measure_status(
        viewer, plan, int_field(form, "measure_id") or 0, form.get("status", "")
    )
    return "measures"


def _delete_measure(viewer: Person, plan: Plan, form: Form) -> str | None:
    services.delete_measure(viewer, plan, int_field(form, "measure_id") or 0)
    return "measures"


def _add_scenario(viewer: Person, plan: Plan, form: Form) -> str | None:
    multipliers = driver_multipliers(form, [d.id for d in plan.drivers])
    measure_ids = chosen_measures(form)
    services.add_scenario(
        viewer,
        plan,
        form.get("name", ""),
        retirement_age=int_field(form, "retirement_age", plan.retirement_age)
        or plan.retirement_age,
        turnover=float_field(form, "turnover_percent", plan.turnover * 100) / 100,
        driver_multipliers=multipliers,
        measure_ids=measure_ids,
        description=form.get("description", ""),
    )
    return "scenarios"


def _delete_scenario(viewer: Person, plan: Plan, form: Form) -> str | None:
    services.delete_scenario(viewer, plan, int_field(form, "scenario_id") or 0)
    return "scenarios"


ACTIONS: dict[str, Action] = {
    "plan": _save_plan,
    "step": _save_step,
    "driver": _add_driver,
    "delete_driver": _delete_driver,
    "measure": _add_measure,
    "measure_status": _set_measure_status,
    "delete_measure": _delete_measure,
    "scenario": _add_scenario,
    "delete_scenario": _delete_scenario,
}


@bp.route("/<int:plan_id>", methods=["POST"])
@login_required
def update(plan_id: int) -> Any:
    """One of the plan page's forms. A refused input shows the page again (422) with
    that form open, what was typed kept and each message beside its field."""
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    name = request.form.get("action", "")
    action = ACTIONS.get(name)
    if action is None:
        abort(400)
    ids, default = field_ids(name, request.form, plan)
    done, errors = attempt_placed(lambda: (action(viewer, plan, request.form),), ids, default)
    if done is None:
        return render_template(
            "plans/show.html",
            **_context(viewer, plan),
            printable=False,
            errors=errors,
            failed=_failed(name, request.form),
            values=request.form,
        ), 422
    flash(_("The plan is saved."), "success")
    return redirect(url_for("plans.show", plan_id=plan.id, _anchor=done[0]))


def _failed(name: str, form: Form) -> str:
    """Which form on the page failed: its action, and a step's number."""
    return f"step-{form.get('number', '')}" if name == "step" else name


# The service's and the forms' field names, and the ids of the inputs that show them.
_MEASURE_IDS = {
    "kind": "me-kind",
    "title": "me-title",
    "description": "me-desc",
    "network_id": "me-network",
    "training_id": "me-training",
    "recruitment": "me-recruit",
    "owner_id": "me-owner",
    "cost": "me-cost",
    "starts_on": "me-start",
    "ends_on": "me-end",
    "job_code": "me-job",
    "fte_change": "me-fte",
    "effects": "me-comp",
    "effect_competence": "me-comp",
    "effect_people": "me-people",
    "effect_level": "me-level",
}


def field_ids(name: str, form: Form, plan: Plan) -> tuple[dict[str, str], str]:
    """(field name → input id, the id for a message without a field) of one form."""
    if name == "plan":
        return {
            "title": "pl-title",
            "status": "pl-status",
            "retirement_age": "pl-age",
            "turnover": "pl-turnover",
            "turnover_percent": "pl-turnover",
        }, "pl-title"
    if name == "step":
        n = int(form.get("number", "0")) if form.get("number", "").isdigit() else 0
        ids = {"status": f"st{n}-status", "owner_id": f"st{n}-owner", "notes": f"st{n}-notes"}
        ids |= {f"detail_{k}": f"st{n}-{k}" for k in labels.STEP_DETAILS.get(n, [])}
        return ids, f"st{n}-status"
    if name == "measure":
        return _MEASURE_IDS, "me-title"
    if name == "driver":
        first = f"dr-{plan.years[0]}"
        ids = {"name": "dr-name", "unit_of_demand": "dr-unit", "values": first}
        ids |= {"ratios": "dr-job", "job_code": "dr-job", "fte_per_unit": "dr-ratio"}
        ids |= {f"value_{y}": f"dr-{y}" for y in plan.years}
        return ids, "dr-name"
    if name == "scenario":
        ids = {"name": "sc-name", "retirement_age": "sc-age", "turnover": "sc-turnover"}
        ids |= {"turnover_percent": "sc-turnover", "measure_ids": "sc-chosen"}
        ids |= {f"multiplier_{d.id}": f"sc-m{d.id}" for d in plan.drivers}
        if plan.drivers:
            ids["driver_multipliers"] = f"sc-m{plan.drivers[0].id}"
        return ids, "sc-name"
    return {}, "measures"


@bp.route("/<int:plan_id>/document.docx", endpoint="document")
@login_required
def download(plan_id: int) -> Any:
    """The same document as the API's, for the page's download link."""
    viewer = current_person()
    plan = services.get_plan(viewer, plan_id)
    record_access("plans.export", viewer.id, "strategic_plan", plan.id, format="docx")
    return document.attachment(plan)
