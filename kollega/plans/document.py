"""The plan as a Word document (python-docx): KS's seven steps are its chapters, with
the staffing table, the competence gap, the measures and the scenario comparison.
In the reader's language (Norwegian bokmål by default)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Cm
from flask import Response
from flask_babel import format_date
from flask_babel import gettext as _

from kollega.plans import charts, labels, services
from kollega.plans.models import Plan, PlanStep

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _table(doc: Any, headers: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _fmt(value)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",") if labels.is_nb() else f"{value:.2f}"
    return str(value)


def _chart(doc: Any, chart: charts.BarChart) -> None:
    """The chart as an image with alt text (the figures in words), then the same
    figures as a table, so nothing is only in the picture."""
    doc.add_heading(chart.title, level=3)
    parts = []
    for i, category in enumerate(chart.categories):
        values = ", ".join(f"{name} {_fmt(vals[i])}" for name, vals in chart.series)
        parts.append(f"{category}: {values}")
    alt = _("Bar chart: %(title)s. %(figures)s.", title=chart.title, figures="; ".join(parts))
    run = doc.add_paragraph().add_run()
    shape = run.add_picture(io.BytesIO(charts.render_png(chart)), width=Cm(15))
    # python-docx has no API for alt text; Word reads it from wp:docPr's descr.
    shape._inline.docPr.set("descr", alt)
    shape._inline.docPr.set("title", chart.title)
    _table(
        doc,
        [chart.category_label, *[name for name, _vals in chart.series]],
        [
            [category, *[vals[i] for _name, vals in chart.series]]
            for i, category in enumerate(chart.categories)
        ],
    )


def build(plan: Plan) -> bytes:
    """The .docx bytes of the plan (the caller has checked that the reader may see it)."""
    doc = Document()
    doc.core_properties.title = plan.title
    _front(doc, plan)
    staffing = services.staffing(plan)
    gap = services.competence_gap(plan)
    comparison = services.scenario_comparison(plan)
    follow = services.follow_up(plan)
    for step in plan.steps:
        _step_text(doc, step)
        if step.key == "competence":
            _frameworks(doc, plan)
        elif step.key == "analysis":
            _staffing(doc, staffing)
            _competence_gap(doc, gap)
        elif step.key == "measures":
            _measures(doc, plan)
            _scenarios(doc, comparison)
        elif step.key == "follow_up":
            _follow_up(doc, follow)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def attachment(plan: Plan) -> Response:
    """The plan's document as a download (the page's link and the API's)."""
    return Response(
        build(plan),
        mimetype=DOCX,
        headers={"Content-Disposition": f'attachment; filename="kompetanseplan-{plan.id}.docx"'},
    )


def _front(doc: Any, plan: Plan) -> None:
    """The title, the unit, the period and the plan's status."""
    doc.add_heading(plan.title, level=0)
    doc.add_paragraph(
        _(
            "%(unit)s, %(start)s to %(end)s. Status: %(status)s.",
            unit=plan.unit.name,
            start=format_date(plan.period_from, "long"),
            end=format_date(plan.period_to, "long"),
            status=labels.PLAN_STATUS[plan.status],
        )
    )


def _step_text(doc: Any, step: PlanStep) -> None:
    """A step's chapter heading, status and owner, details and notes."""
    doc.add_heading(labels.step_title(step.number), level=1)
    doc.add_paragraph(
        _("Status: %(status)s", status=labels.STEP_STATUS[step.status])
        + (" · " + _("Owner: %(name)s", name=step.owner.name) if step.owner else "")
    )
    for key, value in (step.details or {}).items():
        if value:
            text = ", ".join(value) if isinstance(value, list) else value
            doc.add_paragraph(f"{labels.detail_label(key)}: {text}")
    if step.notes:
        for para in step.notes.splitlines():
            if para.strip():
                doc.add_paragraph(para)


def _frameworks(doc: Any, plan: Plan) -> None:
    """Step 4: the frameworks the plan's unit uses."""
    frameworks = services.frameworks_in_use(plan)
    if frameworks:
        _table(
            doc,
            [_("Framework"), _("Competences in use")],
            [[f["framework"].name(labels.locale()), f["competences"]] for f in frameworks],
        )


def _staffing(doc: Any, staffing: services.Staffing) -> None:
    """Step 5's staffing analysis: FTE now, the gap per year and job, and its chart."""
    doc.add_heading(_("FTE now by job"), level=2)
    _table(
        doc,
        [_("Job code"), _("People"), _("FTE")],
        [[r["job_code"], r["people"], r["fte"]] for r in staffing.by_job],
    )
    doc.add_heading(_("Staffing gap per year and job"), level=2)
    doc.add_paragraph(
        _(
            "Retirement at %(age)d, yearly turnover %(rate)s.",
            age=staffing.retirement_age,
            rate=f"{staffing.turnover * 100:.1f} %",
        )
    )
    _table(
        doc,
        [
            _("Year"),
            _("Job code"),
            _("Supply (FTE)"),
            _("Retiring (FTE)"),
            _("Need (FTE)"),
            _("Gap (FTE)"),
            _("Gap after measures (FTE)"),
        ],
        [
            [
                r["year"],
                r["job_code"],
                r["supply_fte"],
                r["retiring_fte"],
                r["need_fte"],
                r["gap_fte"],
                r["gap_after_fte"],
            ]
            for r in staffing.rows
        ],
    )
    if staffing.totals:
        _chart(
            doc,
            charts.BarChart(
                title=_("Staffing gap per year, all jobs"),
                category_label=_("Year"),
                categories=[str(t["year"]) for t in staffing.totals],
                series=[
                    (_("Gap (FTE)"), [t.get("gap_fte", 0.0) for t in staffing.totals]),
                    (
                        _("Gap after measures (FTE)"),
                        [t.get("gap_after_fte", 0.0) for t in staffing.totals],
                    ),
                ],
                y_label=_("FTE"),
            ),
        )


def _competence_gap(doc: Any, gap: dict[str, Any]) -> None:
    """Step 5's competence gap at the target date, per competence, before and after."""
    doc.add_heading(_("Competence gap at the target date"), level=2)
    doc.add_paragraph(
        _(
            "Gap points at %(date)s: %(now)d; if the measures work: %(after)d.",
            date=gap["target_date"],
            now=gap["gap_points"],
            after=gap["projected_gap_points"],
        )
    )
    _table(
        doc,
        [
            _("Competence"),
            _("People required"),
            _("People with gap"),
            _("Gap points"),
            _("Gap points after measures"),
        ],
        [
            [
                r["competence"],
                r["people_required"],
                r["people_with_gap"],
                r["gap_points"],
                r["projected_gap_points"],
            ]
            for r in gap["rows"]
        ],
    )


def _scenarios(doc: Any, comparison: list[dict[str, Any]]) -> None:
    """Step 6's scenarios side by side, and their competence gap as a chart."""
    doc.add_heading(_("Scenarios"), level=2)
    _table(
        doc,
        [
            _("Scenario"),
            _("Retirement age"),
            _("Turnover"),
            _("Need (FTE)"),
            _("Gap (FTE)"),
            _("Gap after measures (FTE)"),
            _("Gap points"),
            _("Gap points after measures"),
        ],
        [
            [
                c["name"],
                c["retirement_age"],
                f"{c['turnover'] * 100:.1f} %",
                c["need_fte"],
                c["gap_fte"],
                c["gap_after_fte"],
                c["gap_points"],
                c["projected_gap_points"],
            ]
            for c in comparison
        ],
    )
    _chart(
        doc,
        charts.BarChart(
            title=_("Competence gap per scenario at the target date"),
            category_label=_("Scenario"),
            categories=[c["name"] for c in comparison],
            series=[
                (_("Gap points"), [c["gap_points"] for c in comparison]),
                (_("Gap points after measures"), [c["projected_gap_points"] for c in comparison]),
            ],
            y_label=_("Gap points"),
        ),
    )


def _follow_up(doc: Any, follow: dict[str, Any]) -> None:
    """Step 7: the gap closure so far beside the closure the measures promise."""
    doc.add_paragraph(
        _(
            "Gap closure from %(start)s to %(end)s: actual %(actual)s, expected "
            "when all measures work %(expected)s.",
            start=follow["from"],
            end=follow["to"],
            actual=labels.percent(follow["closure"]),
            expected=labels.percent(follow["expected_closure"]),
        )
    )


def _measures(doc: Any, plan: Plan) -> None:
    """Step 6's measures: kind, owner, period, cost, expected effect and status."""
    doc.add_heading(_("Measures"), level=2)
    _table(
        doc,
        [
            _("Kind of measure"),
            _("Measure"),
            _("Owner"),
            _("Period"),
            _("Cost (NOK)"),
            _("Expected effect"),
            _("Status"),
        ],
        [
            [
                labels.MEASURE_KIND[m.kind],
                m.title,
                m.owner.name if m.owner else "",
                labels.period(m.starts_on, m.ends_on),
                m.cost,
                labels.effect_text(m),
                labels.MEASURE_STATUS[m.status],
            ]
            for m in plan.measures
        ],
    )
