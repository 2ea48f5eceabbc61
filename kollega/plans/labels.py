"""Translated labels of the plan's enumerations, shared by pages and the document."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kollega.competence.models import Competence
from kollega.extensions import db
from kollega.org.services import job_name
from kollega.web import formatted

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


def competence_name(code: str) -> str:
    """A competence's name in the reader's language (the code when the register has no
    such competence); the names are read once per request and language."""
    key = f"kollega_plan_competence_names_{locale()}"
    names = g.get(key) if has_app_context() else None
    if names is None:
        column = Competence.name_en if locale() == "en" else Competence.name_nb
        rows = db.session.execute(sa.select(Competence.code, column))
        names = {c: name for c, name in rows}
        if has_app_context():
            setattr(g, key, names)
    return str(names.get(code) or code)


DATE_DETAILS = ("decided_on", "evaluation_on")


def detail_value(key: str, value: Any) -> str:
    """A step detail as text: a list joined, a date field's ISO date in the reader's
    locale (``10. feb. 2026``); free text as typed."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    if key in DATE_DETAILS:
        try:
            return str(format_date(dt.date.fromisoformat(text.strip())))
        except ValueError:
            return text
    return text


def percent(value: float | None) -> str:
    """A share as a whole percentage in the reader's locale (``38 %``); never ``-0 %``."""
    if value is None:
        return "–"
    rounded = round(float(value), 2)
    # The pattern's x100 as Babel's format_percent does it: the value is a fraction.
    return formatted(0.0 if rounded == 0 else rounded, "#,##0 %")


def number(value: float | None, digits: int = 2) -> str:
    """A figure in the reader's locale with at most ``digits`` decimals (``1 055,4``);
    never ``-0``."""
    if value is None:
        return "–"
    rounded = round(float(value), digits)
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return formatted(0.0 if rounded == 0 else rounded, pattern)


def fixed(value: float | None, digits: int = 2) -> str:
    """A figure with exactly ``digits`` decimals, for columns of FTE (``382,43``)."""
    if value is None:
        return "–"
    rounded = round(float(value), digits)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return formatted(0.0 if rounded == 0 else rounded, pattern)


def period(start: dt.date | None, end: dt.date | None) -> str:
    if not start and not end:
        return ""
    # No line break between a date's day and month ("1. jan."): a no-break space.
    first = format_date(start).replace(" ", "\xa0", 1) if start else ""
    last = format_date(end).replace(" ", "\xa0", 1) if end else ""
    return f"{first} – {last}"


def effect_text(measure: Any) -> str:
    parts = [
        ngettext(
            "%(num)d person to level %(level)d in %(name)s",
            "%(num)d people to level %(level)d in %(name)s",
            e.people,
            level=e.level,
            name=competence_name(e.competence_code),
        )
        for e in measure.effects
    ]
    if measure.fte_change and measure.job_code:
        parts.append(
            _(
                "%(fte)s FTE for %(job)s",
                fte=number(measure.fte_change),
                job=job_name(measure.job_code),
            )
        )
    return "; ".join(parts)


BASIS = {
    "network": _l("members of the network"),
    "training": _l("enrolled in the training"),
    "recruitment": _l("recruited"),
}


def expected_closure_text(result: dict[str, Any] | None) -> str:
    """The expected closure among the measure's group, when it can be computed."""
    if not result or result.get("expected_closure") is None:
        return ""
    return _("expected closure %(pct)s", pct=percent(result["expected_closure"]))


def actual_text(result: dict[str, Any] | None) -> str:
    """The measure's actual effect so far (``plans.effects``) in words."""
    if not result or not result["basis"]:
        return _("Not measured: the measure names no network, training or recruitment.")
    if not result["started"]:
        return _("Starts %(date)s.", date=format_date(dt.date.fromisoformat(result["from"])))
    who = ", ".join(str(BASIS[b]) for b in result["basis"])
    parts = [
        ngettext("%(num)d person (%(who)s)", "%(num)d people (%(who)s)", result["people"], who=who)
    ]
    if "recruited_fte" in result:
        parts.append(
            _(
                "%(fte)s of %(expected)s FTE recruited",
                fte=number(result["recruited_fte"]),
                expected=number(result["expected_fte"]),
            )
        )
    if result["closure"] is not None:
        parts.append(
            _(
                "gap closure %(pct)s (%(before)s to %(after)s gap points)",
                pct=percent(result["closure"]),
                before=number(result["gap_points_from"], 0),
                after=number(result["gap_points_to"], 0),
            )
        )
    elif result["people"] and result["competences"]:
        parts.append(_("no gap to close at the start"))
    if result.get("new_gap_points"):
        parts.append(_("new gap %(n)s points", n=number(result["new_gap_points"], 0)))
    since = format_date(dt.date.fromisoformat(result["from"]))
    until = format_date(dt.date.fromisoformat(result["to"]))
    return _("%(parts)s; %(start)s to %(end)s.", parts="; ".join(parts), start=since, end=until)


def parse_date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


CLOSURE_DEFINITION = _l(
    "Gap closure is the share of the gap points at the start that is closed at the end, "
    "counted against the requirements in force at the start; a new requirement's gap is "
    "shown apart as new gap and never mixed in. A measure's actual effect is this closure "
    "among the people it reaches (the network's members, those enrolled in the training, "
    "the people recruited) in the competences it names, from its start to today; its "
    "expected closure is the share its expected effect would close."
)


def owner_label(person: Any) -> str:
    """How the plan page's person picker shows a person and reads them back
    (``services.owner_from_label``): the name and the employee number."""
    return f"{person.name} ({person.employee_no})" if person.employee_no else person.name
