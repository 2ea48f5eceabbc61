"""Suggestions that close gaps: networks and trainings for a person, colleagues to learn
from, and, for leaders and HR, networks to start and trainings with the seats needed.

Ranking for a person: the expected gap points an item closes, weighted up for the
strategy's priority areas (digital, privacy, collaboration), per hour of effort. A
training closes up to the level it lifts to; a network is counted as one level of the
gap (collegial learning is slower and broader) at a nominal effort. Items the person is
already in, has completed or dismissed are left out, and each item appears once.

A training fits a person when it starts at or below their level and lifts above it;
level 0 (never assessed, or none) counts as level 1 for where a training may start, so
a training from level 1 is offered to people at 0 (every catalogue course starts at 1
or more). A training meant for other jobs and divisions is not offered, and those
meant for the person's job or division come before general ones
(``training_suggestions``, ``kollega.training.audience``). Networks and colleagues are
ranked first by closeness to the person's own work (``closeness``: the person's unit,
division, job code and kind of workplace against the network's members, or the
colleague's), then by the gap they close: a network of the person's division whose
members mostly do other work (a school's for a kindergarten teacher) comes after the
municipality-wide ones. A colleague from another division is suggested only for a
competence no one in the person's unit or division has at the level, saying so
(``_nearest_only``). Another division's network (most members work there, few have the
person's job) is left out unless no closer network works on one of the person's gaps it
covers; then at most one per such gap, last, if it crosses divisions (a cross-unit or
project network with a quarter of its members from elsewhere, not one profession's),
saying it belongs to another division (``_other_divisions``). A gap that only comes
into force later is worded as such ("you will need it from <date>").
"""

from __future__ import annotations

import datetime as dt
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
from kollega.gaps import analysis, queries, training_suggestions
from kollega.gaps import services as gap_services
from kollega.gaps.closeness import (
    CROSSING_KINDS,
    DIVISION,
    DIVISION_KIN,
    JOB_ELSEWHERE,
    OTHER_DIVISION,
    OTHER_WORK,
    OWN_DIVISION,
    SAME_UNIT,
    Map,
    NetworkFit,
    Place,
    crosses,
    network_closeness,
    network_fit,
    network_home,
    person_closeness,
)
from kollega.gaps.models import SUGGESTION_TYPES, SuggestionDismissal
from kollega.gaps.suggestion_base import Gap, Suggestion, entry_level
from kollega.gaps.suggestion_base import future as _future
from kollega.gaps.suggestion_base import names as _names
from kollega.networks import public as networks_public
from kollega.networks.models import Network, NetworkMember
from kollega.org.models import OrgUnit, Person

__all__ = ["Gap", "Suggestion", "entry_level", "for_person", "for_unit"]

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
                required_from=dt.date.fromisoformat(r["required_from"])
                if r.get("required_from")
                else None,
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


def _network_members(ids: list[int]) -> dict[int, list[Place]]:
    """The active members of these networks, as where they work."""
    out: dict[int, list[Place]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        sa.select(NetworkMember.network_id, Person.unit_id, Person.job_code)
        .join(Person, NetworkMember.person_id == Person.id)
        .where(
            NetworkMember.network_id.in_(ids),
            NetworkMember.state == "active",
            NetworkMember.left_at.is_(None),
        )
    )
    for network_id, unit_id, job_code in rows:
        out[int(network_id)].append(Place(unit_id, None, job_code))
    return out


def _networks_mine(person: Person) -> tuple[set[int], set[str]]:
    """The networks the person is in (or has asked to join), and the competences they
    work on."""
    rows = db.session.execute(
        sa.select(Network.id, Network.target_competences)
        .join(NetworkMember, NetworkMember.network_id == Network.id)
        .where(NetworkMember.person_id == person.id, NetworkMember.left_at.is_(None))
    )
    ids: set[int] = set()
    codes: set[str] = set()
    for network_id, competences in rows:
        ids.add(int(network_id))
        codes.update(competences or [])
    return ids, codes


def _network_reason(n: Network, hits: list[Gap], fit: NetworkFit, closeness: int, own: bool) -> str:
    """Why this network: the gaps it works on, then how close it is: colleagues from the
    person's unit, their division, work like theirs, or their division's in other work
    (``own``: the person's division's, with members to speak of)."""
    first = hits[0]
    if first.upcoming:
        reason = _(
            "A learning network working on %(competences)s, %(when)s.",
            competences=_names(hits),
            when=_future(first),
        )
    else:
        reason = _(
            "A learning network working on %(competences)s, where you have a gap of %(gap)d.",
            competences=_names(hits),
            gap=first.gap,
        )
    own_division = own and closeness in OWN_DIVISION
    if fit.colleagues:
        reason += " " + ngettext(
            "%(num)d colleague from your unit is a member.",
            "%(num)d colleagues from your unit are members.",
            fit.colleagues,
        )
    elif own_division:
        reason += " " + _("Its members work in your division.")
    if fit.kin and fit.members and not fit.colleagues:
        reason += " " + _("Most of its members do work like yours.")
    elif closeness == OTHER_WORK and own:
        reason += " " + _(
            "Its members work in your division, most of them in other work than yours."
        )
    if n.visibility == "request":
        reason += " " + _("You ask to join; a facilitator lets you in.")
    return reason


def _network_suggestions(person: Person, gaps: dict[str, Gap], org: Map) -> list[Suggestion]:
    """Open (and by-request) networks on the person's gaps, their own division's and
    municipality-wide ones first (``network_closeness``), then by the gap they close;
    another division's only as ``_other_divisions`` allows."""
    mine, mine_codes = _networks_mine(person)
    networks = [
        n
        for n in db.session.scalars(
            sa.select(Network)
            .where(Network.status == "active", Network.visibility.in_(("open", "request")))
            .order_by(Network.name)
        )
        if n.id not in mine and any(c in gaps for c in (n.target_competences or []))
    ]
    me = org.place_of(person)
    members = _network_members([n.id for n in networks])
    out = []
    crossing: set[int] = set()
    for n in networks:
        hits = [gaps[c] for c in (n.target_competences or []) if c in gaps]
        hits.sort(key=lambda g: (g.upcoming, -g.gap * g.weight, g.competence))
        places = [org.place(m.unit_id, m.job_code) for m in members[n.id]]
        home = network_home(places, n.unit_id, org)
        fit = network_fit(me, places, org, n.unit_id)
        closeness = network_closeness(me, home, fit)
        own = bool(places) and home is not None and home == me.division_id
        if n.kind in CROSSING_KINDS and crosses(home, places):
            crossing.add(n.id)
        closed = sum(min(g.gap, NETWORK_LIFT) * g.weight for g in hits)
        score = closed / NETWORK_EFFORT_HOURS * (1 + min(fit.colleagues, 5) * 0.1)
        out.append(
            Suggestion(
                "network",
                n.id,
                n.name,
                [g.competence for g in hits],
                _network_reason(n, hits, fit, closeness, own),
                score,
                {
                    "visibility": n.visibility,
                    "members": len(places),
                    "closeness": closeness,
                    "division_id": home,
                    "kind": n.kind,
                    "other_division": closeness == OTHER_DIVISION,
                    "work_like_yours": fit.kin,
                },
            )
        )
    return _other_divisions(out, gaps, mine_codes, crossing)


def _other_divisions(
    networks: list[Suggestion], gaps: dict[str, Gap], mine_codes: set[str], crossing: set[int]
) -> list[Suggestion]:
    """Another division's networks (closeness ``OTHER_DIVISION``: most members work in
    another division, few have the person's job) are left out, unless no closer network
    (offered, or one the person is in) works on a gap they cover. Then at most one per
    such gap is offered, the best first, saying it belongs to another division; and only
    one that crosses divisions (``crossing``: meant to, a cross-unit or project network,
    and in fact, a quarter of its members from elsewhere). Never a "professional"
    network, which is one profession's (a school's privacy network is not a nurse's),
    nor one whose members all work in its division (home care's digital network is home
    care's, whatever its kind)."""
    covered = set(mine_codes)
    for s in networks:
        if s.extra["closeness"] != OTHER_DIVISION:
            covered.update(s.competences)
    out = [s for s in networks if s.extra["closeness"] != OTHER_DIVISION]
    far = sorted(
        (s for s in networks if s.extra["closeness"] == OTHER_DIVISION and s.id in crossing),
        key=lambda s: (-s.score, s.title),
    )
    for s in far:
        uncovered = [c for c in s.competences if c not in covered]
        if not uncovered:
            continue
        covered.update(uncovered)
        s.reason += " " + _(
            "It belongs to another division; no network closer to your work covers "
            "%(competences)s.",
            competences=_names([gaps[c] for c in uncovered]),
        )
        out.append(s)
    return out


def _colleague_reason(other: Person, row: Any, gap: Gap) -> str:
    """Why this colleague: their level, how sure it is, and how close they work."""
    reason = _(
        "%(name)s is at level %(level)d in %(competence)s and is happy to share what they know.",
        name=other.name,
        level=int(row.level),
        competence=gap.name,
    )
    if row.confirmed == 2:
        reason += " " + _("Their leader has confirmed the level.")
    elif row.confirmed == 1:
        reason += " " + _("Documented by a certificate or education.")
    if row.closeness == SAME_UNIT:
        reason += " " + _("Works in your unit.")
    elif row.closeness in (DIVISION, DIVISION_KIN):
        reason += " " + _("Works in your division.")
    elif row.far:
        reason += " " + _(
            "Works in another division; no one closer to your work is at this level in "
            "%(competence)s.",
            competence=gap.name,
        )
    return reason


def _nearest_only(strong: pd.DataFrame, me: Place) -> pd.DataFrame:
    """Colleagues from another division (closeness ``JOB_ELSEWHERE`` or less) only for a
    competence no one in the person's unit or division has at the level; ``far`` marks
    them (when the person works in a division) for the reason to say so."""
    elsewhere = strong["closeness"] <= JOB_ELSEWHERE
    near_codes = set(strong.loc[~elsewhere, "competence"])
    keep = ~elsewhere | ~strong["competence"].isin(near_codes)
    return strong.loc[keep].assign(far=elsewhere[keep] & (me.division_id is not None))


def _people_suggestions(
    person: Person, gaps: list[Gap], now: dt.date, org: Map
) -> list[Suggestion]:
    """Colleagues who chose to be findable and are at or above the required level:
    those who work closest to the person first (``person_closeness``), then for the
    largest gap, then levels a leader confirmed or formal evidence shows before
    self-assessed ones, then the higher level; one suggestion per colleague."""
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
        size=levels["competence"].map(lambda c: by_code[c].gap * by_code[c].weight),
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
    me = org.place_of(person)
    rank = {"leader": 2, "formal": 1, "self": 0}
    source = strong["source"] if "source" in strong.columns else pd.Series("self", strong.index)
    strong = _nearest_only(
        strong.assign(
            closeness=strong["person_id"].map(
                lambda p: person_closeness(me, org.place_of(people[p]), org)
            ),
            confirmed=source.map(lambda s: rank.get(str(s), 0)),
        ),
        me,
    ).sort_values(
        ["closeness", "size", "confirmed", "level", "person_id"],
        ascending=[False, False, False, False, True],
    )
    out: list[Suggestion] = []
    seen: set[int] = set()
    for r in strong.itertuples(index=False):
        if r.person_id in seen:
            continue
        seen.add(int(r.person_id))
        gap = by_code[r.competence]
        other = people[int(r.person_id)]
        reason = _colleague_reason(other, r, gap)
        out.append(
            Suggestion(
                "person",
                other.id,
                other.name,
                [gap.competence],
                reason,
                0.0,
                {
                    "email": other.email,
                    "unit": other.unit.name if other.unit else None,
                    "closeness": int(r.closeness),
                },
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
    org = Map()  # the organisation, read once for networks and colleagues
    networks = _network_suggestions(person, by_code, org)
    # Trainings come ordered: meant for the person's job or division first.
    trainings = training_suggestions.for_person(person, by_code, now)
    # Networks: the closest to the person's work first, then by the gap they close.
    networks.sort(key=lambda s: (-s.extra["closeness"], -s.score, s.title))
    # One list: networks and trainings by score, but a network never before a closer one;
    # another division's (a last resort) after them all.
    far = [s for s in networks if s.extra["other_division"]]
    close = [s for s in networks if not s.extra["other_division"]]
    measures = _merge(close, trainings) + far
    measures = _unique([s for s in measures if (s.type, s.id) not in dismissed])
    people = _unique(
        [
            s
            for s in _people_suggestions(person, gaps, today, org)
            if (s.type, s.id) not in dismissed
        ]
    )
    return measures[:limit] + people


def _merge(networks: list[Suggestion], trainings: list[Suggestion]) -> list[Suggestion]:
    """Networks and trainings, each in their own order (closest networks first; trainings
    meant for the person first), into one list. Which kind comes next is decided by the
    best score left of each kind, so a low-scoring head (a course meant for the person's
    job that takes long) does not push that kind's higher-scoring items behind the other
    kind's; the item taken is then that kind's next in its own order."""
    out: list[Suggestion] = []
    best_n = _best_left(networks)
    best_t = _best_left(trainings)
    i = j = 0
    while i < len(networks) or j < len(trainings):
        take_network = j >= len(trainings) or (i < len(networks) and best_n[i] >= best_t[j])
        if take_network:
            out.append(networks[i])
            i += 1
        else:
            out.append(trainings[j])
            j += 1
    return out


def _best_left(items: list[Suggestion]) -> list[float]:
    """For each position, the highest score from there to the end."""
    out = [0.0] * len(items)
    best = float("-inf")
    for k in range(len(items) - 1, -1, -1):
        best = max(best, items[k].score)
        out[k] = best
    return out


def _unique(items: list[Suggestion]) -> list[Suggestion]:
    """Each item once: by kind and id, and by kind and title (the same course listed
    twice in the catalogue)."""
    seen: set[tuple[str, Any]] = set()
    out = []
    for s in items:
        keys = {(s.type, s.id), (s.type, s.title.strip().casefold())}
        if keys & seen:
            continue
        seen |= keys
        out.append(s)
    return out


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
    # The frames' own gap at today: the gap page has worked it out for its table already.
    g = frames.gap_at(now, now)
    g = g.loc[g["gap"] > 0]
    if g.empty:
        return []
    covered = _covered_competences()
    seats = frames.once(
        "seats",
        lambda: training_suggestions.SeatIndex(
            training_suggestions.unit_seats(frames.people, frames.ancestors)
        ),
    )
    info = queries.competence_info(g["competence"].unique().tolist()).set_index("competence")
    out: list[dict[str, Any]] = []
    by_comp = g.groupby("competence")
    order = by_comp["gap"].sum().sort_values(ascending=False, kind="stable")
    trainings_proposed = 0
    catalogue = training_suggestions.UnitCatalogue()
    for code in order.index:
        rows = by_comp.get_group(code)
        meta = info.loc[code] if code in info.index else None
        name = gap_services.competence_name(meta, code)
        people = sorted(rows["person_id"].unique().tolist())  # Python ints
        if len(people) >= SHARED_GAP_PEOPLE and code not in covered:
            out.append(_network_proposal(code, name, people, int(rows["gap"].sum())))
        if len(people) < TRAINING_GAP_PEOPLE or trainings_proposed >= MAX_TRAINING_PROPOSALS:
            continue
        proposals = training_suggestions.for_unit(code, name, rows, seats, catalogue)
        for proposal in proposals:
            # One proposal per training: a training lifting several of the unit's gaps
            # is proposed once, for all of them.
            same = next(
                (m for m in out if m["type"] == "training" and m["id"] == proposal["id"]), None
            )
            if same is None:
                out.append(proposal)
                trainings_proposed += 1
            else:
                same["competences"].append(code)
                same["gap_points"] += proposal["gap_points"]
                same["seats_needed"] = max(same["seats_needed"], proposal["seats_needed"])
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
        "reason": ngettext(
            "%(num)d person has a gap in %(name)s and no open network works on it.",
            "%(num)d people have a gap in %(name)s and no open network works on it.",
            len(people),
            name=name,
        ),
    }


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
