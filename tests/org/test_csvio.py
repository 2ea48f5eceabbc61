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


def test_empty_and_binary_files(app: object) -> None:
    for data in (b"", b"\n\n", b"\x00\x01\x02binary", "code\nÅ".encode("utf-16")):
        with pytest.raises(CsvFileError):
            rows_of(data)


def test_windows_1252_as_norwegian_excel_saves_it(app: object, tmp_path: Path) -> None:
    """Excel's "CSV (semikolonseparert)" in Norway: Windows-1252, ``;``, CRLF (DESIGN.md)."""
    data = "code;name;parent_code;kind\r\nK;Kommune Ås – Øvre;;municipality\r\n".encode("cp1252")
    with open_csv(io.BytesIO(data), COLS) as reader:
        rows = list(reader)
        assert reader.encoding == "windows-1252"
    assert rows[0][1]["name"] == "Kommune Ås – Øvre"
    path = tmp_path / "u.csv"
    path.write_bytes(data)
    with open_csv(path, COLS) as reader:
        assert [row["name"] for _, row in reader] == ["Kommune Ås – Øvre"]
        assert reader.encoding == "windows-1252"
    utf8 = "code,name,parent_code,kind\nK,Kommune Ås,,municipality\n".encode()
    with open_csv(io.BytesIO(utf8), COLS) as reader:
        assert [row["name"] for _, row in reader] == ["Kommune Ås"]
        assert reader.encoding == "utf-8"


def test_excel_sep_line_sets_the_delimiter_and_keeps_line_numbers(app: object) -> None:
    data = b"sep=,\r\ncode,name,parent_code,kind\r\nK,Kommune;1,,municipality\r\nA,x\r\n"
    rows, errors = rows_of(data)
    assert rows == [
        (3, {"code": "K", "name": "Kommune;1", "parent_code": "", "kind": "municipality"})
    ]
    assert [line for line, _ in errors] == [4]
    rows, _ = rows_of(b"\xef\xbb\xbfsep=;\ncode;name;parent_code;kind\nK;Kommune;;municipality\n")
    assert rows[0][0] == 3 and rows[0][1]["name"] == "Kommune"


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


def test_a_nul_byte_and_an_unclosed_quote_are_errors_at_their_own_lines(app: object) -> None:
    """A NUL byte in a row is that row's error (not the whole file's); a quote that is never
    closed is an error at the line it opens on, not a field that swallows the file."""
    data = (
        "sep=;\r\ncode;name;parent_code;kind\r\nK;Kommune Ås;;municipality\r\n"
        'A;Opp\x00vekst;K;division\r\nB;Bø;K;division\r\nC;"Cø;K;division\r\nD;Dø;K;division\r\n'
    ).encode("cp1252")
    with open_csv(io.BytesIO(data), COLS) as reader:
        rows = list(reader)
        assert reader.encoding == "windows-1252"
    assert [line for line, _ in rows] == [3, 5]
    assert [line for line, _ in reader.errors] == [4, 6]
    assert "NUL" in str(reader.errors[0][1])
    assert "lukkes aldri" in str(reader.errors[1][1]) and "linje 7" in str(reader.errors[1][1])
    # Text after a closing quote is named as such.
    rows, errors = rows_of(b'code,name,parent_code,kind\nK,"Kom"mune,,municipality\nA,x,K,unit\n')
    assert [line for line, _ in rows] == [3]
    assert [line for line, _ in errors] == [2] and "avsluttende" in str(errors[0][1])
