"""Suggestions that close gaps: networks and trainings for a person, colleagues to learn
from, and, for leaders and HR, networks to start and trainings with the seats needed.

Ranking for a person: the expected gap points an item closes, weighted up for the
strategy's priority areas (digital, privacy, collaboration), per hour of effort. A
training closes up to the level it lifts to; a network is counted as one level of the
gap (collegial learning is slower and broader) at a nominal effort. Items the person is
already in, has completed or dismissed are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from kollega import clock, permissions
from kollega.competence.models import FindablePerson
from kollega.db import now_utc
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.gaps import analysis, queries
from kollega.gaps import services as gap_services
from kollega.gaps.models import SUGGESTION_TYPES, SuggestionDismissal
from kollega.networks import public as networks_public
from kollega.networks.models import Network, NetworkMember
from kollega.org.models import OrgUnit, Person
from kollega.training import services as training
from kollega.training.models import Enrolment, Training, TrainingSession

PRIORITY_WEIGHT = 1.5
# Nominal hours of taking part in a network for half a year (about one a month).
NETWORK_EFFORT_HOURS = 6.0
# A network is expected to lift a gap by this many levels.
NETWORK_LIFT = 1
# Gaps that come into force within this many days are suggested too (at half weight).
LOOKAHEAD_DAYS = 365
# A network for a shared gap is proposed from this many people with the gap.
SHARED_GAP_PEOPLE = 5
# Trainings are proposed to a unit for gaps at least this many people share, at most
# MAX_TRAINING_PROPOSALS of them, the largest gaps first.
TRAINING_GAP_PEOPLE = 3
MAX_TRAINING_PROPOSALS = 10
MAX_PEOPLE = 3


@dataclass
class Suggestion:
    type: str
    id: int
    title: str
    competences: list[str]
    reason: str
    score: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "title": self.title,
            "competences": self.competences,
            "reason": self.reason,
            "score": round(self.score, 4),
            **self.extra,
        }


@dataclass
class Gap:
    competence: str
    name: str
    focus_area: str | None
    required: int
    level: int
    gap: int
    weight: float
    upcoming: bool = False


def weight_of(focus_area: str | None, upcoming: bool = False) -> float:
    w = PRIORITY_WEIGHT if focus_area in gap_services.PRIORITY_AREAS else 1.0
    return w / 2 if upcoming else w


def person_gap_list(person: Person, now: dt.date) -> list[Gap]:
    """The person's gaps today, then those coming into force within a year."""
    current, later = gap_services.person_gap_rows_at(
        person, [now, now + dt.timedelta(days=LOOKAHEAD_DAYS)], now
    )
    gaps = {
        r["competence"]: Gap(
            r["competence"],
            r["name"],
            r["focus_area"],
            r["required_level"],
            r["level"],
            r["gap"],
            weight_of(r["focus_area"]),
        )
        for r in current
        if r["gap"] > 0
    }
    for r in later:
        if r["gap"] > 0 and r["competence"] not in gaps:
            gaps[r["competence"]] = Gap(
                r["competence"],
                r["name"],
                r["focus_area"],
                r["required_level"],
                r["level"],
                r["gap"],
                weight_of(r["focus_area"], upcoming=True),
                upcoming=True,
            )
    return sorted(gaps.values(), key=lambda g: (-g.gap * g.weight, g.competence))


def _dismissed(person: Person) -> set[tuple[str, int]]:
    return {
        (kind, item)
        for kind, item in db.session.execute(
            sa.select(SuggestionDismissal.kind, SuggestionDismissal.item_id).where(
                SuggestionDismissal.person_id == person.id
            )
        )
    }


def _names(gaps: list[Gap]) -> str:
    return ", ".join(g.name for g in gaps)


def _training_suggestions(
    person: Person, gaps: dict[str, Gap], now: dt.datetime
) -> list[Suggestion]:
    taken = training.training_ids_taken(person.id)
    out = []
    for t in training.catalogue():
        if t.id in taken:
            continue
        hits, closed = _fitting_lifts(t, gaps)
        if not hits:
            continue
        upcoming = training.upcoming_sessions(t, now)
        session = next(
            (s for s in upcoming if (training.seats_free(s) or 0) > 0 or s.seats is None), None
        )
        full = session is None
        if full and not upcoming:
            continue  # nothing to enrol in
        session = session or upcoming[0]
        score = closed / max(t.hours, 1.0) * (0.5 if full else 1.0)
        colleagues = _colleagues_enrolled(person, t.id) if person.unit_id is not None else 0
        out.append(
            Suggestion(
                "training",
                t.id,
                t.title,
                [g.competence for g in hits],
                _training_reason(t, hits, full, colleagues),
                score,
                {
                    "session_id": session.id,
                    "starts_at": session.starts_at.isoformat(),
                    "waiting_list": full,
                    "format": t.format,
                    "hours": t.hours,
                    "funding_scheme": t.funding_scheme,
                },
            )
        )
    return out


def _fitting_lifts(t: Training, gaps: dict[str, Gap]) -> tuple[list[Gap], float]:
    """The person's gaps the training lifts from their level, and the weighted levels it
    closes."""
    hits, closed = [], 0.0
    for lift in t.competences:
        gap = gaps.get(lift.competence_code)
        # A fitting level: the training starts at or below where the person is and
        # lifts above it.
        if gap is None or lift.level_from > gap.level or lift.level_to <= gap.level:
            continue
        hits.append(gap)
        closed += (min(lift.level_to, gap.required) - gap.level) * gap.weight
    return hits, closed


def _colleagues_enrolled(person: Person, training_id: int) -> int:
    """How many others of the person's unit are enrolled in or have completed it."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Enrolment.person_id)))
            .join(TrainingSession, Enrolment.session_id == TrainingSession.id)
            .join(Person, Enrolment.person_id == Person.id)
            .where(
                TrainingSession.training_id == training_id,
                Enrolment.status.in_(("enrolled", "completed")),
                Person.unit_id == person.unit_id,
                Person.id != person.id,
            )
        )
        or 0
    )


def _training_reason(t: Training, hits: list[Gap], full: bool, colleagues: int) -> str:
    reason = _(
        "Lifts %(competences)s, where you are at level %(level)d and %(required)d is required; %(hours)s hours.",
        competences=_names(hits),
        level=hits[0].level,
        required=hits[0].required,
        hours=f"{t.hours:g}",
    )
    if full:
        reason += " " + _("The next session is full: you would join the waiting list.")
    if colleagues:
        reason += " " + ngettext(
            "%(num)d colleague from your unit has taken it.",
            "%(num)d colleagues from your unit have taken it.",
            colleagues,
        )
    return reason


def _network_suggestions(person: Person, gaps: dict[str, Gap]) -> list[Suggestion]:
    mine = set(
        db.session.scalars(
            sa.select(NetworkMember.network_id).where(
                NetworkMember.person_id == person.id, NetworkMember.left_at.is_(None)
            )
        )
    )
    networks = db.session.scalars(
        sa.select(Network)
        .where(Network.status == "active", Network.visibility.in_(("open", "request")))
        .order_by(Network.name)
    )
    out = []
    for n in networks:
        if n.id in mine:
            continue
        hits = [gaps[c] for c in (n.target_competences or []) if c in gaps]
        if not hits:
            continue
        closed = sum(min(g.gap, NETWORK_LIFT) * g.weight for g in hits)
        members = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.sum(sa.case((Person.unit_id == person.unit_id, 1), else_=0)),
            )
            .select_from(NetworkMember)
            .join(Person, NetworkMember.person_id == Person.id)
            .where(
                NetworkMember.network_id == n.id,
                NetworkMember.state == "active",
                NetworkMember.left_at.is_(None),
            )
        ).one()
        colleagues = int(members[1] or 0) if person.unit_id is not None else 0
        score = closed / NETWORK_EFFORT_HOURS * (1 + min(colleagues, 5) * 0.1)
        reason = _(
            "A learning network working on %(competences)s, where you have a gap of %(gap)d.",
            competences=_names(hits),
            gap=hits[0].gap,
        )
        if colleagues:
            reason += " " + ngettext(
                "%(num)d colleague from your unit is a member.",
                "%(num)d colleagues from your unit are members.",
                colleagues,
            )
        if n.visibility == "request":
            reason += " " + _("You ask to join; a facilitator lets you in.")
        out.append(
            Suggestion(
                "network",
                n.id,
                n.name,
                [g.competence for g in hits],
                reason,
                score,
                {"visibility": n.visibility, "members": int(members[0] or 0)},
            )
        )
    return out


def _people_suggestions(person: Person, gaps: list[Gap], now: dt.date) -> list[Suggestion]:
    """Colleagues who chose to be findable and are at or above the required level."""
    if not gaps:
        return []
    findable = (
        sa.select(Person.id)
        .join(FindablePerson, FindablePerson.person_id == Person.id)
        .where(Person.active.is_(True), Person.id != person.id)
    )
    frame = queries.assessments_frame(findable, [g.competence for g in gaps], [now])
    levels = analysis.current_levels(frame, now)
    if levels.empty:
        return []
    by_code = {g.competence: g for g in gaps}
    levels = levels.assign(
        required=levels["competence"].map(lambda c: by_code[c].required),
        weight=levels["competence"].map(lambda c: by_code[c].weight),
    )
    strong = levels.loc[levels["level"] >= levels["required"]]
    if strong.empty:
        return []
    people = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Person).where(Person.id.in_(strong["person_id"].unique().tolist()))
        )
    }
    strong = strong.assign(
        same_unit=strong["person_id"].map(lambda p: people[p].unit_id == person.unit_id)
    ).sort_values(
        ["weight", "same_unit", "level", "person_id"], ascending=[False, False, False, True]
    )
    out: list[Suggestion] = []
    seen: set[int] = set()
    for r in strong.itertuples(index=False):
        if r.person_id in seen:
            continue
        seen.add(int(r.person_id))
        gap = by_code[r.competence]
        other = people[int(r.person_id)]
        reason = _(
            "%(name)s is at level %(level)d in %(competence)s and is happy to share what they know.",
            name=other.name,
            level=int(r.level),
            competence=gap.name,
        )
        if r.same_unit:
            reason += " " + _("Works in your unit.")
        out.append(
            Suggestion(
                "person",
                other.id,
                other.name,
                [gap.competence],
                reason,
                0.0,
                {"email": other.email, "unit": other.unit.name if other.unit else None},
            )
        )
        if len(out) >= MAX_PEOPLE:
            break
    return out


def for_person(
    actor: Person, person: Person, now: dt.datetime | None = None, limit: int = 10
) -> list[Suggestion]:
    """Ranked suggestions for the person: networks and trainings first (by expected
    weighted gap closed per hour), then up to three colleagues to learn from."""
    permissions.require(
        permissions.can_view_competence(actor, person),
        _l("Only the person, their leaders and HR see their suggestions."),
    )
    now = now or now_utc()
    today = now.astimezone(clock.OSLO).date()
    gaps = person_gap_list(person, today)
    if not gaps:
        return []
    by_code = {g.competence: g for g in gaps}
    dismissed = _dismissed(person)
    measures = _network_suggestions(person, by_code) + _training_suggestions(person, by_code, now)
    measures = [s for s in measures if (s.type, s.id) not in dismissed]
    measures.sort(key=lambda s: (-s.score, s.type, s.title))
    people = [
        s for s in _people_suggestions(person, gaps, today) if (s.type, s.id) not in dismissed
    ]
    return measures[:limit] + people


def dismiss(actor: Person, person: Person, kind: str, item_id: int) -> None:
    """Remember that the person does not want this suggestion (the person only)."""
    permissions.require(actor.id == person.id, _l("Only you can dismiss your suggestions."))
    if kind not in SUGGESTION_TYPES:
        raise ValidationError(_l("Unknown kind of suggestion."), fields={"type": _l("Unknown.")})
    if db.session.get(SuggestionDismissal, (person.id, kind, item_id)) is None:
        db.session.add(SuggestionDismissal(person_id=person.id, kind=kind, item_id=item_id))
    db.session.flush()


# --- for leaders and HR --------------------------------------------------------------


def for_unit(actor: Person, unit: OrgUnit, now: dt.date | None = None) -> list[dict[str, Any]]:
    """Measures for a unit's subtree: a new network where ``SHARED_GAP_PEOPLE`` or more
    people share a gap no open network covers, and trainings for large gaps with the
    seats needed."""
    gap_services.check_unit(actor, unit)
    now = now or clock.today()
    frames = queries.unit_frames(unit, [now], [now])
    g = analysis.gap_at(
        frames.people, frames.ancestors, frames.requirements, frames.assessments, now
    )
    g = g.loc[g["gap"] > 0]
    if g.empty:
        return []
    covered = _covered_competences()
    info = queries.competence_info(g["competence"].unique().tolist()).set_index("competence")
    out: list[dict[str, Any]] = []
    by_comp = g.groupby("competence")
    order = by_comp["gap"].sum().sort_values(ascending=False, kind="stable")
    trainings_proposed = 0
    for code in order.index:
        rows = by_comp.get_group(code)
        meta = info.loc[code] if code in info.index else None
        name = gap_services.competence_name(meta, code)
        people = sorted(int(p) for p in rows["person_id"].unique())
        if len(people) >= SHARED_GAP_PEOPLE and code not in covered:
            out.append(_network_proposal(code, name, people, int(rows["gap"].sum())))
        if len(people) < TRAINING_GAP_PEOPLE or trainings_proposed >= MAX_TRAINING_PROPOSALS:
            continue
        proposals = _training_proposals(code, name, rows)
        trainings_proposed += len(proposals)
        out.extend(proposals)
    return out


def _covered_competences() -> set[str]:
    """The competences an active open (or by-request) network works on."""
    covered: set[str] = set()
    for codes in db.session.scalars(
        sa.select(Network.target_competences).where(
            Network.status == "active", Network.visibility.in_(("open", "request"))
        )
    ):
        covered.update(codes or [])
    return covered


def _network_proposal(code: str, name: str, people: list[int], gap_points: int) -> dict[str, Any]:
    """A new network for the people who share a gap in ``code``."""
    return {
        "type": "new_network",
        "competence": code,
        "title": _("Learning network: %(name)s", name=name),
        "competences": [code],
        "proposed_members": people,
        "people_with_gap": len(people),
        "gap_points": gap_points,
        "reason": _(
            "%(n)d people have a gap in %(name)s and no open network works on it.",
            n=len(people),
            name=name,
        ),
    }


def _training_proposals(code: str, name: str, rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Trainings in ``code`` with coming sessions whose levels fit people with the gap
    (``rows``: the gap frame's rows of that competence), with the seats needed."""
    out = []
    for t in training.catalogue(competence=code):
        lift = next(c for c in t.competences if c.competence_code == code)
        fitting = rows.loc[(rows["level"] >= lift.level_from) & (rows["level"] < lift.level_to)]
        upcoming = training.upcoming_sessions(t)
        if fitting.empty or not upcoming:
            continue
        needed = int(fitting["person_id"].nunique())
        free = [training.seats_free(s) for s in upcoming]
        seats = None if any(f is None for f in free) else sum(f or 0 for f in free)
        if seats is None:
            reason = _(
                "%(n)d people with a gap in %(name)s are at a level this training fits; it has no seat limit.",
                n=needed,
                name=name,
            )
        else:
            reason = _(
                "%(n)d people with a gap in %(name)s are at a level this training fits; %(free)d seats are free in coming sessions.",
                n=needed,
                name=name,
                free=seats,
            )
        out.append(
            {
                "type": "training",
                "id": t.id,
                "competence": code,
                "title": t.title,
                "competences": [code],
                "seats_needed": needed,
                "seats_free": seats,
                "gap_points": int(fitting["gap"].sum()),
                "reason": reason,
            }
        )
    return out


def create_proposed_network(actor: Person, unit: OrgUnit, competence: str) -> Any:
    """Create the proposed network for a shared gap in one step: the leader facilitates,
    the people with the gap are added and notified."""
    proposals = [
        p
        for p in for_unit(actor, unit)
        if p["type"] == "new_network" and p["competence"] == competence
    ]
    if not proposals:
        raise NotFound(_l("There is no such proposal for this unit."))
    proposal = proposals[0]
    network = networks_public.create_network(
        actor,
        proposal["title"][:200],
        purpose=proposal["reason"],
        visibility="open",
        unit_id=unit.id,
        target_competences=[competence],
    )
    # add_member queues each invited person's ``notification:new`` itself.
    for person_id in proposal["proposed_members"]:
        if person_id != actor.id:
            networks_public.add_member(actor, network.id, person_id, invite=True)
    return network
