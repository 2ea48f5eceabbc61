"""``kollega seed demo``: size, leaders, determinism, sign-ins, --if-empty, bad input, steps."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kollega.demo import seed as demo
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person, PersonRole, UnitLeader


def seed(runner, *args: str):  # type: ignore[no-untyped-def]
    result = runner("seed", "demo", *args)
    assert result.exit_code == 0, result.output
    return result


def count_with_role(role: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(PersonRole).where(PersonRole.role == role)
    )


def people_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def snapshot() -> tuple[list[tuple], list[tuple]]:
    """The people and units without database ids, so two databases can be compared."""
    code = {u.id: u.code for u in db.session.scalars(sa.select(OrgUnit))}
    units = sorted(
        (u.code, u.name, u.kind, code.get(u.parent_id))
        for u in db.session.scalars(sa.select(OrgUnit))
    )
    people = sorted(
        (
            p.employee_no or "",
            p.name,
            p.email,
            code.get(p.unit_id),
            p.job_code,
            p.fte,
            p.birth_year,
            tuple(p.roles),
            tuple(u.code for u in p.led_units),
        )
        for p in db.session.scalars(sa.select(Person))
    )
    return units, people


def wipe() -> None:
    from kollega.models import metadata

    db.session.rollback()
    for table in reversed(metadata.sorted_tables):
        if table.name == "org_units":  # a tree: the leaves first
            for path in db.session.scalars(
                sa.select(OrgUnit.path).order_by(sa.func.length(OrgUnit.path).desc())
            ):
                db.session.execute(sa.delete(OrgUnit).where(OrgUnit.path == path))
        else:
            db.session.execute(table.delete())
    db.session.commit()


def test_builds_the_municipality_with_n_employees(runner):
    result = seed(runner, "--employees", "120")
    assert count_with_role("employee") == 120
    assert people_count() == 122  # and the guest, and kollega (the inactive author of stop prompts)

    units = list(db.session.scalars(sa.select(OrgUnit)))
    kinds = {u.kind for u in units}
    assert kinds == {"municipality", "division", "unit", "department"}
    names = {u.name for u in units}
    for division in ("Oppvekst", "Helse og omsorg", "Kultur, idrett og frivillighet"):
        assert division in names
    assert {"By- og samfunnsutvikling", "Organisasjon og HR", "Økonomi", "Digitalisering"} <= names

    # Materialised paths: the parent's path and the unit's own id.
    by_id = {u.id: u for u in units}
    for unit in units:
        parent_path = by_id[unit.parent_id].path if unit.parent_id else "/"
        assert unit.path == f"{parent_path}{unit.id}/"

    # A leader for every unit and department (and division and the municipality).
    led = set(db.session.scalars(sa.select(UnitLeader.unit_id)))
    assert led == set(by_id)

    people = list(db.session.scalars(sa.select(Person)))
    employees = [p for p in people if p.employee_no]
    assert all(p.job_code in demo.JOB_TITLES for p in employees)
    assert all(0 < p.fte <= 1 for p in employees)
    ages = [demo.DEMO_YEAR - p.birth_year for p in employees]
    assert min(ages) >= 19 and max(ages) <= 69 and any(age >= 60 for age in ages)
    assert len({p.email for p in people}) == len(people)

    assert count_with_role("hr") >= 2 and count_with_role("admin") >= 1
    (guest,) = [p for p in people if p.employee_no is None and p.active]
    assert guest.roles == ["guest"] and guest.unit_id is None

    lines = result.output.splitlines()
    for role, email in (
        ("employee", "ansatt@demo.kollega.no"),
        ("leader", "leder@demo.kollega.no"),
        ("hr", "hr@demo.kollega.no"),
        ("admin", "admin@demo.kollega.no"),
        ("guest", "gjest@demo.kollega.no"),
    ):
        row = next(line for line in lines if email in line)
        assert row.split()[0] == role and demo.DEMO_PASSWORD in row


def test_the_role_accounts_have_their_roles_and_sign_in(runner, app):
    seed(runner, "--employees", "80")
    expected = {
        "employee": lambda p: p.roles == ["employee"],
        "leader": lambda p: "leader" in p.roles and p.led_units,
        "hr": lambda p: "hr" in p.roles,
        "admin": lambda p: "admin" in p.roles,
        "guest": lambda p: p.roles == ["guest"],
    }
    rows = demo.demo_logins()
    assert [r.role for r in rows] == [login.role for login in demo.DEMO_LOGINS]
    for row in rows:
        person = db.session.scalar(sa.select(Person).where(Person.email == row.email))
        assert person is not None and expected.get(row.role, lambda p: True)(person), row
        client = app.test_client()
        response = client.post("/login", data={"email": row.email, "password": row.password})
        assert response.status_code == 302, (row, response.status_code)
        wrong = app.test_client().post("/login", data={"email": row.email, "password": "nope" * 4})
        assert wrong.status_code == 401


def test_same_n_and_seed_give_the_same_data(runner):
    seed(runner, "--employees", "70", "--seed", "7")
    first = snapshot()
    wipe()
    seed(runner, "--employees", "70", "--seed", "7")
    assert snapshot() == first
    wipe()
    seed(runner, "--employees", "70", "--seed", "8")
    assert snapshot()[1] != first[1]


def test_if_empty_creates_nothing_on_a_database_with_people(runner):
    seed(runner, "--if-empty", "--employees", "60")  # empty: seeds
    before = snapshot()
    result = seed(runner, "--if-empty", "--employees", "60")
    assert snapshot() == before and count_with_role("employee") == 60
    assert "ansatt@demo.kollega.no" in result.output and demo.DEMO_PASSWORD in result.output

    again = runner("seed", "demo", "--employees", "60")  # without --if-empty: refused
    assert again.exit_code != 0
    assert len(again.output.strip().splitlines()) == 1
    assert snapshot() == before


def test_if_empty_with_other_people_prints_no_demo_logins(runner, org):
    result = seed(runner, "--if-empty")
    assert "No demo sign-ins" in result.output
    assert count_with_role("employee") == 8  # the factory's people, nothing added


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1.5", "", "39", "50001"])
def test_bad_employee_numbers_fail_with_one_line(runner, value):
    result = runner("seed", "demo", "--employees", value)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.output
    assert people_count() == 0


def test_bad_seed_fails_with_one_line(runner):
    result = runner("seed", "demo", "--seed", "x")
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1
    assert people_count() == 0


def test_registered_steps_run_after_the_organisation_with_their_own_randomness(runner):
    seen: list[tuple] = []

    def step(ctx: demo.DemoContext) -> None:
        school = ctx.units_of_type("primary_school")[0]
        members = ctx.people_in(school.id, subtree=True)
        assert school.leader_id in {p.id for p in members}
        assert all(u.leader_id for u in ctx.units)
        assert len([p for p in ctx.people if "employee" in p.roles]) == ctx.employees
        chosen = ctx.rng.choice([p for p in members if not p.leads])
        ctx.assign_login("facilitator", chosen.id)
        seen.append((chosen.employee_no, ctx.rng.random(), ctx.faker.name()))

    demo.register_login("facilitator", "fasilitator@demo.kollega.no")
    demo.demo_step(step)
    try:
        result = seed(runner, "--employees", "60")
        assert "fasilitator@demo.kollega.no" in result.output
        person = db.session.scalar(
            sa.select(Person).where(Person.email == "fasilitator@demo.kollega.no")
        )
        assert person is not None and person.employee_no == seen[0][0]
        wipe()
        seed(runner, "--employees", "60")
        assert seen[1] == seen[0]
    finally:
        demo.DEMO_STEPS.remove(step)
        demo.DEMO_LOGINS[:] = [x for x in demo.DEMO_LOGINS if x.role != "facilitator"]
