"""Formal competence: the credentials CSV kind (command and page), the form leaders and
HR use on the person page, GET /api/v1/people/{id}/credentials, and the flags for what
expires within 90 days."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

from kollega import clock
from kollega.competence import services
from kollega.competence.models import Assessment, FormalCredential
from kollega.extensions import db
from tests.conftest import login

CPR = "privacy-1.0:1.5"
HEADER = "employee_no,title,kind,issuer,issued_on,expires_on,competence_code,level\n"


def _credentials(person):
    return list(
        db.session.scalars(
            sa.select(FormalCredential).where(FormalCredential.person_id == person.id)
        )
    )


def test_credentials_csv_one_credential_per_employee_title_and_date(
    org, frameworks, runner, tmp_path
):
    eva, per = org.employee.employee_no, org.other_employee.employee_no
    good = tmp_path / "creds.csv"
    good.write_text(
        HEADER
        + f"{eva},Førstehjelp og HLR,certificate,Norsk Førstehjelpsråd,2021-12-15,2023-12-15,{CPR},2\n"
        + f"{eva},Helsefagarbeider,education,Fagskolen,2015-06-20,,privacy-1.0:1.2,3\n"
        + f"{eva},Helsefagarbeider,education,Fagskolen,2015-06-20,,privacy-1.0:1.3,2\n"
        + f"{per},Førstehjelp og HLR,certificate,Norsk Førstehjelpsråd,2025-01-10,2027-01-10,{CPR},2\n",
        encoding="utf-8",
    )
    result = runner("import", "credentials", str(good))
    assert result.exit_code == 0, result.output
    assert "credentials: 3 created, 0 updated, 0 unchanged" in result.output
    db.session.expire_all()
    creds = {c.title: c for c in _credentials(org.employee)}
    assert creds["Helsefagarbeider"].expires_on is None
    assert sorted(
        (cc.competence.code, cc.level) for cc in creds["Helsefagarbeider"].competences
    ) == [
        ("privacy-1.0:1.2", 3),
        ("privacy-1.0:1.3", 2),
    ]
    # Each competence is a formal assessment on the issue date; the expired one no longer counts.
    c = services.competence_by_code(CPR)
    assert services.current_level(org.employee, c, dt.date(2023, 1, 1)) == 2
    assert services.current_level(org.employee, c, clock.today()) == 0
    assert services.current_level(org.other_employee, c, dt.date(2026, 1, 1)) == 2
    # Importing the same file again changes nothing.
    again = runner("import", "credentials", str(good))
    assert "0 created, 0 updated, 3 unchanged" in again.output
    assert db.session.query(Assessment).filter_by(source="formal").count() == 4


def test_credentials_csv_with_bad_rows_imports_nothing_and_names_each(
    org, frameworks, runner, tmp_path
):
    eva = org.employee.employee_no
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + f"{eva},HLR,certificate,NFR,2024-01-01,2026-01-01,{CPR},2\n"
        + "999999,HLR,certificate,NFR,2024-01-01,2026-01-01,privacy-1.0:1.5,2\n"
        + f"{eva},Kurs,diploma,NFR,2024-01-01,,{CPR},2\n"
        + f"{eva},Kurs2,course,NFR,01.01.2024,,{CPR},2\n"
        + f"{eva},Kurs3,course,NFR,2024-01-01,2023-01-01,{CPR},2\n"
        + f"{eva},Kurs4,course,NFR,2024-01-01,,nope:1,2\n"
        + f"{eva},Kurs5,course,NFR,2024-01-01,,{CPR},99\n"
        + f"{eva},HLR,course,NFR,2024-01-01,2026-01-01,privacy-1.0:1.2,2\n"
        + f"{eva},HLR,certificate,NFR,2024-01-01,2026-01-01,{CPR},3\n",
        encoding="utf-8",
    )
    result = runner("import", "credentials", str(bad))
    assert result.exit_code != 0
    out = result.output
    for line, reason in [
        (3, "999999"),
        (4, "diploma"),
        (5, "01.01.2024"),
        (6, "expires_on"),
        (7, "nope:1"),
        (8, "99"),
        (9, " 2"),
        (10, " 2"),
    ]:
        rows = [r for r in out.splitlines() if re.match(rf"(line|linje) {line}:", r)]
        assert rows and reason in rows[0], (line, out)
    assert not re.search(r"^(line|linje) 2:", out, re.M)
    assert _credentials(org.employee) == []


def test_credentials_import_page(client, org, frameworks):
    login(client, org.hr)
    eva = org.employee.employee_no
    body = HEADER + f"{eva},HLR,certificate,NFR,2025-01-01,2027-01-01,{CPR},2\n"
    r = client.post(
        "/competence/import",
        data={"kind": "credentials", "file": (io.BytesIO(body.encode()), "c.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert [c.title for c in _credentials(org.employee)] == ["HLR"]
    r = client.post(
        "/competence/import",
        data={"kind": "credentials", "file": (io.BytesIO(b"title\nx\n"), "c.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and 'id="i-file-error"' in r.get_data(as_text=True)
    r = client.post("/competence/import", data={"kind": "credentials"})
    assert r.status_code == 422 and 'id="i-file-error"' in r.get_data(as_text=True)


def _form(**extra):
    return {
        "kind": "certificate",
        "title": "Førstehjelp og HLR",
        "issuer": "Norsk Førstehjelpsråd",
        "issued_on": "2025-02-01",
        "expires_on": "2027-02-01",
        "competence": [CPR, "", ""],
        "level": ["2", "", ""],
    } | extra


def test_leaders_and_hr_register_credentials_on_the_person_page(client, org, frameworks):
    login(client, org.leader)
    page = client.get(f"/people/{org.employee.id}").get_data(as_text=True)
    assert "Registrer dokumentasjon for Eva Ansatt" in page
    assert f'action="/competence/people/{org.employee.id}/credentials"' in page
    r = client.post(f"/competence/people/{org.employee.id}/credentials", data=_form())
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/people/{org.employee.id}")
    cred = _credentials(org.employee)[0]
    assert cred.registered_by_id == org.leader.id and cred.expires_on == dt.date(2027, 2, 1)
    client.post("/logout")
    login(client, org.hr)
    r = client.post(
        f"/competence/people/{org.other_employee.id}/credentials", data=_form(title="Autorisasjon")
    )
    assert r.status_code == 302 and len(_credentials(org.other_employee)) == 1
    client.post("/logout")
    # Not the leader of B1, not a colleague: refused on the server, nothing stored.
    for who in ("other_leader", "colleague"):
        login(client, getattr(org, who))
        r = client.post(f"/competence/people/{org.employee.id}/credentials", data=_form())
        assert r.status_code == 403
        client.post("/logout")
    assert len(_credentials(org.employee)) == 1


def test_credentials_api_for_the_person_their_leaders_and_hr(client, org, frameworks):
    login(client, org.leader)
    client.post(f"/competence/people/{org.employee.id}/credentials", data=_form())
    today = clock.today()
    soon = (today + dt.timedelta(days=30)).isoformat()
    client.post(
        f"/competence/people/{org.employee.id}/credentials",
        data=_form(title="Kurs", kind="course", issued_on="2024-01-01", expires_on=soon),
    )
    body = client.get(f"/api/v1/people/{org.employee.id}/credentials").get_json()
    by_title = {c["title"]: c for c in body["credentials"]}
    assert by_title["Førstehjelp og HLR"]["competences"] == [{"code": CPR, "level": 2}]
    assert by_title["Kurs"]["expiring_soon"] is True and by_title["Kurs"]["valid"] is True
    assert by_title["Kurs"]["expires_on"] == soon
    client.post("/logout")
    for who, status in (("employee", 200), ("hr", 200), ("colleague", 403), ("other_leader", 403)):
        login(client, getattr(org, who))
        assert client.get(f"/api/v1/people/{org.employee.id}/credentials").status_code == status
        client.post("/logout")
    login(client, org.hr)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/people/{person_id}/credentials" in spec["paths"] or any(
        p.endswith("/people/{person_id}/credentials") for p in spec["paths"]
    )


def test_expiring_within_90_days_is_flagged_to_the_person_and_the_leader(client, org, frameworks):
    from kollega.competence import credentials

    c = services.competence_by_code(CPR)
    today = clock.today()
    in_60 = today + dt.timedelta(days=60)
    credentials.add_credential(
        org.hr,
        org.employee,
        "certificate",
        "HLR",
        "",
        today - dt.timedelta(days=300),
        in_60,
        [(c, 2)],
    )
    # Far away: not flagged. Expired but renewed: not flagged.
    credentials.add_credential(
        org.hr, org.employee, "course", "Langt unna", "", today, today + dt.timedelta(days=400)
    )
    credentials.add_credential(
        org.hr, org.employee, "certificate", "HLR", "", dt.date(2020, 1, 1), dt.date(2022, 1, 1)
    )
    db.session.commit()
    soon, gone = credentials.expiring([org.employee.id], today)
    assert [x.title for x in soon] == ["HLR"] and gone == []
    # A credential expiring today no longer counts: it is expired, not expiring.
    soon, gone = credentials.expiring([org.employee.id], in_60)
    assert soon == [] and [x.expires_on for x in gone] == [in_60]

    shown = in_60.strftime("%Y")
    login(client, org.employee)
    mine = client.get("/competence/").get_data(as_text=True)
    assert 'class="expiring"' in mine and "HLR" in mine and shown in mine
    client.post("/logout")
    login(client, org.leader)
    team = client.get("/competence/team/A1").get_data(as_text=True)
    assert "Eva Ansatt – HLR" in team and shown in team
    person = client.get(f"/people/{org.employee.id}").get_data(as_text=True)
    assert 'class="expiring"' in person
