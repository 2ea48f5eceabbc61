"""The plan as a Word document (python-docx) in the form of KS's template for a
strategic competence plan: a cover, a table of contents, and KS's seven steps as its
chapters, with the staffing table, the competence gap, the measures with their expected
and actual effect, and the scenario comparison. Tables are laid out by
``docx_layout`` (no word breaks inside a cell, landscape pages for wide tables); figures
and dates are in the reader's locale, and so is the document's language."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt, RGBColor
from flask import Response
from flask_babel import format_date
from flask_babel import gettext as _

from kollega import clock
from kollega.plans import charts, labels, overview, services
from kollega.plans import docx_layout as L
from kollega.plans.models import Plan, PlanStep

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class _Writer:
    """The document being written and the orientation of its current section."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.landscape = False
        self.fresh_page = True

    def chapter(self, title: str) -> None:
        """A chapter (Heading 1) on a new portrait page."""
        if self.landscape:
            L.new_section(self.doc, False)
            self.landscape = False
        elif not self.fresh_page:
            self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        self.fresh_page = False
        self.doc.add_heading(title, level=1)

    def block(
        self,
        heading: str | None,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        numeric: Sequence[int] = (),
        before: Sequence[str] = (),
        level: int = 2,
    ) -> None:
        """A heading, paragraphs and a table, on a landscape page when it is wide."""
        shape = L.layout(headers, rows, numeric)
        if shape.landscape != self.landscape:
            L.new_section(self.doc, shape.landscape)
            self.landscape = shape.landscape
        if heading:
            self.doc.add_heading(heading, level=level)
        for text in before:
            self.doc.add_paragraph(text)
        L.table(self.doc, headers, rows, shape, numeric)
        self.doc.add_paragraph()


def build(plan: Plan) -> bytes:
    """The .docx bytes of the plan (the caller has checked that the reader may see it)."""
    doc = Document()
    doc.core_properties.title = plan.title
    doc.core_properties.language = L.language(doc, labels.locale())
    L.page(doc.sections[0])
    _cover(doc, plan)
    body = L.new_section(doc, False)
    L.page_numbers(body)
    L.toc(doc, _("Contents"), [(1, labels.step_title(s.number)) for s in plan.steps])
    L.update_fields_on_open(doc)
    writer = _Writer(doc)
    writer.fresh_page = False
    figures = overview.overview(plan)
    staffing, gap, comparison = figures.staffing, figures.gap, figures.comparison
    follow, results = figures.follow, figures.effects
    for step in plan.steps:
        _step_text(writer, step)
        if step.key == "competence":
            _frameworks(writer, plan)
        elif step.key == "analysis":
            _staffing(writer, plan, staffing)
            _competence_gap(writer, gap)
        elif step.key == "measures":
            _measures(writer, plan)
            _scenarios(writer, plan, comparison)
        elif step.key == "follow_up":
            _follow_up(writer, plan, follow, results)
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


NO_BREAK_AFTER_DASH = re.compile(r"(?<=\d)([\u2013-])(?=\d)")


def _cover(doc: Any, plan: Plan) -> None:
    """The cover page: what the document is, the plan's title, unit, period, status."""
    for _i in range(6):
        doc.add_paragraph()
    kind = doc.add_paragraph(_("Strategic competence plan"), style="Subtitle")
    kind.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # A period's dash keeps its years together ("2026–2029", not "2026–" over "2029").
    title = doc.add_paragraph(NO_BREAK_AFTER_DASH.sub("\\1\u2060", plan.title), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in (
        plan.unit.name,
        _(
            "%(start)s to %(end)s",
            start=format_date(plan.period_from, "long"),
            end=format_date(plan.period_to, "long"),
        ),
        _("Status: %(status)s", status=labels.PLAN_STATUS[plan.status]),
    ):
        line = doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = line.add_run(text)
        run.font.size = Pt(14)
    for _i in range(8):
        doc.add_paragraph()
    note = doc.add_paragraph(
        _(
            "Made with kollega on %(date)s, following KS's seven steps for strategic "
            "competence planning.",
            date=format_date(clock.today(), "long"),
        )
    )
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note.runs[0].font.size = Pt(9)
    note.runs[0].font.color.rgb = RGBColor(0x44, 0x44, 0x44)


def _step_text(writer: _Writer, step: PlanStep) -> None:
    """A step's chapter heading, KS's guidance, status and owner, details and notes."""
    doc = writer.doc
    writer.chapter(labels.step_title(step.number))
    hint = doc.add_paragraph()
    hint_run = hint.add_run(str(labels.STEP_HINTS[step.number]))
    hint_run.italic = True
    doc.add_paragraph(
        _("Status: %(status)s", status=labels.STEP_STATUS[step.status])
        + (" · " + _("Owner: %(name)s", name=step.owner.name) if step.owner else "")
    )
    for key, value in (step.details or {}).items():
        if value:
            line = doc.add_paragraph()
            line.add_run(f"{labels.detail_label(key)}: ").bold = True
            line.add_run(labels.detail_value(key, value))
    for para in (step.notes or "").splitlines():
        if para.strip():
            doc.add_paragraph(para)


def _frameworks(writer: _Writer, plan: Plan) -> None:
    """Step 4: the frameworks the plan's unit uses."""
    frameworks = services.frameworks_in_use(plan)
    if frameworks:
        writer.block(
            _("Frameworks in use"),
            [_("Framework"), _("Competences in use")],
            [
                [f["framework"].name(labels.locale()), labels.number(f["competences"], 0)]
                for f in frameworks
            ],
            numeric=[1],
        )


def _period(plan: Plan) -> str:
    return f"{plan.period_from.year}–{plan.period_to.year}"


def _staffing(writer: _Writer, plan: Plan, staffing: services.Staffing) -> None:
    """Step 5's staffing analysis: FTE now, the gap per year and job, and its chart."""
    fte = labels.fixed
    writer.block(
        _("FTE now by job"),
        [_("Job"), _("People"), _("FTE")],
        [
            [labels.job_name(r["job_code"]), labels.number(r["people"], 0), fte(r["fte"])]
            for r in staffing.by_job
        ],
        numeric=[1, 2],
    )
    writer.block(
        _("Staffing gap per year and job"),
        [
            _("Year"),
            _("Job"),
            _("Supply (FTE)"),
            _("Retiring (FTE)"),
            _("Need (FTE)"),
            _("Gap (FTE)"),
            _("Gap after measures (FTE)"),
        ],
        [
            [
                str(r["year"]),
                labels.job_name(r["job_code"]),
                fte(r["supply_fte"]),
                fte(r["retiring_fte"]),
                fte(r["need_fte"]),
                fte(r["gap_fte"]),
                fte(r["gap_after_fte"]),
            ]
            for r in staffing.rows
        ],
        numeric=[2, 3, 4, 5, 6],
        before=[
            _(
                "Retirement at %(age)d, yearly turnover %(rate)s.",
                age=staffing.retirement_age,
                rate=labels.percent(staffing.turnover),
            ),
            _(
                "Gap = need − supply in FTE; a positive gap is FTE to recruit or mobilise, "
                "a negative one a surplus."
            ),
        ],
    )
    if staffing.totals:
        _chart(
            writer,
            charts.BarChart(
                title=_("Staffing gap per year, all jobs"),
                subtitle=_("FTE, %(period)s", period=_period(plan)),
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
                format_value=labels.fixed,
                format_axis=lambda v: labels.number(v, 1),
            ),
        )


def _chart(writer: _Writer, chart: charts.BarChart) -> None:
    """The chart as an image with alt text (the figures in words), then the same
    figures as a table, so nothing is only in the picture."""
    doc = writer.doc
    if writer.landscape:
        # A chart reads best on a portrait page, the full width of the text.
        L.new_section(doc, False)
        writer.landscape = False
    parts = []
    for i, category in enumerate(chart.categories):
        values = ", ".join(f"{name} {chart.format_value(vals[i])}" for name, vals in chart.series)
        parts.append(f"{category}: {values}")
    alt = _("Bar chart: %(title)s. %(figures)s.", title=chart.title, figures="; ".join(parts))
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    width = L.usable_width_cm(writer.landscape)
    shape = paragraph.add_run().add_picture(
        io.BytesIO(charts.render_png(chart)), width=Cm(min(width, 16.0))
    )
    # python-docx has no API for alt text; Word reads it from wp:docPr's descr.
    shape._inline.docPr.set("descr", alt)
    shape._inline.docPr.set("title", chart.title)
    caption = doc.add_paragraph(f"{chart.title} ({chart.subtitle})", style="Caption")
    caption.paragraph_format.keep_with_next = True
    headers = [chart.category_label, *[name for name, _vals in chart.series]]
    rows = [
        [category, *[chart.format_value(vals[i]) for _name, vals in chart.series]]
        for i, category in enumerate(chart.categories)
    ]
    numeric = list(range(1, len(headers)))
    L.table(doc, headers, rows, L.layout(headers, rows, numeric), numeric)
    doc.add_paragraph()


def _competence_gap(writer: _Writer, gap: dict[str, Any]) -> None:
    """Step 5's competence gap at the target date, per competence, before and after."""
    n = labels.number
    target = format_date(labels.parse_date(gap["target_date"]), "long")
    writer.block(
        _("Competence gap at the target date"),
        [
            _("Competence"),
            _("People required"),
            _("People with gap"),
            _("Gap points"),
            _("Gap points after measures"),
        ],
        [
            [
                labels.competence_name(r["competence"]),
                n(r["people_required"], 0),
                n(r["people_with_gap"], 0),
                n(r["gap_points"], 0),
                n(r["projected_gap_points"], 0),
            ]
            for r in gap["rows"]
        ],
        numeric=[1, 2, 3, 4],
        before=[
            _(
                "Gap points at %(date)s: %(now)s; if the measures work: %(after)s.",
                date=target,
                now=n(gap["gap_points"], 0),
                after=n(gap["projected_gap_points"], 0),
            ),
            _(
                "Gap points are the levels missing: for each person and competence, the "
                "required level minus the person's level, when it is below."
            ),
        ],
    )


def _scenarios(writer: _Writer, plan: Plan, comparison: list[dict[str, Any]]) -> None:
    """Step 6's scenarios side by side, and their competence gap as a chart."""
    fte, n = labels.fixed, labels.number
    writer.block(
        _("Scenarios"),
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
                str(c["retirement_age"]),
                labels.percent(c["turnover"]),
                fte(c["need_fte"]),
                fte(c["gap_fte"]),
                fte(c["gap_after_fte"]),
                n(c["gap_points"], 0),
                n(c["projected_gap_points"], 0),
            ]
            for c in comparison
        ],
        numeric=[1, 2, 3, 4, 5, 6, 7],
        before=[
            _(
                "Staffing figures are for the last year of the period; gap points at the target date."
            )
        ],
    )
    _chart(
        writer,
        charts.BarChart(
            title=_("Competence gap per scenario at the target date"),
            subtitle=_("gap points, %(date)s", date=format_date(plan.period_to, "medium")),
            category_label=_("Scenario"),
            categories=[c["name"] for c in comparison],
            series=[
                (_("Gap points"), [c["gap_points"] for c in comparison]),
                (_("Gap points after measures"), [c["projected_gap_points"] for c in comparison]),
            ],
            y_label=_("Gap points"),
            format_value=lambda v: labels.number(v, 0),
        ),
    )


def _measures(writer: _Writer, plan: Plan) -> None:
    """Step 6's measures: kind, owner, period, cost, expected effect and status."""
    writer.block(
        _("Measures"),
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
                str(labels.MEASURE_KIND[m.kind]),
                m.title,
                m.owner.name if m.owner else "",
                labels.period(m.starts_on, m.ends_on),
                labels.number(m.cost, 0),
                labels.effect_text(m),
                str(labels.MEASURE_STATUS[m.status]),
            ]
            for m in plan.measures
        ],
        numeric=[4],
    )


def _follow_up(
    writer: _Writer, plan: Plan, follow: dict[str, Any], results: dict[int, dict[str, Any]]
) -> None:
    """Step 7: the gap closure so far beside the closure the measures promise, for the
    plan's unit and for each measure's own group."""
    start = format_date(labels.parse_date(follow["from"]), "long")
    end = format_date(labels.parse_date(follow["to"]), "long")
    writer.doc.add_paragraph(
        _(
            "Gap closure from %(start)s to %(end)s: actual %(actual)s, expected "
            "when all measures work %(expected)s.",
            start=start,
            end=end,
            actual=labels.percent(follow["closure"]),
            expected=labels.percent(follow["expected_closure"]),
        )
    )
    writer.doc.add_paragraph(labels.CLOSURE_DEFINITION)
    if plan.measures:
        writer.block(
            _("Actual and expected effect of each measure"),
            [_("Measure"), _("Expected effect"), _("Expected closure"), _("Actual effect")],
            [
                [
                    m.title,
                    labels.effect_text(m),
                    labels.percent(results[m.id]["expected_closure"]),
                    labels.actual_text(results[m.id]),
                ]
                for m in plan.measures
            ],
            numeric=[2],
        )
