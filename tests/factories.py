"""Factories for units and people, and a small standard municipality for tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from kollega.auth.services import create_token, hash_password
from kollega.extensions import db
from kollega.networks.members import join_network
from kollega.networks.networks import create_network
from kollega.networks.threads import open_thread
from kollega.org.models import OrgUnit, Person
from kollega.org.services import create_or_update_unit, set_leader, set_roles

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_HASH: dict[str, str] = {}


def _password_hash(password: str) -> str:
    # argon2 is slow on purpose; hash each distinct test password once.
    if password not in _HASH:
        _HASH[password] = hash_password(password)
    return _HASH[password]


def make_unit(
    code: str | None = None,
    parent: OrgUnit | None = None,
    kind: str | None = None,
    name: str | None = None,
) -> OrgUnit:
    n = next(_counter)
    code = code or f"U{n}"
    kind = kind or ("municipality" if parent is None else "unit")
    return create_or_update_unit(code, name or f"Unit {code}", kind, parent)


def make_person(
    unit: OrgUnit | None = None,
    roles: tuple[str, ...] = ("employee",),
    leads: tuple[OrgUnit, ...] = (),
    name: str | None = None,
    email: str | None = None,
    job_code: str | None = "ADV",
    password: str = PASSWORD,
    active: bool = True,
    birth_year: int | None = 1980,
    fte: float = 1.0,
) -> Person:
    n = next(_counter)
    person = Person(
        employee_no=None if "guest" in roles else f"E{n:05d}",
        name=name or f"Person {n}",
        email=email or f"person{n}@test.kollega.no",
        unit=unit,
        job_code=job_code,
        fte=fte,
        birth_year=birth_year,
        active=active,
        password_hash=_password_hash(password),
    )
    db.session.add(person)
    # Roles before the first flush: one flush writes the person and the roles, with no
    # read of the (new, empty) role rows; a third of build_org's time before.
    set_roles(person, roles)
    for unit_led in leads:
        set_leader(person, unit_led)
    return person


@dataclass
class Org:
    """municipality ─┬─ division A ─┬─ unit A1 ── dept A1a
                     │              └─ unit A2
                     └─ division B ─── unit B1
    People: an employee in A1a and one in A1, a colleague of the A1a employee, an
    employee in B1, the leader of A1 (leads A1a too), the leader of B1, HR, admin, guest."""

    root: OrgUnit
    div_a: OrgUnit
    div_b: OrgUnit
    unit_a1: OrgUnit
    unit_a2: OrgUnit
    dept_a1a: OrgUnit
    unit_b1: OrgUnit
    employee: Person
    colleague: Person
    employee_a1: Person
    other_employee: Person
    leader: Person
    other_leader: Person
    hr: Person
    admin: Person
    guest: Person


def build_org() -> Org:
    root = make_unit("K", kind="municipality", name="Testkommune")
    div_a = make_unit("A", root, "division", "Oppvekst")
    div_b = make_unit("B", root, "division", "Helse og omsorg")
    unit_a1 = make_unit("A1", div_a, "unit", "Fjell skole")
    unit_a2 = make_unit("A2", div_a, "unit", "Bragernes barnehage")
    dept_a1a = make_unit("A1a", unit_a1, "department", "Småskolen")
    unit_b1 = make_unit("B1", div_b, "unit", "Hjemmetjenesten Nord")
    org = Org(
        root=root,
        div_a=div_a,
        div_b=div_b,
        unit_a1=unit_a1,
        unit_a2=unit_a2,
        dept_a1a=dept_a1a,
        unit_b1=unit_b1,
        employee=make_person(dept_a1a, name="Eva Ansatt", email="eva@test.kollega.no"),
        colleague=make_person(dept_a1a, name="Kari Kollega", email="kari@test.kollega.no"),
        employee_a1=make_person(unit_a1, name="Ola Lærer", email="ola@test.kollega.no"),
        other_employee=make_person(unit_b1, name="Per Pleier", email="per@test.kollega.no"),
        leader=make_person(
            unit_a1, leads=(unit_a1,), name="Lise Leder", email="lise@test.kollega.no"
        ),
        other_leader=make_person(
            unit_b1, leads=(unit_b1,), name="Bjørn Leder", email="bjorn@test.kollega.no"
        ),
        hr=make_person(
            root, roles=("employee", "hr"), name="Hanne HR", email="hanne@test.kollega.no"
        ),
        admin=make_person(
            root, roles=("employee", "admin"), name="Arne Admin", email="arne@test.kollega.no"
        ),
        guest=make_person(
            None, roles=("guest",), name="Gro Gjest", email="gro@example.org", job_code=None
        ),
    )
    db.session.commit()
    return org


def thread_of_token_holders(org: Any, count: int, label: str) -> tuple[Any, list[str]]:
    """An open network led by ``org.leader`` with one thread, and ``count`` new members of it
    with a bearer token each (the clients of the multi-process tests); committed."""
    network = create_network(org.leader, "Driftsnettverk", "", visibility="open")
    thread, _ = open_thread(org.leader, network.id, "Vakter", body="Hei")
    tokens = []
    for _ in range(count):
        person = make_person(org.unit_a1)
        join_network(person, network.id)
        tokens.append(create_token(person, label))
    db.session.commit()
    return thread, tokens
