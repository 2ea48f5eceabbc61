"""Every import kind with files as Norwegian Excel and HR systems write them (#23): Windows-1252
("CSV (semikolonseparert)"), an Excel ``sep=;`` first line, and rows broken in each way a
real file is (an extra field, a NUL byte, a quote that is never closed). The command line
reports each bad line by its real number in the file (the ``sep=`` line counts) and its
reason, says the file was read as Windows-1252, and imports nothing; a file larger than the
web upload's limit is refused unless ``--max-size`` is given."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from kollega.competence.models import Assessment, FormalCredential, Requirement
from kollega.extensions import db
from kollega.org.models import Job, OrgUnit, Person

HEADERS = {
    "units": "code;name;parent_code;kind",
    "people": "employee_no;name;email;unit_code;job_code;fte;birth_year;roles",
    "jobs": "code;name",
    "requirements": "scope_type;scope_code;competence_code;level;effective_from;effective_until",
    "assessments": "employee_no;competence_code;level;source;assessed_on;note",
    "credentials": "employee_no;title;kind;issuer;issued_on;expires_on;competence_code;level",
}
MODELS = {
    "units": OrgUnit,
    "people": Person,
    "jobs": Job,
    "requirements": Requirement,
    "assessments": Assessment,
    "credentials": FormalCredential,
}


def good_row(kind: str, i: int, emp: str) -> str:
    """A valid row with Norwegian letters (the i-th; each one distinct)."""
    return {
        "units": f"X{i};Øvre Åsen skole {i};A1;department",
        "people": f'N{i};Øystein Ås {i};oystein{i}@test.kollega.no;A1;ADV;"0,5";1980;',
        "jobs": f"J{i};Rådgiver {i}",
        "requirements": f"job;SJÅFØR;digcomp-2.2:4.2;3;2025-01-{i:02d};",
        "assessments": f"{emp};digcomp-2.2:4.2;3;self;2025-03-{i:02d};Vurdert på Ås",
        "credentials": f"{emp};Førstehjelp {i};course;Røde Kors;2024-01-{i:02d};;digcomp-2.2:4.2;2",
    }[kind]


def broken_file(kind: str, emp: str) -> tuple[str, dict[int, str]]:
    """The file's text and, by real line number, a pattern of what must be said about it."""
    lines = ["sep=;", HEADERS[kind]]  # lines 1 and 2
    lines += [good_row(kind, i, emp) for i in range(1, 6)]  # lines 3-7, all good
    lines.append(good_row(kind, 8, emp) + ";ekstra")  # line 8: an extra field
    nul = good_row(kind, 9, emp)
    lines.append(nul[:1] + "\x00" + nul[1:])  # line 9: a NUL byte
    lines.append(good_row(kind, 10, emp))  # line 10: good
    lines.append('"' + good_row(kind, 11, emp).replace('"', ""))  # line 11: a quote never closed
    lines.append(good_row(kind, 12, emp))  # line 12: swallowed by line 11's quote
    return "\r\n".join(lines) + "\r\n", {
        8: r"(fant|found) \d+",
        9: "NUL",
        11: "anførselstegn|quote",
    }


@pytest.fixture
def emp(org: Any, frameworks: Any) -> str:
    """An employee's number; their job code has Norwegian letters (a requirement's scope)."""
    org.employee.job_code = "SJÅFØR"
    db.session.commit()
    return org.employee.employee_no


def count(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def said_about(out: str, line: int) -> str:
    match = re.search(rf"^(?:linje|line) {line}: (.*)$", out, re.MULTILINE)
    assert match, f"nothing said about line {line}:\n{out}"
    return match.group(1)


@pytest.mark.parametrize("kind", list(HEADERS))
def test_windows_1252_file_with_broken_rows_reports_each_real_line(
    kind: str, runner: Callable[..., Any], emp: str, tmp_path: Path
) -> None:
    text, expected = broken_file(kind, emp)
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(text.encode("cp1252"))
    before = count(MODELS[kind])

    result = runner("import", kind, str(path))

    out = result.output
    assert result.exit_code != 0, out
    assert "Windows-1252" in out, out
    reported = sorted(int(n) for n in re.findall(r"^(?:linje|line) (\d+):", out, re.MULTILINE))
    assert reported == sorted(expected), out
    for line, word in expected.items():
        assert re.search(word, said_about(out, line)), out
    assert count(MODELS[kind]) == before  # nothing imported


@pytest.mark.parametrize("kind", list(HEADERS))
def test_windows_1252_file_with_a_sep_line_imports_and_says_so(
    kind: str, runner: Callable[..., Any], emp: str, tmp_path: Path
) -> None:
    lines = ["sep=;", HEADERS[kind]] + [good_row(kind, i, emp) for i in range(1, 4)]
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    before = count(MODELS[kind])

    result = runner("import", kind, str(path))

    assert result.exit_code == 0, result.output
    assert "Windows-1252" in result.output
    assert count(MODELS[kind]) > before


@pytest.mark.parametrize("kind", ["units", "people"])
def test_every_row_broken_is_reported_by_line_not_as_an_empty_file(
    kind: str, runner: Callable[..., Any], emp: str, tmp_path: Path
) -> None:
    lines = [HEADERS[kind], good_row(kind, 1, emp) + ";ekstra", '"' + good_row(kind, 2, emp)]
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))

    result = runner("import", kind, str(path))

    assert result.exit_code != 0
    assert re.search("fant|found", said_about(result.output, 2))
    assert said_about(result.output, 3)
    assert "overskriftsrad" not in result.output  # not "a header row but no rows"


def test_the_command_line_refuses_a_file_over_the_upload_limit(
    app: Any, runner: Callable[..., Any], org: Any, tmp_path: Path
) -> None:
    app.config["IMPORT_MAX_BYTES"] = 2000
    path = tmp_path / "units.csv"
    rows = [HEADERS["units"]] + [f"Y{i};Enhet {i};A1;department" for i in range(200)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    refused = runner("import", "units", str(path))
    assert refused.exit_code != 0
    assert "--max-size" in refused.output
    assert count(OrgUnit) == 7

    bad = runner("import", "units", "--max-size", "lots", str(path))
    assert bad.exit_code != 0 and "50MB" in bad.output

    allowed = runner("import", "units", "--max-size", "1MB", str(path))
    assert allowed.exit_code == 0, allowed.output
    assert count(OrgUnit) == 207


@pytest.mark.parametrize("kind", ["units", "people", "jobs"])
def test_the_upload_page_reports_the_same_real_lines(
    kind: str, emp: str, login_as: Callable[..., Any], org: Any, tmp_path: Path
) -> None:
    """HR's /import page reads the file as the command does: the preview names Windows-1252
    and lists each broken line by its real number."""
    import html
    import io

    text, expected = broken_file(kind, emp)
    client = login_as(org.hr)
    before = count(MODELS[kind])
    page = client.post(
        "/import",
        data={"kind": kind, "file": (io.BytesIO(text.encode("cp1252")), f"{kind}.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code in (200, 422), page.status_code
    body = html.unescape(page.get_data(as_text=True))
    assert "Windows-1252" in body
    bad = re.findall(
        r'<tr class="bad-row"><th scope="row" class="num">(\d+)</th><td>(.*?)</td>', body
    )
    assert sorted(int(line) for line, _ in bad) == sorted(expected), bad
    for line, message in bad:
        assert re.search(expected[int(line)], message), (line, message)
    assert count(MODELS[kind]) == before


@pytest.mark.parametrize("kind", ["requirements", "assessments", "credentials"])
def test_the_competence_upload_page_says_the_character_set(
    kind: str, emp: str, login_as: Callable[..., Any], org: Any
) -> None:
    """/competence/import reads Windows-1252 as the command does and says so, both beside the
    broken lines (by their real numbers, nothing stored) and when a good file is imported."""
    import html
    import io

    client = login_as(org.hr)
    text, expected = broken_file(kind, emp)
    before = count(MODELS[kind])
    page = client.post(
        "/competence/import",
        data={"kind": kind, "file": (io.BytesIO(text.encode("cp1252")), f"{kind}.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 422
    body = html.unescape(page.get_data(as_text=True))
    assert "Tegnsett: Windows-1252" in body
    for line in expected:
        assert f"linje {line}:" in body
    assert count(MODELS[kind]) == before

    good = "sep=;\r\n" + HEADERS[kind] + "\r\n" + good_row(kind, 1, emp) + "\r\n"
    done = client.post(
        "/competence/import",
        data={"kind": kind, "file": (io.BytesIO(good.encode("cp1252")), f"{kind}.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "Tegnsett: Windows-1252" in html.unescape(done.get_data(as_text=True))
    assert count(MODELS[kind]) == before + 1
