"""The competence pages' blueprint and what all of them share: the navigation entries,
the start-page and person-page panels, the translated labels, and loading the person or
unit a URL names. The routes are in ``views`` (a person's and a team's competence,
plans, conversations, "who knows this?"), ``requirement_views`` and ``framework_views``
(HR's frameworks and imports)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person
from kollega.web import register_nav, register_person_panel, register_start_panel

bp = Blueprint("competence", __name__, url_prefix="/competence")

register_nav(_l("My competence"), "competence.mine", lambda p: not p.is_guest, order=30)
register_nav(_l("Team competence"), "competence.team_start", lambda p: bool(p.led_units), order=31)
register_nav(
    _l("Who knows this?"), "competence.who_knows", permissions.can_search_experts, order=32
)
register_nav(_l("Frameworks"), "competence.frameworks", permissions.can_manage_frameworks, order=33)
# A guest keeps no competence profile: no panel on their page (nor a form to fill in).
register_person_panel("competence/_person_panel.html", lambda person: not person.is_guest, order=10)
register_start_panel("competence/_start_panel.html", lambda p: not p.is_guest, order=30)

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


def loc() -> str:
    """The language the page is shown in."""
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


def person_by_id(person_id: int) -> Person:
    """The person a URL names (any person, not the viewer), or a 404."""
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


def unit_by_code(code: str) -> OrgUnit:
    """The unit a URL names, or a 404."""
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        abort(404)
    return unit
