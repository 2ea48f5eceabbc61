"""Metrics pages for HR and leaders: participation and gap closure of a unit's subtree
over a period, charts drawn in the browser (static/metrics.js, Chart.js) from the same
rows as the tables beside them, CSV/XLSX exports of every table, a print stylesheet for
a report, and the strategy scorecard. HR's views and exports go to the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega import clock, permissions
from kollega.current import current_person
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.gaps.definitions import definition_notes
from kollega.gaps.services import focus_label
from kollega.metrics import closure, services
from kollega.metrics import scorecard as scorecard_mod
from kollega.org.models import OrgUnit, Person
from kollega.org.services import unit_by_code
from kollega.query_args import BadQuery, QueryArgs
from kollega.tables import TABLE_FORMATS, scope_notes, table_response
from kollega.web import register_nav

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

register_nav(_l("Metrics"), "metrics.index", permissions.can_view_any_metrics, 80)


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # int, share, text


@dataclass
class Table:
    """One table of a metrics page: shown, drawn as a chart and exported alike."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: dict[str, Any] | None = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def export_rows(self) -> tuple[list[str], list[list[Any]]]:
        header = [str(c.label) for c in self.columns]
        # Hidden figures say why, as on the page (small group, or subtraction).
        reasons = any(row.get("suppressed") for row in self.rows)
        if reasons:
            header.append(_("Hidden because"))
        out = []
        for row in self.rows:
            values = []
            for c in self.columns:
                v = row.get(c.key)
                if c.kind == "share" and isinstance(v, float):
                    v = round(v, 4)
                values.append(v)
            if reasons:
                values.append(row.get("suppressed_note") or "")
            out.append(values)
        return header, out


def _period(query: QueryArgs) -> services.Period:
    """The period in the query string, months (YYYY-MM) or dates (YYYY-MM-DD) snapped to
    whole months; a bad one is refused beside its field (``query``) and the default
    period used."""
    start, end = _month_arg(query, "from"), _month_arg(query, "to")
    try:
        return services.period(start, end)
    except ValidationError as exc:
        for name, message in exc.fields.items():
            query.refuse(name, str(message))
        return services.period(None, None)


def _month_arg(query: QueryArgs, name: str) -> Any:
    """The month or date in ``name`` (``services.month_or_date``), or None when it is
    absent or refused."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return services.month_or_date(raw)
    except ValueError:
        query.refuse(name, _("%(value)s is not a month; use the form YYYY-MM.", value=raw))
        return None


def _unit(code: str) -> OrgUnit:
    person = current_person()
    permissions.require(permissions.can_view_any_metrics(person))
    unit = unit_by_code(code)
    services.check(person, unit)
    return unit


FIGURE_COLUMNS = [
    Column("members", _l("Members")),
    Column("active_members", _l("Active members")),
    Column("messages", _l("Messages")),
    Column("reactions", _l("Reactions")),
    Column("threads", _l("Threads opened")),
    Column("stops_held", _l("Stops held")),
    Column("attendance_rate", _l("Attendance rate"), "share"),
    Column("reflections", _l("Reflections")),
]
CLOSURE_COLUMNS = [
    Column("gap_points_from", _l("Gap points at the start")),
    Column("gap_points_to", _l("Gap points at the end")),
    Column("closure", _l("Closure"), "share"),
    Column("new_gap_points", _l("New gap points")),
    Column("coverage_from", _l("Coverage at the start"), "share"),
    Column("coverage_to", _l("Coverage at the end"), "share"),
]


def _chart(
    kind: str, labels: list[str], series: list[tuple[str, list[Any]]], **options: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "labels": labels,
        "datasets": [{"label": str(name), "data": values} for name, values in series],
        **options,
    }


def participation_tables(person: Person, unit: OrgUnit, p: services.Period) -> dict[str, Table]:
    summary = services.participation(person, unit, p)
    months = services.participation_by_month(person, unit, p)
    units = services.participation_by_unit(person, unit, p)
    networks = services.participation_by_network(person, unit, p)
    tables = {
        "summary": Table(
            "summary",
            _("Participation in the period"),
            [
                Column("people", _("People in the unit and below")),
                *FIGURE_COLUMNS,
                Column("trainings_completed", _("Trainings completed")),
                Column("network_share", _("Share in at least one network"), "share"),
            ],
            [summary],
        ),
        "months": Table(
            "months",
            _("Month by month"),
            [Column("month", _("Month"), "text"), *FIGURE_COLUMNS, Column("joins", _("New joins"))],
            months,
            chart=_chart(
                "line",
                [m["month"] for m in months],
                [
                    (_("Active members"), [m["active_members"] for m in months]),
                    (_("Members"), [m["members"] for m in months]),
                    (_("New joins"), [m["joins"] for m in months]),
                ],
            ),
        ),
        "units": Table(
            "units",
            _("By unit"),
            [Column("name", _("Unit"), "text"), Column("people", _("People")), *FIGURE_COLUMNS],
            units,
            chart=_chart(
                "bar",
                [u["name"] for u in units],
                [
                    (_("Members"), [u["members"] for u in units]),
                    (_("Active members"), [u["active_members"] for u in units]),
                ],
            ),
        ),
        "networks": Table(
            "networks",
            _("By learning network"),
            [Column("name", _("Network"), "text"), *FIGURE_COLUMNS],
            networks,
        ),
    }
    tables["summary"].extra = summary
    return tables


def closure_tables(person: Person, unit: OrgUnit, p: services.Period) -> dict[str, Table]:
    c = closure.closure(person, unit, p)
    areas = [{**r, "name": focus_label(r["focus_area"])} for r in c["by_focus_area"]]
    net = c["networks"]
    assoc_rows = []
    if not net["suppressed"]:
        assoc_rows = [
            {"group": _("In a learning network"), **net["members"]},
            {"group": _("Not in a learning network"), **net["non_members"]},
        ]
    return {
        "closure_areas": Table(
            "closure_areas",
            _("Gap closure by focus area"),
            [Column("name", _("Focus area"), "text"), *CLOSURE_COLUMNS],
            areas,
            chart=_chart(
                "bar",
                [a["name"] for a in areas],
                [
                    (_("Gap points at the start"), [a["gap_points_from"] for a in areas]),
                    (_("Gap points at the end"), [a["gap_points_to"] for a in areas]),
                    (_("New gap points"), [a["new_gap_points"] for a in areas]),
                ],
            ),
            extra=c,
        ),
        "closure_units": Table(
            "closure_units",
            _("Gap closure by unit"),
            [Column("name", _("Unit"), "text"), Column("people", _("People")), *CLOSURE_COLUMNS],
            c["by_unit"],
            chart=_chart(
                "bar",
                [u["name"] for u in c["by_unit"]],
                [(_("Closure"), [u["closure"] for u in c["by_unit"]])],
                percent=True,
            ),
        ),
        "closure_months": Table(
            "closure_months",
            _("Gap closure month by month"),
            [
                Column("month", _("Month"), "text"),
                Column("gap_points_to", _("Gap points at the end of the month")),
                Column("closure", _("Closure since the start"), "share"),
                Column("new_gap_points", _("New gap points")),
            ],
            c["by_month"],
            chart=_chart(
                "line",
                [m["month"] for m in c["by_month"]],
                [
                    (_("Gap points"), [m["gap_points_to"] for m in c["by_month"]]),
                    (_("New gap points"), [m["new_gap_points"] for m in c["by_month"]]),
                ],
            ),
        ),
        "closure_networks": Table(
            "closure_networks",
            _("Closure among network members and others, same competences"),
            [
                Column("group", _("Group"), "text"),
                Column("people", _("People")),
                Column("gap_points_from", _("Gap points at the start")),
                Column("gap_points_to", _("Gap points at the end")),
                Column("closure", _("Closure"), "share"),
            ],
            assoc_rows,
            note=net["note"],
            extra=net,
        ),
    }


EXPORTS = (
    "summary",
    "months",
    "units",
    "networks",
    "closure_areas",
    "closure_units",
    "closure_months",
    "closure_networks",
    "scorecard",
)


@bp.app_template_filter("metric")
def metric(value: Any, kind: str = "int") -> str:
    """A figure for a table cell; a hidden one reads as such."""
    if value is None:
        return "–"
    if kind == "share":
        return f"{round(float(value) * 100):d} %"
    if kind == "int" and isinstance(value, (int, float)):
        return f"{int(value):,}".replace(",", "\u00a0")
    return str(value)


@bp.route("/")
@login_required
def index() -> Any:
    person = current_person()
    permissions.require(permissions.can_view_any_metrics(person))
    unit = services.default_unit(person)
    if unit is None:
        abort(404)
    return redirect(url_for("metrics.unit", code=unit.code))


def _breadcrumbs(person: Person, unit: OrgUnit) -> list[OrgUnit]:
    ids = unit.ancestor_ids()[:-1]
    if not ids:
        return []
    by_id = {u.id: u for u in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id and permissions.can_view_metrics(person, by_id[i])]


@bp.route("/units/<code>")
@login_required
def unit(code: str) -> Any:
    person = current_person()
    target = _unit(code)
    query = QueryArgs()
    p = _period(query)
    tables = {**participation_tables(person, target, p), **closure_tables(person, target, p)}
    services.audit(person, target, "page", p)
    return render_template(
        "metrics/unit.html",
        unit=target,
        period=p,
        tables=tables,
        summary=tables["summary"].extra,
        closure=tables["closure_areas"].extra,
        children=[u for u in target.children],
        breadcrumbs=_breadcrumbs(person, target),
        led=person.led_units,
        query=query,
        errors=query.errors,
    ), query.status


@bp.route("/units/<code>/scorecard")
@login_required
def scorecard(code: str) -> Any:
    person = current_person()
    target = _unit(code)
    query = QueryArgs()
    try:
        year = scorecard_mod.year_arg(request.args.get("year"))
    except ValidationError as exc:
        query.refuse("year", str(exc.message))
        year = clock.today().year
    card = scorecard_mod.scorecard(person, target, year)
    services.audit(person, target, "scorecard", year=year)
    return render_template(
        "metrics/scorecard.html",
        unit=target,
        year=year,
        card=card,
        query=query,
        errors=query.errors,
    ), query.status


def scorecard_table(person: Person, unit: OrgUnit, year: int) -> Table:
    card = scorecard_mod.scorecard(person, unit, year)
    measurable = {"yes": _("Yes"), "partly": _("Partly"), "no": _("No")}
    rows = []
    for area in card["focus_areas"]:
        for goal in area["goals"]:
            base = {
                "area": area["name"],
                "goal": goal["text_nb"],
                "goal_en": goal["text_en"],
                "measurable": measurable[goal["measurable"]],
                "note": goal["note"] or "",
            }
            if not goal["indicators"]:
                rows.append({**base, "indicator": "", "share": None, "value": None})
            for ind in goal["indicators"]:
                # One kind of figure per column: a share, or a number (with its count of).
                share = ind.get("kind") == "share"
                rows.append(
                    {
                        **base,
                        "indicator": ind["label"],
                        "share": ind["value"] if share else None,
                        "value": None if share else ind["value"],
                        "count": ind.get("count"),
                        "of": ind.get("of"),
                    }
                )
    return Table(
        "scorecard",
        _("Strategy scorecard %(year)s", year=year),
        [
            Column("area", _("Focus area"), "text"),
            Column("goal", _("Goal (Norwegian)"), "text"),
            Column("goal_en", _("Goal (English)"), "text"),
            Column("measurable", _("Measurable in kollega"), "text"),
            Column("note", _("Note"), "text"),
            Column("indicator", _("Indicator"), "text"),
            Column("share", _("Share"), "share"),
            Column("value", _("Value")),
            Column("count", _("Count")),
            Column("of", _("Of")),
        ],
        rows,
    )


@bp.route("/units/<code>/export.<fmt>")
@login_required
def export(code: str, fmt: str) -> Any:
    """One metrics table (``table``) of the unit and period as CSV or XLSX."""
    if fmt not in TABLE_FORMATS:
        abort(404)
    person = current_person()
    target = _unit(code)
    name = request.args.get("table", "summary")
    if name not in EXPORTS:
        abort(404)
    if name == "scorecard":
        try:
            year = scorecard_mod.year_arg(request.args.get("year"))
        except ValidationError as exc:
            raise BadQuery(exc.message, fields={"year": exc.message}) from exc
        table = scorecard_table(person, target, year)
        suffix = str(year)
        span = str(year)
        services.audit(person, target, "export", table=name, format=fmt, year=year)
    else:
        query = QueryArgs()
        p = _period(query)
        query.check()
        build = participation_tables if not name.startswith("closure") else closure_tables
        table = build(person, target, p)[name]
        suffix = f"{p.start.isoformat()}-{p.end.isoformat()}"
        span = f"{format_date(p.start, 'medium')}–{format_date(p.end, 'medium')}"
        services.audit(person, target, "export", p, table=name, format=fmt)
    header, rows = table.export_rows()
    kinds = [c.kind for c in table.columns] + ["text"] * (len(header) - len(table.columns))
    return table_response(
        fmt,
        header,
        rows,
        f"metrics-{name}-{target.code}-{suffix}",
        str(table.title),
        kinds=kinds,
        notes=scope_notes(target.name, span, clock.today())
        + ([str(table.note)] if table.note else [])
        + _definitions(name),
    )


def _definitions(table: str) -> list[str]:
    """What the table's gap figures mean, for the export's notes (as beside it on the page)."""
    if table.startswith("closure"):
        return definition_notes(("gap_points", "coverage", "closure", "new_gap"))
    if table == "scorecard":
        return definition_notes(("coverage",))
    return []
