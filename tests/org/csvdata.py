"""CSV files for the import tests (rows as lists of fields, written with ``csv``)."""

from __future__ import annotations

import csv
import io

PEOPLE_HEADER = [
    "employee_no",
    "name",
    "email",
    "unit_code",
    "job_code",
    "fte",
    "birth_year",
    "roles",
]
UNITS_HEADER = ["code", "name", "parent_code", "kind"]

# The units of tests.factories.build_org that people may work in.
UNIT_CODES = ("A1", "A1a", "A2", "B1")


def people_rows(n: int = 500, start: int = 1) -> list[list[str]]:
    rows = []
    for i in range(start, start + n):
        unit = UNIT_CODES[i % len(UNIT_CODES)]
        fte = "0,5" if i % 7 == 0 else "1"
        roles = "leader" if i == start else ("employee|hr" if i % 97 == 0 else "")
        rows.append(
            [
                f"N{i:05d}",
                f"Ansatt Nummer {i}",
                f"ansatt{i}@import.kollega.no",
                unit,
                "LAER",
                fte,
                str(1960 + i % 40),
                roles,
            ]
        )
    return rows


def to_csv(header: list[str], rows: list[list[str]], sep: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def people_csv(rows: list[list[str]], sep: str = ",", bom: bool = False) -> bytes:
    return to_csv(PEOPLE_HEADER, rows, sep, bom)


def units_csv(rows: list[list[str]], sep: str = ",") -> bytes:
    return to_csv(UNITS_HEADER, rows, sep)


def with_three_bad_rows(rows: list[list[str]]) -> tuple[list[list[str]], list[int]]:
    """Spoil three rows; returns the rows and the spoilt line numbers (header = line 1)."""
    bad = [list(r) for r in rows]
    bad[48][5] = "tre"  # fte not a number: line 50
    bad[198][3] = "NOSUCH"  # unknown unit: line 200
    bad[449][0] = bad[10][0]  # employee_no twice in the file: line 451
    return bad, [50, 200, 451]
