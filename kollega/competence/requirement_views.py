"""The requirements editor: one requirement at a time, and the matrix of competences ×
units (or job codes) for leaders and HR."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega import permissions
from kollega.clock import today
from kollega.competence import services
from kollega.competence.blueprint import bp, loc
from kollega.competence.forms import (
    REQUIREMENT_FIELDS,
    competence_field,
    date_field,
    gather,
    matrix_cell_name,
    matrix_cells,
)
from kollega.competence.models import Requirement
from kollega.competence.requirements import (
    create_requirement,
    delete_requirement,
    get_requirement,
    job_codes,
    matrix_values,
    requirements_query,
    set_matrix,
    update_requirement,
)
from kollega.current import current_person
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.formflow import attempt_placed
from kollega.org.models import OrgUnit, Person, job_names
from kollega.org.services import job_name, manageable_units
from kollega.query_args import QueryArgs


@bp.route("/requirements", methods=["GET", "POST"])
@login_required
def requirements() -> Any:
    viewer = current_person()
    units = manageable_units(viewer)
    permissions.require(bool(units) or viewer.is_hr)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        f = request.form

        def create() -> Requirement:
            # Every malformed field at once; the use case checks the rest.
            fields: dict[str, str] = {}
            comp = gather(fields, lambda: competence_field(f.get("competence", "")))
            start = gather(
                fields,
                lambda: services.parse_date(f.get("effective_from", ""), "effective_from"),
            )
            until = gather(fields, lambda: date_field("effective_until", form=True))
            if fields or comp is None or start is None:
                raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
            return create_requirement(
                viewer,
                f.get("scope_type", ""),
                f.get("scope_code", ""),
                comp,
                f.get("level", ""),
                start,
                until,
                f.get("note", ""),
            )

        # Refusals are shown on the form with what was typed kept, not on an error page.
        created, errors = attempt_placed(create, REQUIREMENT_FIELDS, "n-scope")
        if created is not None:
            flash(_("The requirement is saved."), "success")
            return redirect(url_for("competence.requirements", unit=f.get("scope_code", "")))
    code = request.args.get("unit") or (units[0].code if units else "")
    unit = next((u for u in units if u.code == code), None)
    reqs: list[Requirement] = []
    if unit is not None:
        reqs = list(db.session.scalars(requirements_query(unit)))
    job_reqs: list[Requirement] = []
    if viewer.is_hr:
        job_reqs = list(
            db.session.scalars(requirements_query().where(Requirement.scope_type == "job"))
        )
    return render_template(
        "competence/requirements.html",
        units=units,
        unit=unit,
        reqs=reqs,
        job_reqs=job_reqs,
        frameworks=services.frameworks(),
        on=today(),
        locale=loc(),
        is_hr=viewer.is_hr,
        # Names to choose a unit or (HR) a job code by in the new requirement's scope field.
        jobs=sorted(job_names().items(), key=lambda pair: pair[1].lower()) if viewer.is_hr else [],
        errors=errors,
        values=request.form if errors else {},
    ), (422 if errors else 200)


@bp.route("/requirements/<int:requirement_id>/delete", methods=["POST"])
@login_required
def requirement_delete(requirement_id: int) -> Any:
    req = get_requirement(current_person(), requirement_id)
    code = req.scope_code if req.scope_type == "unit" else ""
    delete_requirement(current_person(), req)
    flash(_("The requirement is removed."), "success")
    return redirect(url_for("competence.requirements", unit=code))


@bp.route("/requirements/<int:requirement_id>/end", methods=["POST"])
@login_required
def requirement_end(requirement_id: int) -> Any:
    req = get_requirement(current_person(), requirement_id)
    until = services.parse_date(request.form.get("effective_until", ""), "effective_until")
    update_requirement(current_person(), req, effective_until=until)
    flash(_("The requirement is saved."), "success")
    return redirect(url_for("competence.requirements", unit=req.scope_code))


def _matrix_columns(
    viewer: Person, scope: str, units: list[OrgUnit], parent: OrgUnit | None
) -> tuple[list[str], dict[str, str]]:
    """(column codes, their names): the unit and its children the viewer may set
    requirements for, or every job code."""
    if scope == "job":
        codes = job_codes()
        return codes, {c: job_name(c) for c in codes}  # the readable name, else the code
    if parent is None:
        abort(404)
    columns = [parent] + [
        u for u in units if u.parent_id == parent.id and permissions.can_set_requirements(viewer, u)
    ]
    return [u.code for u in columns], {u.code: u.name for u in columns}


def _matrix_choice(
    query: QueryArgs, fws: list[Any], units: list[OrgUnit]
) -> tuple[Any, OrgUnit | None]:
    """The matrix's framework and unit from the link (the first of each when not given);
    one that is not there is refused beside its field (``query``) on a GET and the first
    shown, and answered 404 on a POST (no form of kollega's sends it)."""
    if not fws:
        abort(404)
    chosen = request.values.get("framework") or fws[0].code
    framework = next((f for f in fws if f.code == chosen), None)
    code = request.values.get("unit") or (units[0].code if units else "")
    parent = next((u for u in units if u.code == code), None)
    if request.method == "POST" and (framework is None or (code and parent is None)):
        abort(404)
    if framework is None:
        query.refuse("framework", _("Choose a framework from the list."), "m-fw")
        framework = fws[0]
    if parent is None and units:
        query.refuse("unit", _("Choose one of your units from the list."), "m-unit")
        parent = units[0]
    return framework, parent


def _matrix_shown(
    scope: str, column_codes: list[str], comps: list[Any], on: Any, typed: bool
) -> dict[tuple[str, str], Any]:
    """The cells to show: what was typed after a refusal, to correct and send again;
    otherwise the levels in force on ``on``."""
    if typed:
        return {
            (col, c.code): request.form.get(matrix_cell_name(c, col), "")
            for c in comps
            for col in column_codes
        }
    return matrix_values(scope, column_codes, comps, on)


def _name_cells(
    errors: list[tuple[str, str]],
    comps: list[Any],
    column_codes: list[str],
    column_names: dict[str, str],
) -> list[tuple[str, str]]:
    """A cell's message says which cell it is about, in the error summary too."""
    cell_labels = {
        f"m-{c.id}-{i}": f"{c.local_code} {c.name(loc())} – {column_names[col]}"
        for c in comps
        for i, col in enumerate(column_codes, 1)
    }
    return [
        (target, _("%(cell)s: %(message)s", cell=cell_labels[target], message=message))
        if target in cell_labels
        else (target, message)
        for target, message in errors
    ]


@bp.route("/requirements/matrix", methods=["GET", "POST"])
@login_required
def matrix() -> Any:
    """Competences × units (the children of a unit) or × job codes, one level per cell."""
    viewer = current_person()
    units = manageable_units(viewer)
    permissions.require(bool(units) or viewer.is_hr)
    scope = request.values.get("scope", "unit")
    if scope not in ("unit", "job") or (scope == "job" and not viewer.is_hr):
        scope = "unit"
    fws = services.frameworks()
    query = QueryArgs()  # a framework, unit or date in the link that is not there: 400
    framework, parent = _matrix_choice(query, fws, units)
    parent_code = parent.code if parent else ""
    column_codes, column_names = _matrix_columns(viewer, scope, units, parent)
    comps = [c for c in framework.competences if c.active]
    # The input ids of the cells (a job code is no safe id) and of the start date, so that
    # a refusal is shown beside the input it is about.
    ids = {
        matrix_cell_name(c, col): f"m-{c.id}-{i}"
        for c in comps
        for i, col in enumerate(column_codes, 1)
    } | {"effective_from": "m-from"}
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form = request.form

        def save() -> int:
            # Every malformed cell and the date at once; nothing is stored unless all are good.
            fields: dict[str, str] = {}
            start = gather(
                fields,
                lambda: services.parse_date(form.get("effective_from", ""), "effective_from"),
            )
            cells = matrix_cells(form, comps, column_codes, fields)
            if fields or start is None:
                raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
            # Only changed cells: compare with what is in force at the start date.
            current = matrix_values(scope, column_codes, comps, start)
            changed = {k: v for k, v in cells.items() if current.get(k, 0) != v}
            return set_matrix(viewer, scope, changed, start)

        n, errors = attempt_placed(save, ids, "m-from")
        errors = _name_cells(errors, comps, column_codes, column_names)
        if n is not None:
            flash(_("%(n)s requirements changed.", n=n), "success")
            return redirect(
                url_for(
                    "competence.matrix",
                    scope=scope,
                    framework=framework.code,
                    unit=parent_code,
                    date=form.get("effective_from", "").strip(),
                )
            )
    on = query.date("date", "m-date") or today()
    values = _matrix_shown(scope, column_codes, comps, on, typed=bool(errors))
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
        values=values,
        on=on,
        typed_from=request.form.get("effective_from", "") if errors else None,
        errors=errors,
        query=query,
        locale=loc(),
        is_hr=viewer.is_hr,
    ), (422 if errors else query.status)
