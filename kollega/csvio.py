"""Reading CSV import files: generic, lazy and strict about the header.

Every CSV import (units, people, jobs, requirements, assessments, credentials) reads its
file through ``open_csv``: UTF-8 (a byte-order mark is accepted) or, when the file is not
UTF-8, Windows-1252 as Norwegian Excel saves "CSV (semikolonseparert)" (``CsvReader.encoding``
says which, for the result to tell); a header row; ``,`` or ``;`` as the delimiter (chosen
from the header line, or given by an Excel ``sep=;`` first line). Rows come one at a time as
``(line_number, {column: value})`` where the header is line 1, so a large file is never
held in memory as a whole by the reader.

File-level problems (empty, a header that is not CSV text or names the wrong columns) raise
``CsvFileError`` at once. Row-level problems (too many or too few fields, a NUL byte, a
quote never closed or followed by more text) do not stop the iteration: the row is skipped
and recorded in ``CsvReader.errors`` under the real line number in the file (a ``sep=``
line counts), so that an import can report every bad row of a file together.
``ImportReport`` is what an import hands back.

    with open_csv(path, required=("code", "name")) as rows:
        for line, row in rows:
            ...
        report.errors.extend(rows.errors)
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Union

from flask_babel import lazy_gettext as _l

from kollega.errors import ValidationError

# A message shown to people: a plain str or a lazily translated string.
Message = Union[str, Any]  # noqa: UP007 - LazyString has no public type
Source = Union[str, os.PathLike, IO[bytes], IO[str]]  # noqa: UP007

DELIMITERS = (",", ";")
# Plenty for any real column; guards against a binary file read as one huge field.
FIELD_SIZE_LIMIT = 64 * 1024


class CsvFileError(ValidationError):
    """The file as a whole cannot be read as this kind of CSV (nothing was imported)."""

    code = "invalid_file"


@dataclass
class ImportReport:
    """What an import did (or, with errors, would have refused to do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (line number, translated message); line 1 is the header.
    errors: list[tuple[int, Message]] = field(default_factory=list)
    rows: int = 0
    # How the file was read: "utf-8", or "windows-1252" (said in the result).
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        """How many distinct lines have at least one error."""
        return len({line for line, _ in self.errors})

    def error(self, line: int, message: Message) -> None:
        self.errors.append((line, message))

    def sorted_errors(self) -> list[tuple[int, Message]]:
        """Errors by line number (stable: a line's messages keep their order)."""
        return sorted(self.errors, key=lambda e: e[0])

    def counts(self) -> dict[str, int]:
        """The figures without the rows or messages, e.g. for the audit log."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"


def _encoding_of(fh: IO[bytes]) -> str:
    """``utf-8`` when the bytes from here to the end decode as UTF-8, else ``windows-1252``
    (what Excel in Norway writes). Reads the whole file once, in chunks: an import file
    is at most a few megabytes, and a wrong guess would garble every "æøå". A NUL byte is
    valid in both: the line that has one is reported by its number (a binary file's
    header line has them and is refused as not CSV)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return WINDOWS_1252
    return UTF8


def _text_stream(source: Source) -> tuple[IO[str], str, str]:
    """A text stream decoding the file (UTF-8 with its BOM stripped, or Windows-1252), the
    encoding, and what to do with the stream when done: ``close`` (we opened it),
    ``detach`` (our wrapper around the caller's binary stream, which stays open) or
    ``keep`` (the caller's text stream)."""
    if isinstance(source, (str, os.PathLike)):
        with open(Path(source), "rb") as fh:
            encoding = _encoding_of(fh)
        codec = "utf-8-sig" if encoding == UTF8 else encoding
        return open(Path(source), encoding=codec, newline=""), encoding, "close"  # noqa: SIM115
    if isinstance(source, io.TextIOBase):
        return source, UTF8, "keep"  # type: ignore[return-value]
    # A binary stream (a file opened "rb", werkzeug's FileStorage.stream, BytesIO ...):
    # looked at from where it stands, then read from there.
    encoding = UTF8
    if source.seekable():
        position = source.tell()
        encoding = _encoding_of(source)  # type: ignore[arg-type]
        source.seek(position)
    codec = "utf-8-sig" if encoding == UTF8 else encoding
    wrapper = io.TextIOWrapper(source, encoding=codec, newline="")  # type: ignore[arg-type]
    return wrapper, encoding, "detach"


def _excel_separator(line: str) -> str | None:
    """The delimiter an Excel ``sep=;`` first line names, else None."""
    text = line.strip().lstrip("\ufeff")
    if len(text) == 5 and text[:4].lower() == "sep=" and text[4] in DELIMITERS:
        return text[4]
    return None


def _detect_delimiter(header_line: str) -> str:
    """``;`` when the header has more semicolons than commas (outside quotes), else ``,``."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return ";" if counts[";"] > counts[","] else ","


def _csv_error(exc: csv.Error, last_line: int) -> Message:
    """Why a line cannot be read, in words an Excel user knows."""
    reason = str(exc)
    if reason == "unexpected end of data":
        return _l(
            'A quote (") opened on this line is never closed: the field runs to the end of'
            " the file (line %(last)s). Close the quote or remove it.",
            last=last_line,
        )
    if reason.endswith("expected after '\"'"):
        return _l(
            'A quoted field has more text after its closing quote ("). Put the whole'
            ' field in quotes and write a quote inside it as two ("").'
        )
    if reason.startswith("field larger than field limit"):
        return _l("A field is longer than %(limit)s characters.", limit=FIELD_SIZE_LIMIT)
    return _l("The line cannot be read as CSV: %(reason)s.", reason=reason)


def normalise_column(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


class CsvReader:
    """Rows of an opened CSV file; iterate once. Use ``open_csv`` to make one."""

    def __init__(
        self,
        stream: IO[str],
        ending: str,
        required: Sequence[str],
        optional: Sequence[str] = (),
        allow_unknown: bool = False,
        encoding: str = UTF8,
    ) -> None:
        self._stream = stream
        self._ending = ending
        self.encoding = encoding
        self.errors: list[tuple[int, Message]] = []
        self.rows_read = 0
        self.last_line = 1
        # Lines before the header (an Excel "sep=;" line), for the line numbers.
        self._offset = 0
        try:
            first = stream.readline()
            separator = _excel_separator(first)
            if separator is not None:
                first = stream.readline()
                self._offset = 1
        except UnicodeDecodeError:
            self.close()
            raise CsvFileError(_l("The file is not UTF-8 text. Save it as CSV (UTF-8).")) from None
        if "\x00" in first:
            self.close()
            raise CsvFileError(_l("The file is not a CSV text file.")) from None
        if not first.strip():
            self.close()
            raise CsvFileError(
                _l("The file is empty: the first line must be the header row.")
            ) from None
        self.delimiter = separator or _detect_delimiter(first)
        # strict: a quote opened and never closed is an error at its line ("unexpected
        # end of data"), not a field that silently swallows the rest of the file.
        self._reader = csv.reader(
            itertools.chain([first], stream), delimiter=self.delimiter, strict=True
        )
        try:
            header = next(self._reader)
        except csv.Error as exc:
            self.close()
            raise CsvFileError(
                _l("The header row cannot be read: %(reason)s.", reason=str(exc))
            ) from None
        self.header = [normalise_column(h) for h in header]
        self._check_header(required, optional, allow_unknown)

    def _check_header(
        self, required: Sequence[str], optional: Sequence[str], allow_unknown: bool
    ) -> None:
        seen: set[str] = set()
        duplicates = sorted({h for h in self.header if h in seen or seen.add(h)})  # type: ignore[func-returns-value]
        missing = [c for c in required if c not in seen]
        known = set(required) | set(optional)
        unknown = [h for h in self.header if h not in known] if not allow_unknown else []
        problems: list[str] = []
        fields: dict[str, object] = {}
        if missing:
            fields["missing"] = ", ".join(missing)
            problems.append(str(_l("missing columns: %(columns)s", columns=", ".join(missing))))
        if unknown:
            shown = ", ".join(h or '""' for h in unknown)
            fields["unknown"] = shown
            problems.append(str(_l("unknown columns: %(columns)s", columns=shown)))
        if duplicates:
            shown = ", ".join(duplicates)
            fields["duplicate"] = shown
            problems.append(str(_l("repeated columns: %(columns)s", columns=shown)))
        if problems:
            self.close()
            expected = ",".join(list(required) + list(optional))
            raise CsvFileError(
                _l(
                    "The header row is wrong (%(problems)s). Expected: %(expected)s.",
                    problems="; ".join(problems),
                    expected=expected,
                ),
                fields=fields,
            )

    def __enter__(self) -> CsvReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close what we opened; a caller's own stream stays open."""
        ending, self._ending = self._ending, "keep"
        if ending == "close":
            self._stream.close()
        elif ending == "detach":
            with contextlib.suppress(ValueError, OSError):
                self._stream.detach()  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        width = len(self.header)
        offset = self._offset
        start = self._reader.line_num + 1 + offset
        while True:
            try:
                values = next(self._reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise CsvFileError(
                    _l(
                        "The file is not UTF-8 text (near line %(line)s). Save it as CSV (UTF-8).",
                        line=start,
                    )
                ) from None
            except csv.Error as exc:
                self.errors.append((start, _csv_error(exc, self._reader.line_num + offset)))
                start = self._reader.line_num + 1 + offset
                continue
            line, start = start, self._reader.line_num + 1 + offset
            self.last_line = self._reader.line_num + offset
            if not any(v.strip() for v in values):
                continue  # blank lines are allowed anywhere
            self.rows_read += 1
            if any("\x00" in v for v in values):
                # PostgreSQL refuses NUL in text: a database error while checking the file.
                self.errors.append((line, _l("The line contains a NUL character.")))
                continue
            if len(values) != width:
                self.errors.append(
                    (
                        line,
                        _l(
                            "Expected %(expected)s fields but found %(found)s"
                            " (separator is '%(sep)s').",
                            expected=width,
                            found=len(values),
                            sep=self.delimiter,
                        ),
                    )
                )
                continue
            yield line, {k: v.strip() for k, v in zip(self.header, values, strict=True)}


def open_csv(
    source: Source,
    required: Sequence[str],
    optional: Sequence[str] = (),
    allow_unknown: bool = False,
) -> CsvReader:
    """Open a CSV import file (a path, or a binary or text stream) and check its header.

    ``required`` columns must be present; ``optional`` ones may be; any other column is an
    error unless ``allow_unknown``. Column names are compared trimmed and lower-cased.
    Raises ``CsvFileError`` (a ``ValidationError``) when the file cannot be used at all.
    """
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    stream, encoding, ending = _text_stream(source)
    return CsvReader(stream, ending, required, optional, allow_unknown, encoding)


def count_lines(source: str | os.PathLike | IO[bytes]) -> int:
    """Number of lines in a file (for a progress bar); a seekable stream is rewound."""
    if isinstance(source, (str, os.PathLike)):
        with open(Path(source), "rb") as fh:
            return _count(fh)
    position = source.tell()
    try:
        return _count(source)
    finally:
        source.seek(position)


def _count(fh: IO[bytes]) -> int:
    lines = 0
    last = b""
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        lines += chunk.count(b"\n")
        last = chunk
    if last and not last.endswith(b"\n"):
        lines += 1
    return lines


def looks_like_text(head: bytes) -> bool:
    """A quick check on the first bytes of an upload: UTF-8 text without NUL bytes."""
    if b"\x00" in head:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def parse_number(text: str) -> float:
    """A decimal number that may use a decimal comma ("0,5"); raises ValueError."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    value = float(cleaned)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def chunked(items: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    """Lists of at most ``size`` items, for ``IN (...)`` queries in batches."""
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch
