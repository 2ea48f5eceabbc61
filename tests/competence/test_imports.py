"""kollega import requirements|assessments: all or nothing, every bad row by line."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kollega.competence import services
from kollega.competence.models import Assessment, Requirement
from kollega.extensions import db
from tests.conftest import login


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_bad_assessments_file_reports_each_row_and_stores_nothing(
    runner, org, frameworks, tmp_path
):
    e = org.employee.employee_no
    f = tmp_path / "assessments.csv"
    f.write_text(
        "employee_no,competence_code,level,source,assessed_on\n"
        f"{e},digcomp-2.2:1.1,3,self,2025-05-01\n"  # line 2: good
        f"{e},digcomp-9.9:1.1,3,self,2025-05-01\n"  # line 3: unknown competence code
        f"{e},privacy-1.0:1.1,7,leader,2025-05-01\n"  # line 4: outside the 1-4 scale
        "E99999,digcomp-2.2:1.1,2,self,2025-05-01\n"  # line 5: unknown employee
        f"{e},digcomp-2.2:1.2,2,self,01.05.2025\n",  # line 6: malformed date
        encoding="utf-8",
    )
    result = runner("import", "assessments", str(f))
    assert result.exit_code != 0
    out = result.output
    for line in (3, 4, 5, 6):
        assert f"{line}:" in out or f"linje {line}" in out or f"line {line}" in out, out
    assert "digcomp-9.9:1.1" in out and "E99999" in out and "01.05.2025" in out and "7" in out
    assert "line 2" not in out and "linje 2:" not in out
    assert count(Assessment) == 0


def test_good_assessments_file_imports_with_semicolons_and_reimport_is_unchanged(
    runner, org, frameworks, tmp_path
):
    e = org.employee.employee_no
    f = tmp_path / "a.csv"
    f.write_text(
        "\ufeffemployee_no;competence_code;level;source;assessed_on\n"
        f"{e};digcomp-2.2:1.1;3;self;2025-05-01\n"
        f"{e};digcomp-2.2:1.1;4;leader;2025-05-01\n",
        encoding="utf-8",
    )
    result = runner("import", "assessments", str(f))
    assert result.exit_code == 0, result.output
    assert count(Assessment) == 2
    c = services.competence_by_code("digcomp-2.2:1.1")
    assert services.current_level(org.employee, c, dt.date(2025, 5, 1)) == 4
    assert runner("import", "assessments", str(f)).exit_code == 0
    assert count(Assessment) == 2


def test_requirements_import(runner, org, frameworks, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text(
        "scope_type,scope_code,competence_code,level,effective_from,effective_until\n"
        "unit,B,privacy-1.0:1.3,3,2025-01-01,\n"
        "job,ADV,digcomp-2.2:4.2,4,2025-01-01,2027-01-01\n",
        encoding="utf-8",
    )
    result = runner("import", "requirements", str(f))
    assert result.exit_code == 0, result.output
    assert count(Requirement) == 2
    c = services.competence_by_code("privacy-1.0:1.3")
    assert services.required_level(org.other_employee, c, dt.date(2026, 1, 1)) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "scope_type,scope_code,competence_code,level,effective_from,effective_until\n"
        "unit,NOPE,privacy-1.0:1.3,3,2025-01-01,\n"
        "team,B,privacy-1.0:1.3,3,2025-01-01,\n"
        "job,NOJOB,privacy-1.0:1.3,3,2025-01-01,\n"
        "unit,B,privacy-1.0:1.3,3,2025-01-01,2024-01-01\n"
        "unit,B,privacy-1.0:1.3,0,2025-02-30,\n",
        encoding="utf-8",
    )
    result = runner("import", "requirements", str(bad))
    assert result.exit_code != 0
    for line in (2, 3, 4, 5, 6):
        assert f" {line}:" in result.output, result.output
    assert count(Requirement) == 2


def test_upload_page_is_all_or_nothing(client, org, frameworks):
    import io

    login(client, org.hr)
    e = org.employee.employee_no
    data = (
        "employee_no,competence_code,level,source,assessed_on\n"
        f"{e},digcomp-2.2:1.1,3,self,2025-05-01\n"
        f"{e},digcomp-2.2:1.1,3,boss,2025-05-01\n"
    ).encode()
    r = client.post(
        "/competence/import",
        data={"kind": "assessments", "file": (io.BytesIO(data), "a.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "boss" in r.get_data(as_text=True)
    assert count(Assessment) == 0
    client.post("/logout")
    login(client, org.leader)
    assert client.get("/competence/import").status_code == 403
