"""Fuzzing the CSV imports: generated files to the org import (units, people) and the
competence import (requirements, assessments), through the services, the upload pages
and the ``kollega import ...`` commands.

A file is a header (right, shuffled, upper-cased, with a column missing, repeated or
extra, or junk), rows whose cells are mostly plausible values for their column mixed with
junk (formula-injection cells, control characters, huge cells, any unicode), a delimiter
(``,`` ``;`` tab ``|``), an encoding (UTF-8 with or without BOM, UTF-16, Latin-1) and a
mutation (cut anywhere, stray bytes, empty, binary). Every import must end in a report or
its own ``CsvFileError``, never another exception; a refused file stores nothing; every
row error carries a line number inside the file.

Derandomized and bounded (``EXAMPLES`` per kind and channel); ``FUZZ_CASES`` counts what
was sent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from kollega.competence import imports as competence_imports
from kollega.csvio import CsvFileError, ImportReport
from kollega.extensions import db
from kollega.org import imports as org_imports
from tests.conftest import login
from tests.security.digest import table_digests
from tests.security.test_fuzz_api import _send_each

EXAMPLES = 40
WEB_EXAMPLES = 20
CLI_EXAMPLES = 5
FUZZ_CASES: dict[str, int] = {}
# Written by a successful upload or sign-in, not by an import.
VOLATILE = {"audit_events", "login_attempts", "sessions"}

COLUMNS = {
    "units": org_imports.UNIT_COLUMNS,
    "people": org_imports.PEOPLE_COLUMNS,
    "requirements": competence_imports.REQUIREMENT_COLUMNS,
    "assessments": competence_imports.ASSESSMENT_COLUMNS + competence_imports.ASSESSMENT_OPTIONAL,
}
# Plausible values per column (the fixture world's codes, numbers and enumerations), so
# that many generated files get past the header and some are wholly valid.
VALID: dict[str, list[str]] = {
    "code": ["A1", "A2", "B1", "NY1", "NY2", "K"],
    "parent_code": ["", "K", "A", "A1", "NY1", "B"],
    "kind": ["unit", "department", "division", "municipality", "Unit", ""],
    "name": ["Ny enhet", "Åse Ørn", "Ann-Kristin Ødegård"],
    "employee_no": ["E00001", "E00004", "N00001", "N00002", "E00099"],
    "email": ["ny1@test.kollega.no", "eva@test.kollega.no", "a@b.no", "ikke-epost"],
    "unit_code": ["A1", "A1a", "B1", ""],
    "job_code": ["ADV", "LAER", ""],
    "fte": ["1", "0,5", "0.75", "2", "-1"],
    "birth_year": ["1980", "", "1800", "2030"],
    "roles": ["", "employee", "leader", "employee|hr", "guest", "guest|admin", "chef"],
    "scope_type": ["unit", "job", "person"],
    "scope_code": ["A1", "B1", "ADV", "LAER", "ZZ"],
    "competence_code": ["digcomp-2.2:4.2", "digcomp-2.2:1.1", "privacy-1.0:1", "x:y"],
    "level": ["1", "2", "4", "8", "0", "99", "-1", "2.5"],
    "effective_from": ["2027-01-01", "2026-13-01", "01.02.2027", ""],
    "effective_until": ["", "2028-12-31", "2020-01-01"],
    "source": ["self", "leader", "formal", "boss"],
    "assessed_on": ["2026-05-01", "2026-02-30", "i går", ""],
    "note": ["", "Bra", "<script>alert(1)</script>"],
}
FORMULAS = st.sampled_from(
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example","klikk")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
    ]
)
CONTROL = st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"]), max_size=8)
JUNK = st.one_of(
    FORMULAS,
    CONTROL,
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.just("x" * 70_000),  # over the CSV reader's field limit
    st.just("y" * 300),  # over every column's length limit
)


@st.composite
def headers(draw: Any, columns: tuple[str, ...]) -> list[str]:
    cols = list(columns)
    return draw(
        st.one_of(
            st.just(cols),
            st.just(cols),
            st.permutations(cols).map(list),
            st.just([f" {c.upper()} " for c in cols]),
            st.lists(st.sampled_from(cols), min_size=1, max_size=len(cols) + 1),
            st.text(max_size=10).map(lambda extra: [*cols, extra]),
            st.lists(st.text(max_size=8), max_size=5),
        )
    )


def _cells(draw: Any, header: list[str], width: int) -> list[str]:
    row = []
    for i in range(width):
        name = header[i].strip().lower() if i < len(header) else ""
        valid = st.sampled_from(VALID.get(name, ["x"]))
        row.append(draw(st.one_of(valid, valid, valid, JUNK)))
    return row


@st.composite
def good_files(draw: Any, columns: tuple[str, ...]) -> bytes:
    """A well-formed file (header in any order and case, UTF-8, ``,`` or ``;``) whose cells
    are mostly plausible: these reach the row checks and, now and then, the database."""
    header = draw(st.one_of(st.just(list(columns)), st.permutations(columns).map(list)))
    if draw(st.booleans()):
        header = [f" {c.upper()} " for c in header]
    rows = [_cells(draw, header, len(header)) for _ in range(draw(st.integers(1, 4)))]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([",", ";"])), lineterminator="\n")
    writer.writerows([header, *rows])
    return buffer.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))


@st.composite
def broken_files(draw: Any, columns: tuple[str, ...]) -> bytes:
    """Anything from a wrong header, delimiter or encoding to a cut file or binary junk."""
    header = draw(headers(columns))
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        width = max(0, len(header) + draw(st.sampled_from([0, 0, 0, 0, -1, 1])))
        rows.append(_cells(draw, header, width))
    buffer = io.StringIO()
    terminator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=terminator)
    writer.writerows([header, *rows])
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    cut = draw(st.integers(0, len(data)))
    return draw(
        st.one_of(
            st.just(data),
            st.just(data),
            st.just(data[:cut]),
            st.binary(max_size=16).map(lambda junk: data[:cut] + junk + data[cut:]),
            st.sampled_from([b"", b"\xef\xbb\xbf", b"\n\n", b"\x00" * 8, b"\xff\xfe\xfd"]),
            st.binary(max_size=200),
        )
    )


def snapshot() -> dict[str, str]:
    """A digest of every table's rows through the session, so flushed rows count too."""
    db.session.flush()
    return table_digests(db.session.execute, VOLATILE)


def changed(before: dict[str, str]) -> list[str]:
    after = snapshot()
    return [t for t in before if before[t] != after.get(t)]


def assert_located(report: ImportReport, data: bytes, what: str) -> None:
    """Every error names a line of the file (the header is line 1) and says something."""
    lines = max(1, data.count(b"\n") + data.count(b"\r") + 1)
    for line, message in report.errors:
        assert isinstance(line, int) and 1 <= line <= lines, f"{what}: line {line} of {lines}"
        assert str(message).strip(), f"{what}: an empty message for line {line}"


SERVICES: dict[str, Callable[[io.BytesIO], ImportReport]] = {
    "units": lambda source: org_imports.import_units(source),
    "people": lambda source: org_imports.import_people(source),
    "requirements": lambda source: competence_imports.import_requirements(source),
    "assessments": lambda source: competence_imports.import_assessments(source),
}


@pytest.fixture
def world(org: Any) -> Any:
    from kollega.competence.frameworks import sync_frameworks

    sync_frameworks()
    db.session.commit()
    return org


@pytest.mark.parametrize("kind", list(SERVICES))
def test_import_services_with_generated_files(world: Any, kind: str) -> None:
    """The services (and the org import's preview, ``check``) on generated files."""
    before = snapshot()
    outcomes = {"stored": 0, "refused rows": 0, "refused file": 0}

    def send(data: bytes) -> None:
        FUZZ_CASES[f"service {kind}"] = FUZZ_CASES.get(f"service {kind}", 0) + 1
        what = f"{kind} {data[:300]!r}"
        if kind in org_imports.KINDS:
            try:
                plan = org_imports.check(kind, io.BytesIO(data), preview_rows=5)
            except CsvFileError as exc:
                assert str(exc.message).strip(), what
            else:
                assert_located(plan.report, data, what)
                assert changed(before) == [], f"{what}: the preview stored something"
        try:
            report = SERVICES[kind](io.BytesIO(data))
        except CsvFileError as exc:
            assert str(exc.message).strip(), what
            outcomes["refused file"] += 1
            assert changed(before) == [], f"{what}: a refused file stored something"
        else:
            assert_located(report, data, what)
            if report.ok:
                outcomes["stored"] += 1
            else:
                outcomes["refused rows"] += 1
                assert changed(before) == [], f"{what}: a refused file stored something"
        finally:
            db.session.rollback()

    _send_each(good_files(COLUMNS[kind]), send, EXAMPLES)
    _send_each(broken_files(COLUMNS[kind]), send, EXAMPLES)
    print(f"import fuzz {kind}: {outcomes}")
    # The strategy reaches every outcome, or it fuzzes only the header check.
    assert outcomes["refused file"] and outcomes["refused rows"], outcomes


UPLOADS = {
    "units": ("/import", {"kind": "units"}),
    "people": ("/import", {"kind": "people"}),
    "requirements": ("/competence/import", {"kind": "requirements"}),
    "assessments": ("/competence/import", {"kind": "assessments"}),
}


@pytest.mark.parametrize("kind", list(UPLOADS))
def test_upload_pages_with_generated_files(app: Any, world: Any, kind: str) -> None:
    """The HR upload pages: a 4xx stores nothing; the org preview is confirmed when good."""
    client = app.test_client()
    login(client, world.hr)
    url, form = UPLOADS[kind]
    names = st.sampled_from(["fil.csv", "FIL.CSV", "fil.txt", "fil.xlsx", "", "æøå.csv"])
    statuses: dict[int, int] = {}

    def send(case: tuple[bytes, str]) -> None:
        data, name = case
        FUZZ_CASES[f"upload {kind}"] = FUZZ_CASES.get(f"upload {kind}", 0) + 1
        what = f"{kind} {name!r} {data[:300]!r}"
        db.session.rollback()
        before = snapshot()
        response = client.post(
            url,
            data={**form, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code < 500, f"{what}: {response.status_code}"
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 200 and url == "/import":
            # A good file waits for the confirmation; confirming stores it.
            response = client.post("/import/confirm")
            assert response.status_code in {303, 409}, f"{what}: {response.status_code}"
        db.session.rollback()
        if response.status_code >= 400:
            assert changed(before) == [], f"{what}: refused with {response.status_code}"

    for files in (good_files, broken_files):
        _send_each(st.tuples(files(COLUMNS[kind]), names), send, WEB_EXAMPLES)
    print(f"upload fuzz {kind}: {statuses}")
    assert len(statuses) > 1, statuses


@pytest.mark.parametrize("kind", list(UPLOADS))
def test_import_commands_with_generated_files(
    world: Any, runner: Any, tmp_path: Path, kind: str
) -> None:
    """``kollega import <kind> FILE``: exit 0, or 1 with a message; a failure stores nothing."""
    path = tmp_path / f"{kind}.csv"
    codes: dict[int, int] = {}

    def send(data: bytes) -> None:
        FUZZ_CASES[f"cli {kind}"] = FUZZ_CASES.get(f"cli {kind}", 0) + 1
        what = f"{kind} {data[:300]!r}"
        db.session.rollback()
        before = snapshot()
        path.write_bytes(data)
        result = runner("import", kind, str(path))
        assert result.exit_code in {0, 1}, f"{what}: {result.exit_code} {result.exception!r}"
        codes[result.exit_code] = codes.get(result.exit_code, 0) + 1
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{what}: {result.exception!r}"
        )
        db.session.rollback()
        if result.exit_code:
            assert result.output.strip(), what
            assert changed(before) == [], f"{what}: a failed import stored something"

    for files in (good_files, broken_files):
        _send_each(files(COLUMNS[kind]), send, CLI_EXAMPLES)
    print(f"command fuzz {kind}: exit codes {codes}")
    assert codes.get(1), codes
