"""Table downloads: a header and rows as a CSV or XLSX file, a JSON document as a file.

Every export of a feature (gap tables, metrics tables) answers through ``table_response``,
so the spreadsheet details live in one place:

- Each column holds one kind of figure (``kinds``): ``text``, ``int`` (a count),
  ``decimal`` (FTE, averages: two decimals), ``share`` (a fraction such as coverage, 0.38)
  or ``date``. Without ``kinds`` a column of Python ints is ``int``, of other numbers
  ``decimal``, of dates ``date``, and anything else ``text``; a fraction must be named
  ``share``, since it cannot be told from a decimal by its value.
- A CSV is what Excel in Norway opens as numbers: UTF-8 with a byte-order mark, ``;``
  between fields, a decimal comma and no thousands separator (``1055,35``), a share in
  per cent with its header saying so (``Dekning (%)``: ``38,0``), dates as ISO 8601.
- An XLSX stores real numbers with number formats: counts as integers (``#,##0``),
  decimals as ``#,##0.00``, shares as fractions formatted ``0%`` (Excel shows ``38 %`` in
  Norwegian), dates as dates. The sheet is named by the title in the user's language
  (cut between words when over Excel's 31 characters); the full title and ``notes`` (what
  the figures mean) go on a second sheet.
- A text cell that a spreadsheet program would run as a formula is written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Response
from flask_babel import gettext as _

TABLE_FORMATS = ("csv", "xlsx")
KINDS = ("text", "int", "decimal", "share", "date")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# A text cell starting with one of these is run as a formula by spreadsheet programs (CSV
# injection); names come from imports and forms, so they are shown as text instead.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit on a sheet's name, and the characters it refuses in one.
_SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
# Small words a cut sheet name does not end on ("Varmekart – personer og…").
_SHEET_NAME_DANGLING = {"og", "i", "av", "per", "for", "and", "of", "by", "in", "the", "a"}
# Decimals in a CSV: a decimal column, and a share written in per cent (38,0).
_CSV_DECIMALS = 2
_CSV_SHARE_DECIMALS = 1
# Excel number formats: the separators are the reader's own (space and comma in Norway).
XLSX_FORMATS = {
    "int": "#,##0",
    "decimal": "#,##0.00",
    "share": "0%",
    "date": "dd.mm.yyyy",
}


def inert(value: Any) -> Any:
    """The cell value, a text that would start a formula turned into plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def attachment(body: str | bytes, content_type: str, filename: str) -> Response:
    """A download named ``filename``; ``content_type`` is sent as given (one charset)."""
    return Response(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def column_kinds(rows: Sequence[Sequence[Any]], width: int) -> list[str]:
    """The kind of each column from its values (see the module's docstring)."""
    kinds = []
    for i in range(width):
        values = [row[i] for row in rows if i < len(row) and row[i] is not None]
        if values and all(_is_number(v) for v in values):
            # 1.0 is a decimal that happens to be whole (a coverage of 100 %), not a count.
            kinds.append("int" if all(isinstance(v, int) for v in values) else "decimal")
        elif values and all(isinstance(v, dt.date) for v in values):
            kinds.append("date")
        else:
            kinds.append("text")
    return kinds


def _kinds(
    kinds: Sequence[str] | None, header: Sequence[Any], rows: Sequence[Sequence[Any]]
) -> list[str]:
    found = list(kinds) if kinds is not None else column_kinds(rows, len(header))
    if len(found) != len(header) or any(k not in KINDS for k in found):
        raise ValueError(f"kinds {found!r} do not fit the header {list(header)!r}")
    return found


def _rounded(value: Any, digits: int) -> Decimal:
    """Half up on the shortest decimal text of the number (1055.35 is 1055.4 at one
    decimal), never ``-0``."""
    exact = Decimal(repr(float(value)) if isinstance(value, float) else str(value))
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return rounded if rounded != 0 else abs(rounded)


def csv_cell(value: Any, kind: str) -> str:
    """One CSV field as Norwegian Excel reads it: ``1055,35``, ``38,0`` (per cent), ISO dates."""
    if value is None:
        return ""
    if kind in ("int", "decimal", "share") and _is_number(value):
        if kind == "int" and float(value).is_integer():
            return str(int(value))
        if kind == "share":
            number = _rounded(Decimal(repr(float(value))) * 100, _CSV_SHARE_DECIMALS)
        else:
            number = _rounded(value, _CSV_DECIMALS)
        return str(number).replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(inert(value))


def csv_header(header: Sequence[Any], kinds: Sequence[str]) -> list[str]:
    """The header, a share column's title saying its figures are per cent."""
    return [
        f"{h} (%)" if kind == "share" else str(h) for h, kind in zip(header, kinds, strict=True)
    ]


def csv_text(
    header: Sequence[Any], rows: Sequence[Sequence[Any]], kinds: Sequence[str] | None = None
) -> str:
    """The table as CSV text: a byte-order mark, ``;`` between fields, decimal commas,
    shares in per cent, formulas inert."""
    found = _kinds(kinds, header, rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(csv_header(header, found))
    writer.writerows(
        [csv_cell(v, kind) for v, kind in zip(row, found, strict=True)] for row in rows
    )
    return "\ufeff" + out.getvalue()


def sheet_name(title: str) -> str:
    """A title as an Excel sheet name: without ``[]:*?/\\`` (a colon between words reads
    as a dash), at most 31 characters, cut between words with an ellipsis rather than
    inside one (the full title stands on the workbook's "About the figures" sheet)."""
    name = re.sub(r"\s*:\s+", " \u2013 ", str(title))
    name = _SHEET_NAME_BAD.sub("-", name).strip("' ") or "data"
    if len(name) <= _SHEET_NAME_MAX:
        return name
    cut = name[: _SHEET_NAME_MAX - 1]
    if " " in cut and not name[_SHEET_NAME_MAX - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    words = cut.rstrip(" -\u2013,;'").split(" ")
    while len(words) > 1 and words[-1].lower() in _SHEET_NAME_DANGLING:
        words.pop()
    return " ".join(words).rstrip(" -\u2013,;'") + "\u2026"


def _xlsx_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "int" and _is_number(value) and float(value).is_integer():
        return int(value)
    if kind in ("decimal", "share") and _is_number(value):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    return inert(value)


def xlsx_bytes(
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    sheet: str = "data",
    kinds: Sequence[str] | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """The table as an XLSX workbook: one sheet named ``sheet`` with the header in row 1
    (bold, frozen) and a number format on every figure; the full title and ``notes`` on a
    second sheet."""
    # openpyxl is heavy and only an export needs it: imported here for start-up time.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    found = _kinds(kinds, header, rows)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name(sheet)
    wb.properties.title = str(sheet)
    ws.append([str(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for row in rows:
        ws.append([_xlsx_value(v, kind) for v, kind in zip(row, found, strict=True)])
    for i, kind in enumerate(found, 1):
        letter = get_column_letter(i)
        if kind in XLSX_FORMATS:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = XLSX_FORMATS[kind]
        longest = max([len(str(header[i - 1]))] + [len(str(r[i - 1] or "")) for r in rows[:200]])
        ws.column_dimensions[letter].width = min(max(10, longest + 2), 60)
    # The full title (a sheet's name may be cut) and what the figures mean.
    notes_sheet = wb.create_sheet(sheet_name(_("About the figures")))
    notes_sheet.append([str(sheet)])
    notes_sheet["A1"].font = Font(bold=True)
    for note in notes:
        notes_sheet.append([inert(str(note))])
    notes_sheet.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def scope_notes(unit: str, span: str, today: dt.date) -> list[str]:
    """The export's first notes: whose figures, for when and when made (the file is
    handed on; its sheet may be read far from the page that made it). ``span`` is the
    date or period, already formatted for the user's locale."""
    from flask_babel import format_date

    return [
        _("Unit: %(name)s", name=unit),
        _("Figures for: %(span)s", span=span),
        _("Made: %(date)s", date=format_date(today, "medium")),
    ]


def table_response(
    fmt: str,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    filename: str,
    sheet: str = "data",
    kinds: Sequence[str] | None = None,
    notes: Sequence[str] = (),
) -> Response:
    """A table as a CSV (``fmt`` "csv") or XLSX download named ``filename`` plus the
    format's extension. ``sheet`` is the table's title in the user's language (the XLSX
    sheet's name), ``kinds`` the kind of figure in each column (see the module's
    docstring), ``notes`` what the figures mean (a second XLSX sheet)."""
    if fmt == "csv":
        body = csv_text(header, rows, kinds).encode("utf-8")
        return attachment(body, CSV_CONTENT_TYPE, f"{filename}.csv")
    return attachment(
        xlsx_bytes(header, rows, sheet, kinds, notes), XLSX_MIMETYPE, f"{filename}.xlsx"
    )


def json_response(data: Any, filename: str) -> Response:
    """A JSON document as a download (UTF-8, indented for a person to read)."""
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return attachment(body, "application/json", filename)
