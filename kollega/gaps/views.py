"""Gap pages: my gaps and suggestions; a unit's gaps (table, focus areas, heatmap of
sub-units or people, now against a future date, drill-down); exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.routing import BuildError

from kollega import clock, permissions
from kollega.audit.services import record_access, record_read
from kollega.current import current_person
from kollega.errors import DomainError
from kollega.extensions import db
from kollega.gaps import services, suggestions
from kollega.gaps.definitions import definition_notes
from kollega.gaps.models import SUGGESTION_TYPES
from kollega.gaps.services import focus_label
from kollega.org.models import OrgUnit, Person
from kollega.org.services import unit_by_code
from kollega.query_args import QueryArgs
from kollega.tables import TABLE_FORMATS, scope_notes, table_response
from kollega.web import register_nav, register_person_panel, register_start_panel

bp = Blueprint("gaps", __name__, url_prefix="/gaps")


def _can_see_any_unit(person: Any) -> bool:
    return bool(person.led_units) or permissions.is_hr(person)


register_nav(
    _l("My gaps"), "gaps.mine", lambda p: permissions.is_authenticated(p) and not p.is_guest, 40
)
register_nav(_l("Unit gaps"), "gaps.index", _can_see_any_unit, 45)

# A guest has no requirements, so no gaps: no panel on their page.
register_person_panel("gaps/_person_panel.html", lambda person: not person.is_guest, order=20)
# My gaps and suggestions: everyone but guests, first on the start page.
register_start_panel("gaps/_start_panel.html", lambda p: not p.is_guest, order=10)

HEAT_STEPS = 4
MAX_HEATMAP_PEOPLE = 400


def heat_class(gap_points: int, people_required: int) -> str:
    """A colour step from the average gap per person (0 = none ... 4 = large)."""
    if people_required <= 0 or gap_points <= 0:
        return "heat-0"
    average = gap_points / people_required
    step = 1 if average <= 0.5 else 2 if average <= 1 else 3 if average <= 2 else HEAT_STEPS
    return f"heat-{step}"


bp.add_app_template_filter(focus_label, "focus_label")


@bp.app_template_filter("percent")
def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100):d} %"


def network_url(network_id: int, endpoint: str = "networks.network") -> str | None:
    """A networks page (``networks.network``) or action (``networks.join``), when the
    networks feature has it."""
    try:
        return url_for(endpoint, network_id=network_id)
    except BuildError:
        return None


@bp.app_template_global("person_gap_rows")
def person_gap_rows(target: Person) -> list[dict[str, Any]]:
    """For the person page panel (shown only to those who may see competence)."""
    return services.person_gaps(current_person(), target)


@bp.route("/me")
@login_required
def mine() -> Any:
    return _person_page(current_person())


@bp.route("/people/<int:person_id>")
@login_required
def person(person_id: int) -> Any:
    """A person's gaps and suggestions, for their leader chain and HR."""
    target = db.session.get(Person, person_id)
    if target is None:
        abort(404)
    return _person_page(target)


def _person_page(person: Person) -> Any:
    viewer = current_person()
    permissions.require(not viewer.is_guest)
    permissions.require(permissions.can_view_competence(viewer, person))
    now = clock.today()
    query = QueryArgs()
    future = query.date("future")
    if future is not None and future <= now:
        query.refuse("future", _("Choose a date after today to see future gaps."))
        future = None
    rows = services.person_gaps(viewer, person, now)
    record_read(viewer, person, "gaps")
    future_rows = services.person_gaps(viewer, person, future) if future else None
    return render_template(
        "gaps/mine.html",
        target=person,
        own=viewer.id == person.id,
        rows=rows,
        future=future,
        future_rows=future_rows,
        today=now,
        suggestions=suggestions.for_person(viewer, person),
        network_url=network_url,
        query=query,
        errors=query.errors,
    ), query.status


@bp.route("/")
@login_required
def index() -> Any:
    person = current_person()
    unit = services.default_unit(person)
    if unit is None:
        return redirect(url_for("gaps.mine"))
    return redirect(url_for("gaps.unit", code=unit.code))


def _ancestors(unit: OrgUnit) -> list[OrgUnit]:
    ids = unit.ancestor_ids()[:-1]
    if not ids:
        return []
    by_id = {u.id: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


@bp.route("/units/<code>")
@login_required
def unit(code: str) -> Any:
    person = current_person()
    target = unit_by_code(code)
    services.check_unit(person, target)
    now = clock.today()
    query = QueryArgs()
    at = query.date("date") or now
    future = query.date("future")
    if future is not None and future <= at:
        query.refuse("future", _("The date to compare with must be after the first date."))
        future = None
    # The closure first: its frames (the period's start and end) serve the views below
    # at its end date too (``queries.unit_frames``' share).
    closure_to = min(at, now)
    closure_from = query.date("closure_from") or closure_to - dt.timedelta(days=365)
    if closure_from > closure_to:
        query.refuse("closure_from", _("The start of the period must be before its end."))
        closure_from = closure_to - dt.timedelta(days=365)
    closure = services.unit_closure(person, target, closure_from, closure_to, now=now)
    by = request.args.get("by", "units")
    if by not in ("units", "people"):
        by = "units"
    table = services.unit_gap_table(person, target, at)
    if by == "people" and table.people > MAX_HEATMAP_PEOPLE:
        flash(
            _(
                "Too many people to show one by one (%(n)d); choose a smaller unit. Showing sub-units.",
                n=table.people,
            ),
            "warning",
        )
        by = "units"
    future_table = services.unit_gap_table(person, target, future) if future else None
    future_rows = {r["competence"]: r for r in future_table.rows} if future_table else {}
    heatmap_at = query.date("heatmap_date") or at
    heatmap = services.heatmap(person, target, heatmap_at, by)
    areas = services.focus_area_table(person, target, at)
    future_areas = services.focus_area_table(person, target, future) if future else None
    breadcrumbs = [u for u in _ancestors(target) if permissions.can_view_unit_gaps(person, u)]
    return render_template(
        "gaps/unit.html",
        unit=target,
        at=at,
        today=now,
        future=future,
        table=table,
        future_table=future_table,
        future_rows=future_rows,
        heatmap=heatmap,
        heatmap_at=heatmap_at,
        query=query,
        errors=query.errors,
        areas=areas,
        future_areas={r["focus_area"]: r for r in future_areas} if future_areas else {},
        by=by,
        breadcrumbs=breadcrumbs,
        heat_class=heat_class,
        closure=closure,
        closure_from=closure_from,
        closure_to=closure_to,
        measures=suggestions.for_unit(person, target, at if at <= now else now),
        led=person.led_units,
    ), query.status


EXPORT_TABLES = ("competences", "areas", "heatmap")


def _export_rows(
    person: Person, target: OrgUnit, table: str, at: dt.date, by: str
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of one gap table, for the CSV and XLSX exports."""
    if table == "areas":
        rows = services.focus_area_table(person, target, at)
        header = [
            _("Focus area"),
            _("People with a requirement"),
            _("People with a gap"),
            _("Gap points"),
            _("Coverage"),
        ]
        return header, [
            [
                focus_label(r["focus_area"]),
                r["people_required"],
                r["people_with_gap"],
                r["gap_points"],
                None if r["coverage"] is None else round(r["coverage"], 4),
            ]
            for r in rows
        ]
    if table == "heatmap":
        hm = services.heatmap(person, target, at, by)
        names = {g["id"]: g["name"] for g in hm.groups}
        header = [
            _("Person") if by == "people" else _("Unit"),
            _("Competence code"),
            _("Competence"),
            _("People with a requirement"),
            _("People with a gap"),
            _("Gap points"),
            _("Coverage"),
        ]
        out = []
        for g in hm.groups:
            for c in hm.competences:
                cell = hm.cell(g["id"], c["competence"])
                if cell:
                    out.append(
                        [
                            names[g["id"]],
                            c["competence"],
                            c["name"],
                            cell["people_required"],
                            cell["people_with_gap"],
                            cell["gap_points"],
                            round(cell["coverage"], 4),
                        ]
                    )
        return header, out
    gap_table = services.unit_gap_table(person, target, at)
    header = [
        _("Competence code"),
        _("Competence"),
        _("Focus area"),
        _("People with a requirement"),
        _("People with a gap"),
        _("Gap points"),
        _("Coverage"),
    ]
    return header, [
        [
            r["competence"],
            r["name"],
            focus_label(r["focus_area"]),
            r["people_required"],
            r["people_with_gap"],
            r["gap_points"],
            round(r["coverage"], 4),
        ]
        for r in gap_table.rows
    ]


@bp.route("/units/<code>/export.<fmt>")
@login_required
def export(code: str, fmt: str) -> Any:
    """A gap table of the unit (``table``: competences, areas or heatmap) as CSV or XLSX."""
    if fmt not in TABLE_FORMATS:
        abort(404)
    person = current_person()
    target = unit_by_code(code)
    services.check_unit(person, target)
    table = request.args.get("table", "competences")
    if table not in EXPORT_TABLES:
        abort(404)
    by = "people" if request.args.get("by") == "people" else "units"
    query = QueryArgs()
    at = query.date("date") or clock.today()
    query.check()
    header, rows = _export_rows(person, target, table, at, by)
    record_access("gaps.export", person.id, "org_unit", target.id, table=table, by=by, format=fmt)
    filename = f"gaps-{table}-{target.code}-{at.isoformat()}"
    # Every gap table ends in three counts and the coverage share.
    kinds = ["text"] * (len(header) - 4) + ["int", "int", "int", "share"]
    return table_response(
        fmt,
        header,
        rows,
        filename,
        _export_title(table, by),
        kinds=kinds,
        notes=scope_notes(target.name, format_date(at, "medium"), clock.today())
        + definition_notes(("gap_points", "coverage")),
    )


def _export_title(table: str, by: str) -> str:
    if table == "areas":
        return _("Gap by focus area")
    if table == "heatmap":
        return (
            _("Heatmap: people by competence")
            if by == "people"
            else _("Heatmap: sub-units by competence")
        )
    return _("Gap per competence")


@bp.route("/suggestions/dismiss", methods=["POST"])
@login_required
def dismiss() -> Any:
    person = current_person()
    kind = request.form.get("type", "")
    try:
        item_id = int(request.form.get("id", ""))
    except ValueError:
        item_id = -1
    if kind not in SUGGESTION_TYPES or item_id < 0:
        flash(_("That suggestion could not be dismissed."), "error")
        return redirect(url_for("gaps.mine"))
    suggestions.dismiss(person, person, kind, item_id)
    flash(_("We will not suggest that again."), "success")
    return redirect(url_for("gaps.mine"))


@bp.route("/units/<code>/networks", methods=["POST"])
@login_required
def create_network(code: str) -> Any:
    person = current_person()
    target = unit_by_code(code)
    competence = request.form.get("competence", "")
    try:
        network = suggestions.create_proposed_network(person, target, competence)
    except DomainError as exc:
        if exc.status == 403:
            raise
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("gaps.unit", code=target.code))
    flash(
        _("The network %(name)s was created and the people were invited.", name=network.name),
        "success",
    )
    return redirect(network_url(network.id) or url_for("gaps.unit", code=target.code))
