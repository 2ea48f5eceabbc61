"""The demo municipality: a deterministic Drammen-like organisation with people and sign-ins.

``build_demo(employees, seed)`` builds, in the current transaction (it flushes, never
commits), a municipality modelled on Drammen kommune: the municipality, service divisions
and staff areas (``catalogue.DIVISIONS``), units of realistic kinds whose number grows with
``employees``, departments, and exactly ``employees`` people with the employee role
(Norwegian names from Faker, job codes matching their unit, FTE, birth years). Every unit
and department, every division and the municipality has a leader. A few people are HR or
admin, and one guest (a citizen, no unit) exists. The same ``employees`` and ``seed`` give
the same data on any empty database.

Every demo person can sign in with ``DEMO_PASSWORD`` (argon2-hashed once, the hash shared),
and one fixed, readable account exists per role: ``DEMO_LOGINS``.

Extension point for later features
----------------------------------
A feature adds its own demo data through the same ``kollega seed demo`` command by
putting a module ``kollega/<feature>/demo.py`` next to its services::

    from kollega.demo.seed import DemoContext, demo_step, register_login

    register_login("facilitator", "fasilitator@demo.kollega.no")  # printed with the others

    @demo_step
    def networks(ctx: DemoContext) -> None:
        \"\"\"Learning networks with members and a few threads.\"\"\"
        school = ctx.units_of_type("primary_school")[0]
        members = ctx.people_in(school.id, subtree=True)
        person_id = ctx.rng.choice(members).id
        ctx.assign_login("facilitator", person_id)   # gives that person the fixed e-mail
        ...  # call your services or insert rows; flush, never commit

``load_demo_steps()`` imports every feature's ``demo`` module (in ``FEATURES`` order), so
the steps in ``DEMO_STEPS`` run in that order, after the organisation is built. Each step
gets the shared ``DemoContext`` with its own ``rng`` and ``faker`` seeded from the demo
seed and the step's name: adding a step does not change the data of the others, and the
whole run stays deterministic. Steps must not commit: the command commits once at the end.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from faker import Faker
from flask_babel import lazy_gettext as _l

from kollega import feature_modules
from kollega.auth.services import hash_password
from kollega.demo.catalogue import (
    CARE_JOBS,
    DIVISIONS,
    FTE_PROFILES,
    GRADUATE_JOBS,
    HOURS_JOBS,
    JOB_TITLES,
    MIXED_JOBS,
    PLACES,
    UnitKind,
)
from kollega.errors import Conflict, ValidationError
from kollega.extensions import db
from kollega.org.imports import store_job_names
from kollega.org.models import OrgUnit, Person, PersonRole, UnitLeader

__all__ = [
    "DEFAULT_EMPLOYEES",
    "DEFAULT_SEED",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DEMO_STEPS",
    "JOB_TITLES",
    "DemoContext",
    "DemoLogin",
    "DemoPerson",
    "DemoUnit",
    "build_demo",
    "check_employees",
    "demo_logins",
    "demo_step",
    "has_people",
    "load_demo_steps",
    "register_login",
]

DEFAULT_EMPLOYEES = 1200
DEFAULT_SEED = 2021  # the first year of Drammen's competence strategy
MIN_EMPLOYEES = 40  # room for a leader of every division and unit the smallest demo has
MAX_EMPLOYEES = 50_000
# A demo password for demo data, printed by the command; never use it for real accounts.
DEMO_PASSWORD = "kollega-demo-2021"
DEMO_DOMAIN = "demo.kollega.no"
# Birth years are drawn relative to this fixed year so that a seed gives the same data
# whenever it runs.
DEMO_YEAR = 2025
# Faker's Norwegian (bokmål) locale is called no_NO.
FAKER_LOCALE = "no_NO"
MUNICIPALITY_CODE = "DK"
MUNICIPALITY_NAME = "Drammen kommune"
CHUNK = 2000

# Age bands (from, to inclusive, weight); leaders are older on average.
AGE_BANDS = (
    (20, 29, 0.15),
    (30, 39, 0.24),
    (40, 49, 0.25),
    (50, 59, 0.23),
    (60, 64, 0.1),
    (65, 69, 0.03),
)
LEADER_AGE_BANDS = ((32, 39, 0.14), (40, 49, 0.34), (50, 59, 0.38), (60, 66, 0.14))


@dataclass(frozen=True)
class DemoLogin:
    """A fixed demo sign-in: the role it shows off and its e-mail address."""

    role: str
    email: str


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("employee", f"ansatt@{DEMO_DOMAIN}"),
    DemoLogin("leader", f"leder@{DEMO_DOMAIN}"),
    DemoLogin("hr", f"hr@{DEMO_DOMAIN}"),
    DemoLogin("admin", f"admin@{DEMO_DOMAIN}"),
    DemoLogin("guest", f"gjest@{DEMO_DOMAIN}"),
]


def register_login(role: str, email: str) -> None:
    """Add a fixed demo sign-in (call at import time of a feature's ``demo`` module)."""
    if any(login.role == role for login in DEMO_LOGINS):
        return
    DEMO_LOGINS.append(DemoLogin(role, email.strip().lower()))


@dataclass
class DemoUnit:
    id: int
    code: str
    name: str
    kind: str  # municipality, division, unit, department
    type: str  # the catalogue kind ("primary_school", …), "municipality", "division", "staff"
    parent_id: int | None
    path: str
    leader_id: int | None = None


@dataclass
class DemoPerson:
    id: int
    employee_no: str | None
    name: str
    email: str
    unit_id: int | None
    job_code: str | None
    fte: float
    birth_year: int | None
    roles: tuple[str, ...]
    leads: tuple[int, ...] = ()


@dataclass
class DemoContext:
    """What a demo step gets: the organisation just built and seeded randomness.

    ``rng`` and ``faker`` are seeded per step; ``password_hash`` is the argon2 hash of
    ``DEMO_PASSWORD`` for any account a step creates; ``accounts`` maps a demo role to the
    person id behind its fixed sign-in.
    """

    seed: int
    employees: int
    rng: random.Random
    faker: Faker
    password_hash: str
    units: list[DemoUnit]
    people: list[DemoPerson]
    accounts: dict[str, int] = field(default_factory=dict)

    def unit(self, code: str) -> DemoUnit:
        return next(u for u in self.units if u.code == code)

    def units_of_kind(self, kind: str) -> list[DemoUnit]:
        return [u for u in self.units if u.kind == kind]

    def units_of_type(self, type_: str) -> list[DemoUnit]:
        return [u for u in self.units if u.type == type_]

    def person(self, person_id: int) -> DemoPerson:
        return next(p for p in self.people if p.id == person_id)

    def people_in(self, unit_id: int, subtree: bool = False) -> list[DemoPerson]:
        """People in the unit (and below it, with ``subtree``), in a stable order."""
        if not subtree:
            return [p for p in self.people if p.unit_id == unit_id]
        path = next(u.path for u in self.units if u.id == unit_id)
        inside = {u.id for u in self.units if u.path.startswith(path)}
        return [p for p in self.people if p.unit_id in inside]

    def leaders(self) -> list[DemoPerson]:
        return [p for p in self.people if p.leads]

    def assign_login(self, role: str, person_id: int) -> None:
        """Give the person the fixed e-mail of the demo sign-in registered for ``role``."""
        login = next((x for x in DEMO_LOGINS if x.role == role), None)
        if login is None:
            raise KeyError(f"no demo login registered for role {role!r}")
        db.session.execute(
            sa.update(Person)
            .where(Person.id == person_id)
            .values(email=login.email)
            .execution_options(synchronize_session=False)
        )
        self.person(person_id).email = login.email
        self.accounts[role] = person_id


DemoStep = Callable[[DemoContext], None]
DEMO_STEPS: list[DemoStep] = []


def demo_step(fn: DemoStep) -> DemoStep:
    """Register ``fn`` to run, in registration order, after the organisation is built."""
    if fn not in DEMO_STEPS:
        DEMO_STEPS.append(fn)
    return fn


def load_demo_steps() -> list[DemoStep]:
    """Import every feature's ``demo`` module so that its steps and logins register."""
    feature_modules("demo")
    return list(DEMO_STEPS)


# --- checks -------------------------------------------------------------------------


def check_employees(employees: int) -> None:
    """Raise ``ValidationError`` unless ``employees`` is a size the demo can build."""
    if employees < MIN_EMPLOYEES or employees > MAX_EMPLOYEES:
        raise ValidationError(
            _l(
                "The number of employees must be between %(low)d and %(high)d.",
                low=MIN_EMPLOYEES,
                high=MAX_EMPLOYEES,
            )
        )


def has_people() -> bool:
    """Whether the database holds any person at all."""
    return db.session.scalar(sa.select(Person.id).limit(1)) is not None


# --- planning the organisation (pure, deterministic) ---------------------------------


@dataclass
class _Unit:
    code: str
    name: str
    kind: str
    type: str
    parent: _Unit | None
    spec: UnitKind | None = None
    headcount: int = 0
    departments: list[_Unit] = field(default_factory=list)
    id: int = 0
    path: str = ""


@dataclass
class _Seat:
    unit: _Unit
    job: str
    leader: bool
    female_share: float


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    scale = sum(weights)
    exact = [total * w / scale for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _plan(employees: int, rng: random.Random) -> tuple[_Unit, list[_Unit], list[_Unit]]:
    """The unit tree with a headcount per unit: (root, divisions, units)."""
    root = _Unit(
        MUNICIPALITY_CODE, MUNICIPALITY_NAME, "municipality", "municipality", None, headcount=1
    )
    divisions: list[_Unit] = []
    units: list[_Unit] = []
    weights: list[float] = []
    for div in DIVISIONS:
        d = _Unit(
            div.code, div.name, "division", "staff" if div.staff else "division", root, headcount=1
        )
        d.spec = None
        divisions.append(d)
        for kind in div.kinds:
            if kind.single:
                count = 1 if (employees * kind.share >= 4 or kind.minimum) else 0
            else:
                count = max(kind.minimum, round(employees * kind.share / kind.size))
            places = list(PLACES)
            rng.shuffle(places)
            while len(places) < count:
                places += [f"{prefix} {p}" for prefix in ("Nordre", "Søndre") for p in PLACES]
            for i in range(count):
                name = kind.name.format(place=places[i]) if "{place}" in kind.name else kind.name
                code = f"{div.code}-{kind.abbr}" + (f"{i + 1:02d}" if not kind.single else "")
                units.append(_Unit(code, name, "unit", kind.key, d, spec=kind))
                weights.append(kind.share / count * rng.uniform(0.8, 1.2))
    rest = employees - 1 - len(divisions)
    counts = _largest_remainder(rest, weights)
    for unit, n in zip(units, counts, strict=True):
        assert unit.spec is not None
        unit.headcount = max(n, unit.spec.min_headcount)
    excess = sum(u.headcount for u in units) - rest
    while excess > 0:
        biggest = max(units, key=lambda u: (u.headcount - u.spec.min_headcount, u.code))  # type: ignore[union-attr]
        if biggest.headcount <= biggest.spec.min_headcount:  # type: ignore[union-attr]
            raise ValidationError(_l("Too few employees for the demo municipality."))
        biggest.headcount -= 1
        excess -= 1
    for unit in units:
        spec = unit.spec
        assert spec is not None
        n_depts = min(len(spec.departments), (unit.headcount - 1) // spec.dept_size)
        if n_depts < 2:
            continue
        if spec.department_pool:
            chosen = sorted(rng.sample(range(len(spec.departments)), n_depts))
            names = [spec.departments[i] for i in chosen]
        else:
            names = list(spec.departments[:n_depts])
        unit.departments = [
            _Unit(f"{unit.code}-{j + 1}", name, "department", "department", unit, spec=spec)
            for j, name in enumerate(names)
        ]
    return root, divisions, units


def _seats(
    root: _Unit, divisions: list[_Unit], units: list[_Unit], rng: random.Random
) -> list[_Seat]:
    """One seat per employee: a unit, a job, whether it is the unit's leader."""
    seats = [_Seat(root, "kommunedirektor", True, 0.6)]
    for div, spec in zip(divisions, DIVISIONS, strict=True):
        seats.append(_Seat(div, spec.leader_job, True, 0.6))
    for unit in units:
        spec = unit.spec
        assert spec is not None
        seats.append(_Seat(unit, spec.leader_job, True, spec.female_share))
        depts = unit.departments
        for dept in depts:
            seats.append(_Seat(dept, spec.department_leader_job, True, spec.female_share))
        staff = unit.headcount - 1 - len(depts)
        office = 1 if depts and unit.headcount >= 25 else 0
        for _ in range(office):
            seats.append(_Seat(unit, "konsulent", False, 0.8))
        places = [unit]
        sizes = [staff - office]
        if depts:
            places = list(depts)
            sizes = _largest_remainder(staff - office, [rng.uniform(0.8, 1.2) for _ in depts])
        for where, size in zip(places, sizes, strict=True):
            jobs = spec.department_jobs.get(where.name, spec.jobs)
            for _ in range(size):
                job = rng.choices([j for j, _ in jobs], [w for _, w in jobs])[0]
                seats.append(_Seat(where, job, False, spec.female_share))
    return seats


def _birth_year(rng: random.Random, job: str, leader: bool) -> int:
    bands = LEADER_AGE_BANDS if leader else AGE_BANDS
    low, high, _ = rng.choices(bands, [w for _, _, w in bands])[0]
    age = rng.randint(low, high)
    if job in GRADUATE_JOBS:
        age = max(age, 23 + rng.randint(0, 3))
    return DEMO_YEAR - age


def _fte(rng: random.Random, job: str, leader: bool) -> float:
    if leader:
        return 1.0
    if job in CARE_JOBS:
        profile = FTE_PROFILES["care"]
    elif job in MIXED_JOBS:
        profile = FTE_PROFILES["mixed"]
    elif job in HOURS_JOBS:
        profile = FTE_PROFILES["hours"]
    else:
        profile = FTE_PROFILES["full"]
    return rng.choices([f for f, _ in profile], [w for _, w in profile])[0]


_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_FOLD).lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _email(name: str, taken: dict[str, int]) -> str:
    first, _, last = name.partition(" ")
    local = f"{_slug(first)}.{_slug(last)}".strip(".")
    taken[local] = taken.get(local, 0) + 1
    suffix = "" if taken[local] == 1 else str(taken[local])
    return f"{local}{suffix}@{DEMO_DOMAIN}"


# --- writing ------------------------------------------------------------------------


def _insert_level(level: list[_Unit]) -> None:
    """Insert one level of the tree in bulk, then set the materialised paths."""
    if not level:
        return
    rows = [
        {
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "parent_id": u.parent.id if u.parent else None,
            "path": "",
        }
        for u in level
    ]
    ids = db.session.scalars(
        sa.insert(OrgUnit).returning(OrgUnit.id, sort_by_parameter_order=True), rows
    ).all()
    for unit, id_ in zip(level, ids, strict=True):
        unit.id = id_
        unit.path = (unit.parent.path if unit.parent else "/") + f"{id_}/"
    db.session.execute(sa.update(OrgUnit), [{"id": u.id, "path": u.path} for u in level])


def _chunks(rows: list[dict[str, Any]], size: int = CHUNK) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert_people(rows: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(rows):
        ids += db.session.scalars(
            sa.insert(Person).returning(Person.id, sort_by_parameter_order=True), chunk
        ).all()
    return ids


def _insert_plain(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(sa.insert(table), chunk)


def build_demo(
    employees: int = DEFAULT_EMPLOYEES,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
) -> DemoContext:
    """Build the demo municipality in an empty database and run every registered demo step.

    Raises ``ValidationError`` for an impossible size and ``Conflict`` when the database
    already holds people. Flushes; the caller commits.
    """
    say = progress or (lambda _msg: None)
    check_employees(employees)
    if has_people():
        raise Conflict(_l("The database already has people; demo data goes into an empty one."))
    started = time.perf_counter()
    password_hash = hash_password(DEMO_PASSWORD)  # once, shared by every demo account
    rng = random.Random(seed)
    fake = Faker(FAKER_LOCALE)
    fake.seed_instance(seed)

    root, divisions, units = _plan(employees, rng)
    departments = [d for u in units for d in u.departments]
    for level in ([root], divisions, units, departments):
        _insert_level(level)
    store_job_names(JOB_TITLES)  # job codes read as titles wherever a job is shown
    say(
        f"units: {1 + len(divisions)} municipality and divisions, {len(units)} units, "
        f"{len(departments)} departments"
    )

    seats = _seats(root, divisions, units, rng)
    assert len(seats) == employees, (len(seats), employees)
    taken: dict[str, int] = {}
    people: list[dict[str, Any]] = []
    for i, seat in enumerate(seats, start=1):
        female = rng.random() < seat.female_share
        first = fake.first_name_female() if female else fake.first_name_male()
        name = f"{first} {fake.last_name()}"
        people.append(
            {
                "employee_no": f"{100000 + i}",
                "name": name,
                "email": _email(name, taken),
                "unit_id": seat.unit.id,
                "job_code": seat.job,
                "fte": _fte(rng, seat.job, seat.leader),
                "birth_year": _birth_year(rng, seat.job, seat.leader),
                "active": True,
                "password_hash": password_hash,
            }
        )
    roles: list[list[str]] = [["employee"] for _ in seats]

    # The fixed demo sign-ins, chosen among the generated people.
    accounts: dict[str, int] = {}  # role -> index into people

    def staff_of(unit: _Unit) -> list[int]:
        inside = {unit.code} | {d.code for d in unit.departments}
        return [i for i, s in enumerate(seats) if s.unit.code in inside and not s.leader]

    school = next(u for u in units if u.type == "primary_school")
    accounts["leader"] = next(i for i, s in enumerate(seats) if s.unit is school and s.leader)
    in_school = staff_of(school)
    teachers = [i for i in in_school if seats[i].job == "laerer"]
    accounts["employee"] = (teachers or in_school)[0]
    hr_unit = next(u for u in units if u.type == "hr_services")
    hr_staff = staff_of(hr_unit)
    accounts["hr"] = hr_staff[0]
    ohr = next(d for d in divisions if d.code == "OHR")
    for i in hr_staff[:3] + [next(i for i, s in enumerate(seats) if s.unit is ohr)]:
        roles[i].append("hr")
    it_staff = staff_of(next(u for u in units if u.type == "it_operations"))
    accounts["admin"] = it_staff[0]
    for i in it_staff[:2]:
        roles[i].append("admin")
    fixed = {login.role: login.email for login in DEMO_LOGINS}
    for role, i in accounts.items():
        people[i]["email"] = fixed[role]

    guest_name = f"{fake.first_name()} {fake.last_name()}"
    people.append(
        {
            "employee_no": None,
            "name": guest_name,
            "email": fixed["guest"],
            "unit_id": None,
            "job_code": None,
            "fte": 0.0,
            "birth_year": _birth_year(rng, "", False),
            "active": True,
            "password_hash": password_hash,
        }
    )
    roles.append(["guest"])
    accounts["guest"] = len(people) - 1

    ids = _insert_people(people)
    _insert_plain(
        PersonRole.__table__,  # type: ignore[arg-type]
        [{"person_id": ids[i], "role": r} for i, rs in enumerate(roles) for r in rs],
    )
    leads = [(i, seat.unit) for i, seat in enumerate(seats) if seat.leader]
    _insert_plain(
        UnitLeader.__table__,  # type: ignore[arg-type]
        [{"person_id": ids[i], "unit_id": unit.id} for i, unit in leads],
    )
    say(f"people: {employees} employees and 1 guest")

    leader_of = {unit.id: ids[i] for i, unit in leads}
    all_units = [root, *divisions, *units, *departments]
    demo_units = [
        DemoUnit(
            id=u.id,
            code=u.code,
            name=u.name,
            kind=u.kind,
            type=u.type,
            parent_id=u.parent.id if u.parent else None,
            path=u.path,
            leader_id=leader_of.get(u.id),
        )
        for u in all_units
    ]
    led_by: dict[int, tuple[int, ...]] = {}
    for i, unit in leads:
        led_by[i] = (*led_by.get(i, ()), unit.id)
    demo_people = [
        DemoPerson(
            id=ids[i],
            employee_no=row["employee_no"],
            name=row["name"],
            email=row["email"],
            unit_id=row["unit_id"],
            job_code=row["job_code"],
            fte=row["fte"],
            birth_year=row["birth_year"],
            roles=tuple(roles[i]),
            leads=led_by.get(i, ()),
        )
        for i, row in enumerate(people)
    ]
    ctx = DemoContext(
        seed=seed,
        employees=employees,
        rng=rng,
        faker=fake,
        password_hash=password_hash,
        units=demo_units,
        people=demo_people,
        accounts={role: ids[i] for role, i in accounts.items()},
    )
    db.session.flush()
    for step in load_demo_steps():
        name = f"{step.__module__}.{step.__qualname__}"
        ctx.rng = random.Random(f"{seed}:{name}")
        fake.seed_instance(f"{seed}:{name}")
        step(ctx)
        db.session.flush()
        say(f"demo step: {name}")
    say(f"demo municipality built in {time.perf_counter() - started:.1f} s")
    return ctx


@dataclass(frozen=True)
class LoginRow:
    role: str
    name: str
    email: str
    password: str | None  # None when the person has changed it


def demo_logins() -> list[LoginRow]:
    """The fixed demo sign-ins that exist in this database, with the demo password
    where it still works."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    load_demo_steps()
    hasher = PasswordHasher()
    emails = [login.email for login in DEMO_LOGINS]
    found = {
        p.email: p for p in db.session.scalars(sa.select(Person).where(Person.email.in_(emails)))
    }
    checked: dict[str, bool] = {}  # the demo accounts share one hash: verify it once

    def works(stored: str | None) -> bool:
        if not stored:
            return False
        if stored not in checked:
            try:
                checked[stored] = hasher.verify(stored, DEMO_PASSWORD)
            except (VerificationError, InvalidHashError):
                checked[stored] = False
        return checked[stored]

    rows = []
    for login in DEMO_LOGINS:
        person = found.get(login.email)
        if person is None:
            continue
        rows.append(
            LoginRow(
                login.role,
                person.name,
                person.email,
                DEMO_PASSWORD if works(person.password_hash) else None,
            )
        )
    return rows
