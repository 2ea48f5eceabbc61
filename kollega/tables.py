"""Table downloads: a header and rows as a CSV or XLSX file, a JSON document as a file.

Every export of a feature (gap tables, metrics tables) answers through ``table_response``,
so the spreadsheet details live in one place: a CSV is UTF-8 with a byte-order mark and
``;`` between fields (what Excel in Norway expects), and a text cell that a spreadsheet
program would run as a formula is written as text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from flask import Response

TABLE_FORMATS = ("csv", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A text cell starting with one of these is run as a formula by spreadsheet programs (CSV
# injection); names come from imports and forms, so they are shown as text instead.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit on a sheet's name.
_SHEET_NAME_MAX = 31


def inert(value: Any) -> Any:
    """The cell value, a text that would start a formula turned into plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    """A download named ``filename``."""
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_text(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """The table as CSV text: a byte-order mark, ``;`` between fields, formulas inert."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows([inert(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()


def xlsx_bytes(header: Sequence[Any], rows: Sequence[Sequence[Any]], sheet: str = "data") -> bytes:
    """The table as an XLSX workbook of one sheet, formulas inert."""
    # openpyxl is heavy and only an export needs it: imported here for start-up time.
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:_SHEET_NAME_MAX]
    ws.append(list(header))
    for row in rows:
        ws.append([inert(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def table_response(
    fmt: str,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    filename: str,
    sheet: str = "data",
) -> Response:
    """A table as a CSV (``fmt`` "csv") or XLSX download named ``filename`` plus the
    format's extension; ``sheet`` names the XLSX sheet."""
    if fmt == "csv":
        return attachment(csv_text(header, rows), "text/csv; charset=utf-8", f"{filename}.csv")
    return attachment(xlsx_bytes(header, rows, sheet), XLSX_MIMETYPE, f"{filename}.xlsx")


def json_response(data: Any, filename: str) -> Response:
    """A JSON document as a download (UTF-8, indented for a person to read)."""
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return attachment(body, "application/json", filename)
