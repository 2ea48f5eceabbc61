"""Job codes with readable names: the ``jobs`` CSV kind (command and upload page), the
``job_name`` filter on pages, and the names the demo municipality loads (#21)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.errors import PermissionDenied
from kollega.extensions import db
from kollega.org.imports import check, import_jobs, store_job_names
from kollega.org.models import Job, job_names
from tests.factories import Org, make_person


def jobs_csv(rows: list[str], header: str = "code,name", bom: bool = False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def count_jobs() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Job)) or 0


def test_command_imports_names_then_renames(app: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_bytes(
        jobs_csv(
            ["laerer;Lærer", "barne_ungdomsarbeider;Barne- og ungdomsarbeider"],
            header="code;name",
            bom=True,
        )
    )
    result = runner("import", "jobs", str(path))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output or "2 opprettet" in result.output
    assert job_names() == {"laerer": "Lærer", "barne_ungdomsarbeider": "Barne- og ungdomsarbeider"}

    path.write_bytes(jobs_csv(["laerer,Lærar", "lektor,Lektor"]))
    result = runner("import", "jobs", str(path))
    assert result.exit_code == 0, result.output
    assert job_names()["laerer"] == "Lærar"
    assert count_jobs() == 3


def test_bad_rows_are_all_reported_and_nothing_is_stored(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    store_job_names({"laerer": "Lærer"})
    db.session.commit()
    rows = [
        "lektor,Lektor",  # line 2: good
        ",Uten kode",  # line 3: no code
        "sykepleier,",  # line 4: no name
        "lektor,Lektor igjen",  # line 5: twice
        "x" * 33 + ",For lang",  # line 6: code too long
        "laerer,Lærar",  # line 7: good (a rename)
    ]
    path = tmp_path / "jobs.csv"
    path.write_bytes(jobs_csv(rows))
    result = runner("import", "jobs", str(path))
    assert result.exit_code != 0
    for line in (3, 4, 5, 6):
        assert f"line {line}:" in result.output or f"linje {line}:" in result.output
    assert "line 2:" not in result.output and "linje 2:" not in result.output
    db.session.expire_all()
    assert job_names() == {"laerer": "Lærer"}  # nothing stored, not even the good rows


def test_check_counts_created_updated_unchanged(org: Org) -> None:
    store_job_names({"laerer": "Lærer", "lektor": "Lektor"})
    plan = check(
        "jobs",
        io.BytesIO(jobs_csv(["laerer,Lærer", "lektor,Lektor i skolen", "assistent,Assistent"])),
        org.hr,
    )
    assert plan.ok
    assert (plan.report.created, plan.report.updated, plan.report.unchanged) == (1, 1, 1)


def test_employee_may_not_import_jobs(org: Org) -> None:
    with pytest.raises(PermissionDenied):
        import_jobs(io.BytesIO(jobs_csv(["laerer,Lærer"])), org.employee)
    assert count_jobs() == 0


def upload(client: Any, data: bytes) -> Any:
    return client.post(
        "/import",
        data={"kind": "jobs", "file": (io.BytesIO(data), "jobs.csv")},
        content_type="multipart/form-data",
    )


def test_upload_page_previews_then_imports_and_pages_show_names(org: Org, login_as: Any) -> None:
    make_person(org.unit_a1, name="Tone Lærer", job_code="laerer")
    make_person(org.unit_a1, name="Siv Ukjent", job_code="ukjent_kode")
    db.session.commit()
    client = login_as(org.hr)

    bad = upload(client, jobs_csv(["laerer,Lærer", ",Tom kode"]))
    assert bad.status_code == 422
    assert 'action="/import/confirm"' not in bad.data.decode()
    assert count_jobs() == 0

    preview = upload(client, jobs_csv(["laerer,Lærer"]))
    assert preview.status_code == 200
    html = preview.data.decode()
    assert "Stillingsnavn" in html and 'action="/import/confirm"' in html
    assert count_jobs() == 0
    assert client.post("/import/confirm").status_code == 303
    assert job_names() == {"laerer": "Lærer"}

    page = client.get(f"/units/{org.unit_a1.code}").data.decode()
    assert "<td>Lærer</td>" in page
    assert "<td>laerer</td>" not in page
    assert "<td>ukjent_kode</td>" in page  # no name: the code itself
    assert "<td>1,00</td>" not in page and '<td class="num">1,00</td>' in page


def test_windows_1252_file_from_excel_is_read_and_said(
    org: Org, runner: Any, login_as: Any, tmp_path: Path
) -> None:
    """Excel in Norway saves "CSV (semikolonseparert)" as Windows-1252 with a sep= line."""
    data = "sep=;\r\ncode;name\r\nlaerer;Lærer\r\nhelsefagarbeider;Helsefagarbeider – natt\r\n"
    path = tmp_path / "stillinger.csv"
    path.write_bytes(data.encode("cp1252"))
    result = runner("import", "jobs", str(path))
    assert result.exit_code == 0, result.output
    assert "Windows-1252" in result.output
    assert job_names() == {"laerer": "Lærer", "helsefagarbeider": "Helsefagarbeider – natt"}

    client = login_as(org.hr)
    preview = upload(client, "code;name\r\nlektor;Lektor på ungdomstrinnet\r\n".encode("cp1252"))
    assert preview.status_code == 200
    html = preview.data.decode()
    assert "Windows-1252" in html and "Lektor på ungdomstrinnet" in html
    bad = upload(client, "sep=;\r\ncode;name\r\n;Uten kode\r\n".encode("cp1252"))
    assert bad.status_code == 422
    assert '<th scope="row" class="num">3</th>' in bad.data.decode()  # the file's own line
