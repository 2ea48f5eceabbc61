"""Importing units and people: the services and ``kollega import units|people``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.audit.models import AuditEvent
from kollega.csvio import CsvFileError
from kollega.extensions import db
from kollega.org.imports import check_people, import_people, import_units
from kollega.org.models import OrgUnit, Person, UnitLeader
from tests.factories import Org, make_person
from tests.org.csvdata import people_csv, people_rows, units_csv, with_three_bad_rows


def count_people() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person)) or 0


def person(employee_no: str) -> Person:
    found = db.session.scalar(sa.select(Person).where(Person.employee_no == employee_no))
    assert found is not None
    return found


def unit(code: str) -> OrgUnit:
    found = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
    assert found is not None
    return found


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# --- the done-when point, through the command line ------------------------------------


def test_500_rows_with_3_bad_reports_all_and_stores_nothing_then_imports(
    org: Org, runner: Any, tmp_path: Path
) -> None:
    before = count_people()
    rows = people_rows(500)
    bad, lines = with_three_bad_rows(rows)

    result = runner("import", "people", write(tmp_path, "bad.csv", people_csv(bad)))
    assert result.exit_code != 0
    reported = [
        int(line.split(":")[0].split()[-1])
        for line in result.output.splitlines()[1:]
        if line.strip()
    ]
    assert sorted(set(reported)) == lines
    assert "3" in result.output.splitlines()[0]
    db.session.expire_all()
    assert count_people() == before

    result = runner("import", "people", write(tmp_path, "good.csv", people_csv(rows)))
    assert result.exit_code == 0, result.output
    assert "500" in result.output
    db.session.expire_all()
    assert count_people() == before + 500
    first = person("N00001")
    assert [u.code for u in first.led_units] == [first.unit.code]
    assert person("N00007").fte == 0.5
    assert person("N00097").is_hr


def test_reimport_updates_by_employee_no(org: Org, runner: Any, tmp_path: Path) -> None:
    rows = people_rows(20)
    assert runner("import", "people", write(tmp_path, "a.csv", people_csv(rows))).exit_code == 0
    rows[3][1] = "Nytt Navn"
    rows[4][3] = "B1" if rows[4][3] != "B1" else "A1"
    rows[5][2] = "ny.adresse@import.kollega.no"
    result = runner("import", "people", write(tmp_path, "b.csv", people_csv(rows)))
    assert result.exit_code == 0, result.output
    assert "0" in result.output and "3" in result.output
    db.session.expire_all()
    assert count_people() == 20 + 9  # the org fixture has nine people
    assert person(rows[3][0]).name == "Nytt Navn"
    assert person(rows[4][0]).unit.code == rows[4][3]
    assert person(rows[5][0]).email == "ny.adresse@import.kollega.no"


def test_cli_file_errors_are_one_line(org: Org, runner: Any, tmp_path: Path) -> None:
    result = runner("import", "people", write(tmp_path, "h.csv", b"employee_no,name\n1,x\n"))
    assert result.exit_code != 0
    assert "email" in result.output and "roles" in result.output
    result = runner("import", "units", str(tmp_path / "missing.csv"))
    assert result.exit_code != 0


def test_cli_header_only_file_is_refused(org: Org, runner: Any, tmp_path: Path) -> None:
    result = runner("import", "people", write(tmp_path, "empty.csv", people_csv([])))
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1


def test_cli_progress_bar_for_large_files(org: Org, runner: Any, tmp_path: Path) -> None:
    result = runner("import", "people", write(tmp_path, "big.csv", people_csv(people_rows(2100))))
    assert result.exit_code == 0, result.output
    assert "2100" in result.stdout
    assert "rows" in result.stderr or "lines" in result.stderr


def test_cli_units_then_people(app: Any, runner: Any, tmp_path: Path) -> None:
    units = units_csv(
        [
            ["S1", "Fjell skole", "OPP", "unit"],
            ["K", "Testkommune", "", "municipality"],
            ["OPP", "Oppvekst", "K", "division"],
        ]
    )
    result = runner("import", "units", write(tmp_path, "u.csv", units))
    assert result.exit_code == 0, result.output
    rows = [["1", "Ola Nordmann", "ola@import.kollega.no", "S1", "", "", "", "leader"]]
    result = runner("import", "people", write(tmp_path, "p.csv", people_csv(rows)))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    ola = person("1")
    assert ola.has_role("leader") and ola.has_role("employee")
    assert ola.fte == 1.0 and ola.birth_year is None and ola.job_code is None


# --- file formats -----------------------------------------------------------------------


def test_semicolon_and_bom(org: Org) -> None:
    rows = people_rows(5)
    report = import_people(io.BytesIO(people_csv(rows, sep=";", bom=True)))
    assert report.ok, report.errors
    assert report.created == 5
    assert person("N00003").fte == 1.0
    assert person("N00007" if False else "N00001").name == "Ansatt Nummer 1"


def test_decimal_comma_in_semicolon_file(org: Org) -> None:
    rows = people_rows(7)
    report = import_people(io.BytesIO(people_csv(rows, sep=";")))
    assert report.ok, report.errors
    assert person("N00007").fte == 0.5


def test_header_problems_raise(org: Org) -> None:
    with pytest.raises(CsvFileError):
        import_people(io.BytesIO(b""))
    with pytest.raises(CsvFileError) as exc:
        import_people(io.BytesIO(b"employee_no;name;email;unit;job_code;fte;birth_year;roles\n"))
    assert "unit_code" in str(exc.value.message)


# --- people validation --------------------------------------------------------------------


def errors_for(rows: list[list[str]]) -> dict[int, str]:
    plan = check_people(io.BytesIO(people_csv(rows)))
    found: dict[int, str] = {}
    for line, message in plan.report.errors:
        found[line] = found.get(line, "") + str(message) + " "
    return found


def test_every_kind_of_bad_row_is_reported(org: Org) -> None:
    ok = ["P1", "Navn", "p1@import.kollega.no", "A1", "X", "1", "1980", ""]

    def variant(i: int, **change: str) -> list[str]:
        row = [f"P{i}", f"Navn {i}", f"p{i}@import.kollega.no", *ok[3:]]
        columns = ["employee_no", "name", "email", "unit_code", "job_code", "fte", "birth_year"]
        for key, value in change.items():
            if key == "roles":
                row[7] = value
            else:
                row[columns.index(key)] = value
        return row

    rows = [
        ok,  # line 2
        variant(3, name=""),  # 3: empty name
        variant(4, email="not-an-address"),  # 4
        variant(5, unit_code="ZZ"),  # 5: unknown unit
        variant(6, fte="2,5"),  # 6: fte out of range
        variant(7, fte="abc"),  # 7
        variant(8, birth_year="1850"),  # 8
        variant(9, birth_year="nineteen"),  # 9
        variant(10, roles="employee|boss"),  # 10: unknown role
        variant(11, employee_no="P1"),  # 11: employee_no twice
        variant(12, email="P1@import.kollega.no"),  # 12: e-mail twice (case-insensitive)
        variant(13, email=org.employee.email),  # 13: e-mail of another person in kollega
        variant(14, unit_code=""),  # 14: no unit and not a guest
        variant(15, unit_code="", roles="guest"),  # 15: fine, a guest
        variant(16, roles="guest|hr"),  # 16: a guest with other roles
        variant(17, employee_no=""),  # 17
        variant(18, unit_code="A1 B"),  # 18: no such unit
        ["P19", "Navn", "p19@import.kollega.no", "A1"],  # 19: too few fields
    ]
    data = people_csv(rows[:-1]) + b"P19,Navn,p19@import.kollega.no,A1\r\n"
    plan = check_people(io.BytesIO(data))
    bad = {line for line, _ in plan.report.errors}
    assert bad == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19}
    messages = errors_for(rows[:-1])
    assert "ZZ" in messages[5]
    assert "line 2" in messages[11] or "2" in messages[11]
    assert org.employee.name in messages[13]
    assert plan.report.bad_rows == 16
    assert [line for line, _ in plan.report.errors] == sorted(
        line for line, _ in plan.report.errors
    )


def test_bad_file_stores_nothing(org: Org) -> None:
    before = count_people()
    rows = people_rows(10)
    rows[9][5] = "9"
    report = import_people(io.BytesIO(people_csv(rows)))
    assert not report.ok
    assert report.created == 0
    db.session.expire_all()
    assert count_people() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_leader_role_follows_the_file(org: Org) -> None:
    rows = [["L1", "Lise", "lise2@import.kollega.no", "A2", "", "1", "", "leader|hr"]]
    assert import_people(io.BytesIO(people_csv(rows))).ok
    lise = person("L1")
    assert [u.code for u in lise.led_units] == ["A2"]
    assert lise.stored_roles == {"employee", "hr"}
    rows[0][7] = ""
    report = import_people(io.BytesIO(people_csv(rows)))
    assert report.ok and report.updated == 1
    db.session.expire_all()
    lise = person("L1")
    assert lise.led_units == []
    assert lise.stored_roles == {"employee"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitLeader)) == 2


def test_existing_person_updated_and_emails_may_swap(org: Org) -> None:
    a = make_person(org.unit_a1, email="a@import.kollega.no")
    b = make_person(org.unit_a1, email="b@import.kollega.no")
    db.session.commit()
    rows = [
        [a.employee_no, a.name, "b@import.kollega.no", "A1", "X", "1", "1980", ""],
        [b.employee_no, b.name, "a@import.kollega.no", "A1", "X", "1", "1980", ""],
    ]
    report = import_people(io.BytesIO(people_csv(rows)))
    assert report.ok, report.errors
    assert report.updated == 2
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Person, a.id).email == "b@import.kollega.no"
    assert db.session.get(Person, b.id).email == "a@import.kollega.no"
    # The password stays: an import never touches sign-in.
    assert db.session.get(Person, a.id).password_hash


def test_unchanged_rows_counted_and_audit_has_counts_only(org: Org) -> None:
    rows = people_rows(4)
    import_people(io.BytesIO(people_csv(rows)), actor=org.hr)
    report = import_people(io.BytesIO(people_csv(rows)), actor=org.hr)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    events = list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "org.import_people"))
    )
    assert len(events) == 2
    assert events[0].actor_id == org.hr.id
    assert events[0].details["created"] == 4
    assert "ansatt1@import.kollega.no" not in str(events[0].details)


def test_employee_may_not_import(org: Org) -> None:
    from kollega.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_people(io.BytesIO(people_csv(people_rows(2))), actor=org.employee)


# --- units ----------------------------------------------------------------------------------


def test_units_parent_later_in_file_and_paths(app: Any) -> None:
    data = units_csv(
        [
            ["D1", "Avdeling 1", "S1", "department"],
            ["S1", "Fjell skole", "OPP", "unit"],
            ["OPP", "Oppvekst", "K", "division"],
            ["K", "Testkommune", "", "municipality"],
        ]
    )
    report = import_units(io.BytesIO(data))
    assert report.ok, report.errors
    assert report.created == 4
    k, opp, s1, d1 = unit("K"), unit("OPP"), unit("S1"), unit("D1")
    assert d1.path == f"/{k.id}/{opp.id}/{s1.id}/{d1.id}/"
    assert d1.depth == 3
    # Moving a unit moves its subtree.
    data = units_csv([["S1", "Fjell skole", "K", "unit"], ["OPP", "Oppvekst", "K", "division"]])
    report = import_units(io.BytesIO(data))
    assert (report.updated, report.unchanged) == (1, 1)
    db.session.expire_all()
    assert unit("D1").path == f"/{k.id}/{s1.id}/{d1.id}/"
    assert unit("S1").parent_id == k.id


def test_units_cycle_in_file_and_with_database(org: Org) -> None:
    data = units_csv([["X", "X", "Y", "unit"], ["Y", "Y", "X", "unit"], ["Z", "Z", "Z", "unit"]])
    report = import_units(io.BytesIO(data))
    assert {line for line, _ in report.errors} == {2, 3, 4}
    # A1 is below A in the database: making A a child of A1 is a cycle.
    data = units_csv([["A", "Oppvekst", "A1", "division"]])
    report = import_units(io.BytesIO(data))
    assert [line for line, _ in report.errors] == [2]
    assert "A1" in str(report.errors[0][1])
    db.session.expire_all()
    assert unit("A").parent_id == org.root.id


def test_units_bad_rows(org: Org) -> None:
    data = units_csv(
        [
            ["N1", "Ny", "NOSUCH", "unit"],  # 2: unknown parent
            ["N2", "Ny", "K", "team"],  # 3: unknown kind
            ["N3", "", "K", "unit"],  # 4: empty name
            ["N4", "Ny", "K", "unit"],  # 5: fine
            ["N4", "Ny igjen", "K", "unit"],  # 6: twice
            ["N5", "Ny", "N2", "Unit"],  # 7: fine: parent with a bad row, kind any case
            ["N 6", "Ny", "K", "unit"],  # 8: a space in a new code
        ]
    )
    report = import_units(io.BytesIO(data))
    assert {line for line, _ in report.errors} == {2, 3, 4, 6, 8}
    assert db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "N4")) is None
