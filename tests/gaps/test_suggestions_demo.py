"""On the demo municipality (#21): for people across every division, the top three
network suggestions come from their own division or from municipality-wide networks
whenever such a network covers one of their gaps; no teacher gets a health division's
network among her first five suggestions, and another division's network comes only
last, as a cross-unit or project network, saying so; every training offered to them is
meant for everyone, their job or their division, and those meant for them come first;
a unit's training proposals are meant for someone who works there (no nurses' course
for a school, no kindergarten course for a nursing home).

A network's division is worked out here from its members, as a person would read the
member list: the division where at least 60 % of its members work; a network whose
members are spread wider is municipality-wide.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kollega import clock
from kollega.extensions import db
from kollega.gaps import services as gap_services
from kollega.gaps.suggestions import LOOKAHEAD_DAYS
from kollega.networks.models import Network, NetworkMember
from kollega.org.models import OrgUnit, Person, PersonRole
from kollega.training.models import Training, TrainingAudienceJob, TrainingAudienceUnit
from tests.gaps import data


def division_of(unit_id, units):
    if unit_id is None:
        return None
    for a in (int(x) for x in units[unit_id].path.strip("/").split("/") if x):
        if units[a].kind == "division":
            return a
    return None


def gaps_now_and_ahead(person) -> set[str]:
    """The competences the person has a gap in today or within the suggestions' look-ahead."""
    today = clock.today()
    later = today + dt.timedelta(days=LOOKAHEAD_DAYS)
    return {
        r["competence"]
        for rows in gap_services.person_gap_rows_at(person, [today, later])
        for r in rows
        if r["gap"] > 0
    }


def demo_world():
    """The seeded demo's units by id, its first HR person and its open and request-only
    active networks by id."""
    units = {u.id: u for u in db.session.scalars(sa.select(OrgUnit))}
    hr = db.session.scalar(
        sa.select(Person).join(PersonRole).where(PersonRole.role == "hr").order_by(Person.id)
    )
    networks = {
        n.id: n
        for n in db.session.scalars(
            sa.select(Network).where(
                Network.status == "active", Network.visibility.in_(("open", "request"))
            )
        )
    }
    return units, hr, networks


def test_top_networks_are_the_persons_own_division_or_municipality_wide(runner, client):
    result = runner("seed", "demo", "--employees", "240", "--seed", "3")
    assert result.exit_code == 0, result.output
    units, hr, networks = demo_world()
    divisions = [u.id for u in units.values() if u.kind == "division"]
    members: dict[int, set[int]] = {i: set() for i in networks}
    home: dict[int, int | None] = {}
    places: dict[int, list[int | None]] = {i: [] for i in networks}
    for network_id, person_id, unit_id in db.session.execute(
        sa.select(NetworkMember.network_id, NetworkMember.person_id, Person.unit_id)
        .join(Person, Person.id == NetworkMember.person_id)
        .where(NetworkMember.state == "active", NetworkMember.left_at.is_(None))
    ):
        if network_id in networks:
            members[network_id].add(person_id)
            places[network_id].append(division_of(unit_id, units))
    for i, divs in places.items():
        best = max(set(divs), key=divs.count) if divs else None
        home[i] = best if best is not None and divs.count(best) >= 0.6 * len(divs) else None

    people = list(
        db.session.scalars(
            sa.select(Person).where(Person.active.is_(True), Person.unit_id.is_not(None))
        )
    )
    checked: dict[int, int] = {d: 0 for d in divisions}
    for person in people:
        division = division_of(person.unit_id, units)
        if division is None or checked[division] >= 6:
            continue
        gaps = gaps_now_and_ahead(person)
        covering = [
            i
            for i, n in networks.items()
            if person.id not in members[i] and set(n.target_competences or []) & gaps
        ]
        if not covering:
            continue
        good = {i for i in covering if home[i] in (division, None)}
        r = client.get(f"/api/v1/people/{person.id}/suggestions", headers=data.bearer(hr))
        assert r.status_code == 200
        shown = [s["id"] for s in r.get_json()["suggestions"] if s["type"] == "network"]
        top = shown[:3]
        expected_good = min(3, len(good))
        assert all(i in good for i in top[:expected_good]), (
            person.name,
            units[person.unit_id].name,
            [(networks[i].name, home[i]) for i in top],
        )
        check_trainings(person, units, r.get_json()["suggestions"], audiences())
        checked[division] += 1
    assert sum(checked.values()) >= 20, checked
    assert all(n > 0 for n in checked.values()), checked  # every division
    check_teachers(client, hr, units, people, networks, home)
    check_unit_trainings(client, hr, units)


def check_teachers(client, hr, units, people, networks, home):
    """No teacher (school or kindergarten) gets a health division's network among her
    first five suggestions; another division's network comes only as a cross-unit or
    project network, after every other measure, saying so."""
    health = next(u.id for u in units.values() if u.kind == "division" and "Helse" in u.name)
    teachers = [p for p in people if p.job_code in ("laerer", "lektor", "barnehagelaerer")]
    assert len(teachers) >= 10, len(teachers)
    for person in teachers:
        r = client.get(f"/api/v1/people/{person.id}/suggestions", headers=data.bearer(hr))
        rows = r.get_json()["suggestions"]
        top = [s["title"] for s in rows[:5] if s["type"] == "network" and home[s["id"]] == health]
        assert not top, (person.name, top)
        measures = [s for s in rows if s["type"] in ("network", "training")]
        far = [s for s in measures if s["type"] == "network" and s["other_division"]]
        assert measures[len(measures) - len(far) :] == far, (person.name, measures)
        assert all(networks[s["id"]].kind in ("cross_unit", "project") for s in far), far
        words = ("kommunalsjefsområde", "another division")
        assert all(any(w in s["reason"] for w in words) for s in far), far


def audiences():
    """Each training's audience as the tables hold it: (job codes, unit ids)."""
    out = {t: (set(), set()) for t in db.session.scalars(sa.select(Training.id))}
    for t, job in db.session.execute(
        sa.select(TrainingAudienceJob.training_id, TrainingAudienceJob.job_code)
    ):
        out[t][0].add(job)
    for t, unit in db.session.execute(
        sa.select(TrainingAudienceUnit.training_id, TrainingAudienceUnit.unit_id)
    ):
        out[t][1].add(unit)
    return out


def fits(audience, job_code, unit_id, units):
    """general, meant (their job, or a unit on their unit's path), or None."""
    jobs, unit_ids = audience
    if not jobs and not unit_ids:
        return "general"
    path = {int(x) for x in units[unit_id].path.strip("/").split("/") if x}
    return "meant" if job_code in jobs or unit_ids & path else None


def check_trainings(person, units, shown, audience):
    kinds = [
        fits(audience[s["id"]], person.job_code, person.unit_id, units)
        for s in shown
        if s["type"] == "training"
    ]
    assert None not in kinds, (person.name, person.job_code, shown)
    assert kinds == sorted(kinds, key=lambda k: k != "meant"), (person.name, kinds)


def check_unit_trainings(client, hr, units):
    """A primary school, a kindergarten, a nursing home and the water and roads unit:
    each training proposed is meant for someone working there."""
    audience = audiences()
    titles = {i: t for i, t in db.session.execute(sa.select(Training.id, Training.title))}
    kinds = {" skole": "SK", " barnehage": "BH", " helsehus": "HH", "Vei, vann og avløp": "VVA"}
    for ending, abbr in kinds.items():
        unit = next(
            u for u in units.values() if u.kind == "unit" and abbr in u.code and ending in u.name
        )
        staff = list(
            db.session.execute(
                sa.select(Person.job_code, Person.unit_id)
                .join(OrgUnit, OrgUnit.id == Person.unit_id)
                .where(OrgUnit.path.startswith(unit.path), Person.active.is_(True))
            )
        )
        r = client.get(f"/api/v1/gaps/suggestions?unit={unit.code}", headers=data.bearer(hr))
        assert r.status_code == 200, r.get_json()
        rows = r.get_json()["suggestions"]
        proposed = [m["id"] for m in rows if m["type"] == "training"]
        for t in proposed:
            assert any(fits(audience[t], j, u, units) for j, u in staff), (unit.name, titles[t])
        if abbr == "SK":
            assert not {titles[t] for t in proposed} & {
                "Legemiddelhåndtering for helsepersonell",
                "Språkmiljø i barnehagen",
                "Velferdsteknologi for helsefagarbeidere (Velferdsteknologiens ABC)",
                "VA-beredskap og avvikshåndtering",
            }, (unit.name, [titles[t] for t in proposed])
