"""How close a network or a colleague is to a person's own work (#21), for ranking
suggestions: the person's unit, division and job code against where the network's
members (or the colleague) work and what they do.

"Work like yours" is the kind of place, not only the job code: a workplace (the unit of
kind ``unit`` a person belongs to, with its departments: a school, a kindergarten, a
nursing home) is like another when their people's job mixes are alike (cosine of the
job counts at least ``LIKE_WORKPLACE``, 0.6: on the demo
municipality schools are alike, kindergartens are, and no school is like a kindergarten). So a kindergarten teacher's work is like the
other kindergartens', not the schools' of her division, and a school assistant's is
like the schools'. A network's members do work like the person's when at least
``KIN_SHARE`` of them have the person's job or work in a workplace like theirs.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from kollega.extensions import db
from kollega.org.models import OrgUnit, Person

# A network belongs to a division when at least this share of its members work there;
# a network whose members are spread wider is municipality-wide.
HOME_SHARE = 0.6
# Members in the person's job make a network close when at least this share have it.
JOB_SHARE = 0.25
# Two workplaces are alike when their job mixes' cosine is at least this.
LIKE_WORKPLACE = 0.6
# A network's members do work like the person's when at least this share have their
# job or work in a workplace like theirs ("mostly").
KIN_SHARE = 0.5

# Closeness of a network, highest first (``network_closeness``).
OWN_NEAR = 5  # OWN_KIN, and with colleagues from the person's unit or many in their job
OWN_KIN = 4  # the person's division, most members in work like theirs
WIDE_NEAR = 3  # municipality-wide, with unit colleagues, many in their job or in work like it
WIDE = 2  # municipality-wide
# The person's division but most members in other work; or another division's where
# many members have the person's job.
OTHER_WORK = 1
# Another division's with few in the person's job: a last resort (``_other_divisions``).
OTHER_DIVISION = 0
OWN_DIVISION = frozenset({OWN_NEAR, OWN_KIN})


@dataclass
class Place:
    """Where a person works: unit, division (None outside one), job code and workplace
    (the unit of kind ``unit`` above or at their unit; their unit outside one)."""

    unit_id: int | None
    division_id: int | None
    job_code: str | None
    workplace_id: int | None = None


class Map:
    """The organisation as closeness needs it: each unit's path and kind, and each
    workplace's job mix (active people), read once per suggestion list."""

    def __init__(self) -> None:
        self.units = {
            int(i): (path, kind)
            for i, path, kind in db.session.execute(
                sa.select(OrgUnit.id, OrgUnit.path, OrgUnit.kind)
            )
        }
        self._mixes: dict[int, Counter[str]] | None = None
        self._like: dict[tuple[int, int], bool] = {}

    def _ancestors(self, unit_id: int) -> list[int]:
        return [int(x) for x in self.units[unit_id][0].strip("/").split("/") if x]

    def division_of(self, unit_id: int | None) -> int | None:
        """The division a unit lies in (itself if it is one); None at the top or outside."""
        if unit_id is None or unit_id not in self.units:
            return None
        for a in self._ancestors(unit_id):
            if a in self.units and self.units[a][1] == "division":
                return a
        return None

    def workplace_of(self, unit_id: int | None) -> int | None:
        """The nearest unit of kind ``unit`` at or above this one; the unit itself when
        none is (a division's own staff)."""
        if unit_id is None or unit_id not in self.units:
            return None
        for a in reversed(self._ancestors(unit_id)):
            if a in self.units and self.units[a][1] == "unit":
                return a
        return unit_id

    def place(self, unit_id: int | None, job_code: str | None) -> Place:
        return Place(unit_id, self.division_of(unit_id), job_code, self.workplace_of(unit_id))

    def place_of(self, person: Person) -> Place:
        return self.place(person.unit_id, person.job_code)

    def _mix(self) -> dict[int, Counter[str]]:
        if self._mixes is None:
            mixes: dict[int, Counter[str]] = {}
            rows = db.session.execute(
                sa.select(Person.unit_id, Person.job_code, sa.func.count())
                .where(Person.active.is_(True), Person.unit_id.is_not(None))
                .group_by(Person.unit_id, Person.job_code)
            )
            for unit_id, job_code, n in rows:
                workplace = self.workplace_of(int(unit_id))
                if workplace is not None and job_code:
                    mixes.setdefault(workplace, Counter())[str(job_code)] += int(n)
            self._mixes = mixes
        return self._mixes

    def alike(self, a: int | None, b: int | None) -> bool:
        """Whether two workplaces are alike (the same one, or job mixes alike)."""
        if a is None or b is None:
            return False
        if a == b:
            return True
        key = (min(a, b), max(a, b))
        if key not in self._like:
            mixes = self._mix()
            self._like[key] = cosine(mixes.get(a, Counter()), mixes.get(b, Counter())) >= (
                LIKE_WORKPLACE
            )
        return self._like[key]

    def like_mine(self, me: Place, other: Place) -> bool:
        """Whether ``other`` does work like the person's: their job, or a workplace alike."""
        same_job = me.job_code is not None and other.job_code == me.job_code
        return same_job or self.alike(me.workplace_id, other.workplace_id)


def cosine(a: Counter[str], b: Counter[str]) -> float:
    """The cosine of two job mixes (0 when either is empty)."""
    dot = sum(n * b[k] for k, n in a.items() if k in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))


def network_home(members: list[Place], own_unit: int | None, org: Map) -> int | None:
    """The division a network belongs to (most of its members), or None when it is
    municipality-wide; a network without members belongs where it was started."""
    if not members:
        return org.division_of(own_unit)
    counts: dict[int | None, int] = {}
    for m in members:
        counts[m.division_id] = counts.get(m.division_id, 0) + 1
    division, n = max(counts.items(), key=lambda kv: (kv[1], kv[0] or 0))
    return division if division is not None and n >= HOME_SHARE * len(members) else None


@dataclass
class NetworkFit:
    """How a network's members stand to the person: colleagues from their unit, a
    large share in their job, most in work like theirs."""

    colleagues: int
    same_job: bool
    kin: bool
    members: int = 0


def network_fit(
    me: Place, members: list[Place], org: Map, started_in: int | None = None
) -> NetworkFit:
    """A network without members is judged by the workplace it was started in."""
    if not members:
        return NetworkFit(0, False, org.alike(me.workplace_id, org.workplace_of(started_in)))
    colleagues = sum(1 for m in members if m.unit_id == me.unit_id) if me.unit_id is not None else 0
    same_job = (
        bool(members)
        and me.job_code is not None
        and sum(m.job_code == me.job_code for m in members) >= JOB_SHARE * len(members)
    )
    kin = bool(members) and sum(org.like_mine(me, m) for m in members) >= KIN_SHARE * len(members)
    return NetworkFit(colleagues, same_job, kin, len(members))


def network_closeness(me: Place, home: int | None, fit: NetworkFit) -> int:
    """How close a network is to the person's work (``OWN_NEAR`` 5 to ``OTHER_DIVISION``
    0): their division's network with most members in work like theirs, and colleagues
    from their unit or many in their job, 5; their division's with most in work like
    theirs 4; a municipality-wide one with unit colleagues, many in their job or most in
    work like theirs 3; another municipality-wide one 2; their division's with most members in
    other work (a school's network for a kindergarten teacher), or another division's
    where many members have their job, 1; another division's with few in their job 0."""
    if home is not None and home == me.division_id:
        if not fit.kin:  # a colleague or two in it does not make it their work
            return OTHER_WORK
        return OWN_NEAR if (fit.colleagues or fit.same_job) else OWN_KIN
    if home is None:
        return WIDE_NEAR if (fit.colleagues or fit.same_job or fit.kin) else WIDE
    return OTHER_WORK if fit.same_job else OTHER_DIVISION


def crosses(home: int | None, members: list[Place]) -> bool:
    """Whether a network of a division takes in people from others: at least
    ``OUTSIDE_SHARE`` of its members work outside its division."""
    if home is None or not members:
        return False
    outside = sum(m.division_id != home for m in members)
    return outside >= OUTSIDE_SHARE * len(members)


# Network kinds meant to cross divisions; a "professional" network is one profession's.
CROSSING_KINDS = frozenset({"cross_unit", "project"})
# Another division's network crosses divisions in fact when at least this share of its
# members work outside its division.
OUTSIDE_SHARE = 0.25

# Closeness of a colleague (``person_closeness``).
SAME_UNIT = 4
DIVISION_KIN = 3  # the person's division, their job or a workplace like theirs
DIVISION = 2
JOB_ELSEWHERE = 1  # another division, the person's job
ELSEWHERE = 0


def person_closeness(me: Place, other: Place, org: Map) -> int:
    """How close a colleague works: same unit 4; same division and their job or a
    workplace like theirs 3; same division 2; another division in their job 1;
    otherwise 0."""
    if me.unit_id is not None and other.unit_id == me.unit_id:
        return SAME_UNIT
    same_division = me.division_id is not None and other.division_id == me.division_id
    if same_division:
        return DIVISION_KIN if org.like_mine(me, other) else DIVISION
    same_job = me.job_code is not None and other.job_code == me.job_code
    return JOB_ELSEWHERE if same_job else ELSEWHERE
