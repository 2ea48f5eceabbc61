"""The HR upload page: permission, preview with every bad row, confirm, bad uploads."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.extensions import db
from kollega.org.models import OrgUnit, Person
from tests.factories import Org
from tests.org.csvdata import people_csv, people_rows, units_csv, with_three_bad_rows


def count_people() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person)) or 0


def upload(client: Any, data: bytes, kind: str = "people", name: str = "people.csv") -> Any:
    return client.post(
        "/import",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def waiting_files(app: Any) -> list[Path]:
    folder = Path(app.instance_path) / "imports"
    return list(folder.glob("*")) if folder.exists() else []


@pytest.mark.parametrize("who", ["employee", "leader", "guest"])
def test_only_hr_and_admin_may_import(org: Org, login_as: Any, who: str) -> None:
    client = login_as(getattr(org, who))
    assert client.get("/import").status_code == 403
    assert upload(client, people_csv(people_rows(2))).status_code == 403
    assert client.post("/import/confirm").status_code == 403
    assert count_people() == 9


@pytest.mark.parametrize("who", ["hr", "admin"])
def test_hr_and_admin_see_the_page_and_the_menu(org: Org, login_as: Any, who: str) -> None:
    client = login_as(getattr(org, who))
    page = client.get("/import")
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.data
    assert b'href="/import"' in client.get("/").data


def test_signed_out_is_sent_to_sign_in(org: Org, client: Any) -> None:
    response = client.get("/import")
    assert response.status_code in (302, 401)


def test_500_rows_3_bad_preview_then_corrected_file_imports(
    app: Any, org: Org, login_as: Any
) -> None:
    client = login_as(org.hr)
    before = count_people()
    rows = people_rows(500)
    bad, lines = with_three_bad_rows(rows)

    response = upload(client, people_csv(bad))
    assert response.status_code == 422
    html = response.data.decode()
    shown = [
        int(n)
        for n in re.findall(r'<tr class="bad-row"><th scope="row" class="num">(\d+)</th>', html)
    ]
    assert shown == lines
    assert "NOSUCH" in html
    assert 'action="/import/confirm"' not in html
    assert count_people() == before
    assert waiting_files(app) == []

    response = upload(client, people_csv(rows))
    assert response.status_code == 200
    html = response.data.decode()
    assert 'action="/import/confirm"' in html
    assert "Ansatt Nummer 1<" in html  # the preview shows the first rows
    assert "500" in html
    assert count_people() == before  # nothing before the confirmation
    assert len(waiting_files(app)) == 1

    response = client.post("/import/confirm")
    assert response.status_code == 303
    assert count_people() == before + 500
    assert waiting_files(app) == []
    assert "500" in client.get(response.headers["Location"]).data.decode()
    # Confirming again has nothing to import.
    response = client.post("/import/confirm")
    assert response.status_code == 303
    assert count_people() == before + 500


def test_messages_in_the_users_language(org: Org, login_as: Any) -> None:
    client = login_as(org.hr)
    rows = people_rows(3)
    rows[1][5] = "tre"
    html = upload(client, people_csv(rows)).data.decode()
    assert "fte tre er ikke et tall." in html
    client.post("/language", data={"lang": "en", "next": "/import"})
    html = upload(client, people_csv(rows)).data.decode()
    assert "fte tre is not a number." in html


def test_units_upload_and_cancel(app: Any, org: Org, login_as: Any) -> None:
    client = login_as(org.admin)
    data = units_csv([["N1", "Ny avdeling", "A1", "department"]])
    response = upload(client, data, kind="units", name="units.csv")
    assert response.status_code == 200
    assert len(waiting_files(app)) == 1
    response = client.post("/import/cancel")
    assert response.status_code == 303
    assert waiting_files(app) == []
    assert client.post("/import/confirm").status_code == 303
    assert db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "N1")) is None
    # And now for real.
    upload(client, data, kind="units", name="units.csv")
    assert client.post("/import/confirm").status_code == 303
    new = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "N1"))
    assert new is not None and new.path.startswith(org.unit_a1.path)


def test_confirm_checks_again(app: Any, org: Org, login_as: Any) -> None:
    client = login_as(org.hr)
    rows = people_rows(2)
    rows[1][2] = "new.person@import.kollega.no"
    assert upload(client, people_csv(rows)).status_code == 200
    # Meanwhile someone takes that e-mail.
    org.employee.email = "new.person@import.kollega.no"
    db.session.commit()
    response = client.post("/import/confirm")
    assert response.status_code == 409
    assert b"new.person@import.kollega.no" in response.data
    assert count_people() == 9
    assert waiting_files(app) == []


@pytest.mark.parametrize(
    ("data", "name", "status", "text"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", 422, "CSV"),
        (b"PK\x03\x04", "people.xlsx", 415, "people.xlsx"),
        (b"", "people.csv", 422, "header"),
        (
            b"employee_no,name,email,unit_code,job_code,fte,birth_year,roles\r\n",
            "p.csv",
            422,
            "no rows",
        ),
        (b"name,email\nOla,ola@x.no\n", "people.csv", 422, "employee_no"),
        ("employee_no,name\n1,Åse\n".encode("latin-1"), "people.csv", 422, "UTF-8"),
    ],
)
def test_bad_uploads(
    app: Any, org: Org, login_as: Any, data: bytes, name: str, status: int, text: str
) -> None:
    client = login_as(org.hr)
    client.post("/language", data={"lang": "en", "next": "/import"})
    response = upload(client, data, name=name)
    assert response.status_code == status
    assert text in response.data.decode()
    assert b'class="error"' in response.data
    assert count_people() == 9
    assert waiting_files(app) == []


def test_too_large_and_missing_file(app: Any, org: Org, login_as: Any) -> None:
    client = login_as(org.hr)
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = upload(client, people_csv(people_rows(50)))
    assert response.status_code == 413
    assert b'class="error"' in response.data
    assert waiting_files(app) == []
    response = client.post("/import", data={"kind": "people"}, content_type="multipart/form-data")
    assert response.status_code == 422
    response = upload(client, people_csv(people_rows(2)), kind="teams")
    assert response.status_code == 422
    assert count_people() == 9
