"""Translated labels of the plan's enumerations, shared by pages and the document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

STEP_TITLES = {
    1: _l("Organisation and involvement"),
    2: _l("Anchoring"),
    3: _l("Goals and guidelines"),
    4: _l("What is competence?"),
    5: _l("Competence and staffing analysis"),
    6: _l("Strategies and measures"),
    7: _l("Implementation, follow-up and evaluation"),
}
STEP_HINTS = {
    1: _l("Set up a project group with union and safety representatives, and agree its mandate."),
    2: _l("Anchor the work in decisions: who decided what, and when."),
    3: _l("Link the plan to the strategy's goals and to the competence requirements."),
    4: _l("Which competence frameworks and kinds of competence the plan covers."),
    5: _l("What we have now against what we will need: staffing and competence."),
    6: _l("Mobilise, develop, recruit or phase out: measures with expected effect."),
    7: _l("Carry out the measures, follow up the gap closure and evaluate."),
}
# Structured fields per step (shown as inputs on the plan page and lines in the document).
STEP_DETAILS: dict[int, list[str]] = {
    1: ["project_group", "union_representative", "safety_representative", "mandate"],
    2: ["decision", "decided_on", "decided_by"],
    3: ["strategy_goals", "requirements"],
    4: ["kinds_of_competence"],
    5: [],
    6: [],
    7: ["follow_up_routine", "evaluation_on"],
}
DETAIL_LABELS = {
    "project_group": _l("Project group"),
    "union_representative": _l("Union representative"),
    "safety_representative": _l("Safety representative"),
    "mandate": _l("Mandate"),
    "decision": _l("Decision"),
    "decided_on": _l("Decided on"),
    "decided_by": _l("Decided by"),
    "strategy_goals": _l("Strategy goals"),
    "requirements": _l("Requirements"),
    "kinds_of_competence": _l("Kinds of competence"),
    "follow_up_routine": _l("Follow-up routine"),
    "evaluation_on": _l("Evaluation date"),
}
PLAN_STATUS = {"draft": _l("draft"), "active": _l("active"), "done": _l("done")}
STEP_STATUS = {
    "not_started": _l("not started"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
}
MEASURE_KIND = {
    "mobilise": _l("mobilise"),
    "develop": _l("develop"),
    "recruit": _l("recruit"),
    "phase_out": _l("phase out"),
}
MEASURE_STATUS = {
    "planned": _l("planned"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    "dropped": _l("dropped"),
}


def locale() -> str:
    return str(get_locale() or "nb")


def is_nb() -> bool:
    return locale() != "en"


def step_title(number: int) -> str:
    return _("Step %(n)d. %(title)s", n=number, title=STEP_TITLES[number])


def detail_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def percent(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.0f} %"


def period(start: dt.date | None, end: dt.date | None) -> str:
    if not start and not end:
        return ""
    return f"{format_date(start) if start else ''} – {format_date(end) if end else ''}"


def effect_text(measure: Any) -> str:
    parts = [
        _(
            "%(people)d people to level %(level)d in %(code)s",
            people=e.people,
            level=e.level,
            code=e.competence_code,
        )
        for e in measure.effects
    ]
    if measure.fte_change and measure.job_code:
        parts.append(
            _("%(fte)s FTE for %(job)s", fte=f"{measure.fte_change:g}", job=measure.job_code)
        )
    return "; ".join(parts)
