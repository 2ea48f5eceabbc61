"""The year page of the annual cycle: the filters (mine, a unit of the tree, a network,
the municipality), the linear year, the årshjul and its table. ``views.index`` routes
here; HR's fixed periods page is ``period_views``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from kollega import permissions
from kollega.clock import OSLO
from kollega.current import current_person
from kollega.cycle import services, wheel
from kollega.cycle.models import CycleEvent
from kollega.db import now_utc
from kollega.extensions import db
from kollega.networks import public as networks
from kollega.org.models import OrgUnit, Person

SCOPES = ("mine", "unit", "network", "municipality")


@dataclass
class Filter:
    """What the year page shows: the scope and its unit or network, and the year."""

    scope: str = "mine"
    year: int = 0
    unit: OrgUnit | None = None
    network_id: int | None = None
    below: bool = False  # a unit with the units below it (its leaders and HR)

    def args(self) -> dict[str, Any]:
        """The query arguments that keep this filter in the year, list and month links."""
        if self.scope == "unit" and self.unit is not None:
            return {"unit": self.unit.code, **({"below": 1} if self.below else {})}
        if self.scope == "network" and self.network_id is not None:
            return {"scope": "network", "network": self.network_id}
        if self.scope == "municipality":
            return {"scope": "municipality"}
        return {}


def unit_choices(person: Person) -> list[tuple[OrgUnit, int]]:
    """Units whose year the person may see, with their depth: all for HR; otherwise the
    chain above their unit and the subtrees they lead."""
    stmt = sa.select(OrgUnit).order_by(OrgUnit.path)
    if not permissions.is_hr(person):
        clauses: list[Any] = []
        if person.unit is not None:
            clauses.append(OrgUnit.id.in_(person.unit.ancestor_ids()))
        for path in permissions.led_paths(person):
            clauses.append(OrgUnit.path.startswith(path))
        if not clauses:
            return []
        stmt = stmt.where(sa.or_(*clauses))
    units = list(db.session.scalars(stmt))
    return [(u, max(0, u.path.strip("/").count("/"))) for u in units]


def network_choices(person: Person) -> list[tuple[int, str]]:
    ids = sorted(
        set(networks.network_ids_of(person)) | set(networks.facilitated_network_ids(person))
    )
    named = [(nid, networks.network_name(nid) or str(nid)) for nid in ids]
    return sorted(named, key=lambda pair: pair[1].lower())


def parse_filter(person: Person) -> tuple[Filter, list[tuple[str, str]]]:
    """The filter from the query string, and the errors (input id, message) of bad values."""
    errors: list[tuple[str, str]] = []
    found = Filter(year=now_utc().astimezone(OSLO).year)
    raw_year = request.args.get("year", "").strip()
    if raw_year:
        if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100:
            found.year = int(raw_year)
        else:
            errors.append(("year", _("Choose a year from 2000 to 2100.")))
    code = request.args.get("unit", "").strip()
    scope = request.args.get("scope", "unit" if code else "mine")
    if scope not in SCOPES:
        errors.append(("scope", _("Choose whose annual cycle to show.")))
        scope = "mine"
    found.scope = scope
    if scope == "unit":
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code)) if code else None
        if unit is None:
            errors.append(("unit", _("Choose a unit from the list.")))
            found.scope = "mine"
        else:
            found.unit = unit
            found.below = request.args.get("below") == "1"
    elif scope == "network":
        raw = request.args.get("network", "").strip()
        allowed = {nid for nid, _name in network_choices(person)}
        if not raw.isdigit() or int(raw) not in allowed:
            errors.append(("network", _("Choose one of your networks.")))
            found.scope = "mine"
        else:
            found.network_id = int(raw)
    elif scope == "municipality" and person.is_guest:
        errors.append(("scope", _("Choose whose annual cycle to show.")))
        found.scope = "mine"
    return found, errors


def events_in(person: Person, chosen: Filter) -> list[CycleEvent]:
    """The events the filter shows (a unit the person may not see: refused, 403)."""
    if chosen.scope == "unit" and chosen.unit is not None:
        events = services.unit_cycle_events(person, chosen.unit)
        if chosen.below:
            permissions.require(
                permissions.can_manage_unit(person, chosen.unit),
                _("Only the unit's leaders and HR see the units below it."),
            )
            sub = sa.select(OrgUnit.id).where(
                OrgUnit.path.startswith(chosen.unit.path), OrgUnit.id != chosen.unit.id
            )
            stmt = sa.select(CycleEvent).where(CycleEvent.unit_id.in_(sub))
            events += list(db.session.scalars(stmt))
        return events
    if chosen.scope == "network" and chosen.network_id is not None:
        stmt = sa.select(CycleEvent).where(CycleEvent.network_id == chosen.network_id)
        return list(db.session.scalars(stmt.order_by(CycleEvent.starts_at)))
    if chosen.scope == "municipality":
        stmt = sa.select(CycleEvent).where(CycleEvent.municipality_wide.is_(True))
        return list(db.session.scalars(stmt.order_by(CycleEvent.starts_at)))
    return services.events_for(person)


def _audience(event: CycleEvent) -> str:
    if event.municipality_wide:
        return _("The whole municipality")
    if event.unit is not None:
        return event.unit.name
    return networks.network_name(event.network_id or 0) or _("Network")


def _bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, 1, 1, tzinfo=OSLO).astimezone(dt.UTC)
    return start, dt.datetime(year + 1, 1, 1, tzinfo=OSLO).astimezone(dt.UTC)


def year_page(common: Any) -> Any:
    """Render the year page; ``common(view, unit, year)`` gives the shared context."""
    person = current_person()
    chosen, errors = parse_filter(person)
    events = events_in(person, chosen) if not errors else []
    start, end = _bounds(chosen.year)
    occs = services.expand(events, start, end)
    names = [format_date(dt.date(2027, m, 1), "MMMM") for m in range(1, 13)]
    titles = [format_date(dt.date(2027, m, 1), "LLLL").capitalize() for m in range(1, 13)]
    today = now_utc().astimezone(OSLO).date()
    drawn = wheel.build(
        chosen.year,
        occs,
        today,
        names,
        services.kind_label,
        _audience,
        lambda occ: url_for("cycle.occurrence", event_id=occ.event.id, key=occ.key),
    )
    context = common("year", chosen.unit if chosen.scope == "unit" else None, chosen.year)
    context["unit_args"] = chosen.args()
    network_name = networks.network_name(chosen.network_id) if chosen.network_id else None
    return render_template(
        "cycle/year.html",
        drawn=drawn,
        month_titles=titles,
        ticks=wheel.month_ticks(chosen.year),
        size=wheel.SIZE,
        total=len(occs),
        chosen=chosen,
        network_name=network_name,
        units=unit_choices(person),
        network_options=network_choices(person),
        errors=errors,
        today=today,
        today_label=wheel.date_range(today, today, names),
        **context,
    ), (400 if errors else 200)
