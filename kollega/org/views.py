"""Pages for the unit tree and people."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from kollega import permissions
from kollega.current import current_person
from kollega.extensions import db
from kollega.org import import_views  # noqa: F401 - the HR import pages, on the same blueprint
from kollega.org.blueprint import bp
from kollega.org.models import OrgUnit, Person
from kollega.org.services import leaders_of, people_in_subtree, unit_by_code
from kollega.web import register_nav

register_nav(
    _l("Organisation"), "org.units", lambda p: permissions.can_view_unit(p, None), order=80
)

PAGE_SIZE = 50


@bp.route("/units")
@login_required
def units() -> Any:
    person = current_person()
    permissions.require(permissions.can_view_unit(person, None))
    all_units = list(db.session.scalars(sa.select(OrgUnit).order_by(OrgUnit.name)))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in all_units:
        children.setdefault(unit.parent_id, []).append(unit)
    counts = dict(
        db.session.execute(
            sa.select(Person.unit_id, sa.func.count())
            .where(Person.active.is_(True))
            .group_by(Person.unit_id)
        ).all()
    )
    return render_template(
        "org/units.html",
        children=children,
        counts=counts,
        can_see_people=lambda u: permissions.can_view_unit_people(person, u),
    )


@bp.route("/units/<code>")
@login_required
def unit(code: str) -> Any:
    person = current_person()
    unit = unit_by_code(code)
    permissions.require(permissions.can_view_unit(person, unit))
    may_see_people = permissions.can_view_unit_people(person, unit)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    people: list[Person] = []
    total = 0
    if may_see_people:
        stmt = people_in_subtree(unit)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
        people = list(db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return render_template(
        "org/unit.html",
        unit=unit,
        leaders=leaders_of(unit),
        people=people,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        may_see_people=may_see_people,
    )


@bp.route("/people/<int:person_id>")
@login_required
def person(person_id: int) -> Any:
    viewer = current_person()
    target = db.session.get(Person, person_id)
    if target is None:
        abort(404)
    permissions.require(permissions.can_view_person(viewer, target))
    return render_template(
        "org/person.html",
        target=target,
        may_see_competence=permissions.can_view_competence(viewer, target),
    )
