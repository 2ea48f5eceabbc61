"""The generic CSV reader used by every import."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kollega.csvio import CsvFileError, ImportReport, count_lines, open_csv, parse_number

COLS = ("code", "name", "parent_code", "kind")


def rows_of(data: bytes, **kw: object) -> tuple[list[tuple[int, dict[str, str]]], list]:
    with open_csv(io.BytesIO(data), COLS, **kw) as reader:  # type: ignore[arg-type]
        rows = list(reader)
        return rows, reader.errors


def test_comma_and_line_numbers(app: object) -> None:
    rows, errors = rows_of(
        b"code,name,parent_code,kind\nK,Kommune,,municipality\nA,Oppvekst,K,division\n"
    )
    assert errors == []
    assert rows[0] == (
        2,
        {"code": "K", "name": "Kommune", "parent_code": "", "kind": "municipality"},
    )
    assert rows[1][0] == 3


def test_semicolon_bom_and_crlf(app: object) -> None:
    data = '\ufeffcode;name;parent_code;kind\r\nK;"Drammen, kommune";;municipality\r\n'.encode()
    with open_csv(io.BytesIO(data), COLS) as reader:
        assert reader.delimiter == ";"
        rows = list(reader)
    assert rows == [
        (2, {"code": "K", "name": "Drammen, kommune", "parent_code": "", "kind": "municipality"})
    ]


def test_quoted_multiline_field_keeps_line_numbers(app: object) -> None:
    data = b'code,name,parent_code,kind\nK,"two\nlines",,municipality\nA,x,K,division\n'
    rows, _ = rows_of(data)
    assert [line for line, _ in rows] == [2, 4]


def test_blank_lines_skipped_and_wrong_width_reported(app: object) -> None:
    data = b"code,name,parent_code,kind\n\nK,Kommune,,municipality\nA,Oppvekst\nB,x,K,unit,extra\n"
    rows, errors = rows_of(data)
    assert [line for line, _ in rows] == [3]
    assert [line for line, _ in errors] == [4, 5]
    assert "4" in str(errors[0][1]) and "2" in str(errors[0][1])


def test_header_missing_and_unknown_columns(app: object) -> None:
    with pytest.raises(CsvFileError) as exc:
        rows_of(b"code,name,colour\n")
    message = str(exc.value.message)
    assert "parent_code" in message and "kind" in message and "colour" in message
    assert exc.value.fields["missing"] == "parent_code, kind"
    assert exc.value.fields["unknown"] == "colour"


def test_header_case_and_spaces_forgiven_and_optional(app: object) -> None:
    data = b" Code , NAME,parent_code,kind\nK,Kommune,,municipality\n"
    rows, _ = rows_of(data)
    assert rows[0][1]["code"] == "K"
    with open_csv(
        io.BytesIO(b"code,name,parent_code\nK,x,\n"), ("code", "name"), ("parent_code",)
    ) as r:
        assert list(r)[0][1]["parent_code"] == ""


def test_empty_binary_and_latin1_files(app: object) -> None:
    for data in (b"", b"\n\n", b"\x00\x01\x02binary"):
        with pytest.raises(CsvFileError):
            rows_of(data)
    with pytest.raises(CsvFileError) as exc:
        rows_of("code,name,parent_code,kind\nK,Kommune Ås,,municipality\n".encode("latin-1"))
    assert "UTF-8" in str(exc.value.message)


def test_path_source_and_count_lines(tmp_path: Path, app: object) -> None:
    path = tmp_path / "u.csv"
    path.write_text("code,name,parent_code,kind\nK,Kommune,,municipality\nA,B,K,division")
    assert count_lines(path) == 3
    with open_csv(path, COLS) as reader:
        assert len(list(reader)) == 2
    stream = io.BytesIO(path.read_bytes())
    stream.read(5)
    assert count_lines(stream) == 3
    assert stream.tell() == 5


def test_caller_stream_stays_open(app: object) -> None:
    stream = io.BytesIO(b"code,name,parent_code,kind\nK,Kommune,,municipality\n")
    with open_csv(stream, COLS) as reader:
        list(reader)
    assert not stream.closed
    stream.seek(0)
    assert stream.read(4) == b"code"


def test_report_and_numbers() -> None:
    report = ImportReport()
    assert report.ok
    report.error(5, "bad")
    report.error(2, "worse")
    assert not report.ok
    assert report.sorted_errors() == [(2, "worse"), (5, "bad")]
    assert report.counts()["errors"] == 2
    assert parse_number("0,5") == 0.5
    assert parse_number(" 1.0 ") == 1.0
    for bad in ("x", "1,000.5", "nan", ""):
        with pytest.raises(ValueError):
            parse_number(bad)
