"""The rows of an import file and the checks of their fields, shared by the units,
people and jobs imports (``kollega.org.imports``): the columns and limits, the checked row types,
the plan a check returns, and the batched look-ups both the check and the apply step use.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega.csvio import CsvFileError, ImportReport, Source, chunked, open_csv, parse_number
from kollega.extensions import db
from kollega.org.models import ROLES, OrgUnit, Person, UnitLeader

UNIT_COLUMNS = ("code", "name", "parent_code", "kind")
PEOPLE_COLUMNS = (
    "employee_no",
    "name",
    "email",
    "unit_code",
    "job_code",
    "fte",
    "birth_year",
    "roles",
)
JOB_COLUMNS = ("code", "name")
CODE_RE = re.compile(r"^[^\s/|]+$")
MAX_CODE = 64
MAX_NAME = 200
MAX_EMPLOYEE_NO = 32
MAX_JOB_CODE = 32
MAX_EMAIL = 254
OLDEST_AGE = 100
YOUNGEST_AGE = 13
CHUNK = 500

# (phase, done, total): phase "check" counts lines read, "apply" counts rows stored.
Progress = Callable[[str, int, int], None]
R = TypeVar("R")


@dataclass(slots=True)
class UnitRow:
    line: int
    code: str
    name: str
    parent_code: str | None
    kind: str


@dataclass(slots=True)
class JobRow:
    line: int
    code: str
    name: str


@dataclass(slots=True)
class PersonRow:
    line: int
    employee_no: str
    name: str
    email: str
    unit_code: str | None
    job_code: str | None
    fte: float
    birth_year: int | None
    stored_roles: frozenset[str]
    leader: bool


@dataclass
class ImportPlan(Generic[R]):
    """A checked file: its rows, what applying it would do, and every bad row."""

    kind: str
    rows: list[R] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)
    # The first rows as read (column -> text), for a preview.
    preview: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.report.ok


def no_progress(phase: str, done: int, total: int) -> None:
    """The progress callback when nobody watches."""
    return None


def check_text(
    report: ImportReport, line: int, row: dict[str, str], column: str, limit: int, required: bool
) -> str | None:
    """A text field, ``None`` when empty (reported if ``required``) or over ``limit``."""
    value = row[column]
    if not value:
        if required:
            report.error(line, _l("%(column)s is empty.", column=column))
        return None
    if len(value) > limit:
        report.error(
            line, _l("%(column)s is longer than %(limit)s characters.", column=column, limit=limit)
        )
        return None
    return value


def check_code(
    report: ImportReport,
    line: int,
    row: dict[str, str],
    column: str,
    required: bool,
    new: bool = False,
) -> str | None:
    """A unit code; a ``new`` one (being defined) may not contain spaces, '/' or '|'.
    A code that refers to a unit is checked by looking it up instead."""
    value = check_text(report, line, row, column, MAX_CODE, required)
    if new and value is not None and not CODE_RE.match(value):
        report.error(
            line,
            _l(
                "%(column)s %(value)s may not contain spaces, '/' or '|'.",
                column=column,
                value=value,
            ),
        )
        return None
    return value


def require_rows(report: ImportReport) -> None:
    """A file with a header and nothing under it is refused as a whole; one whose every
    row is broken (too many fields, an unclosed quote, a NUL byte) reports those rows."""
    if report.rows == 0 and not report.errors:
        raise CsvFileError(_l("The file has a header row but no rows under it."))


def read_rows(
    plan: ImportPlan[Any],
    source: Source,
    preview_rows: int,
    progress: Progress,
    total: int,
) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows as (line, column -> text), counted in the plan's report and the
    first ones kept for the preview; the reader's own errors (a row with too many
    fields) join the report once the file is read."""
    report = plan.report
    with open_csv(source, plan.columns) as reader:
        for line, row in reader:
            if len(plan.preview) < preview_rows:
                plan.preview.append((line, row))
            report.rows += 1
            if report.rows % 200 == 0:
                progress("check", line, total)
            yield line, row
        report.errors.extend(reader.errors)
        report.encoding = reader.encoding
        progress("check", reader.last_line, total)


def parse_roles(report: ImportReport, line: int, text: str) -> tuple[frozenset[str], bool] | None:
    wanted = [r.strip().lower() for r in text.split("|") if r.strip()] if text else []
    unknown = [r for r in wanted if r not in ROLES]
    if unknown:
        report.error(
            line,
            _l(
                "Unknown role %(role)s (use one of: %(roles)s, separated by |).",
                role=", ".join(unknown),
                roles=", ".join(ROLES),
            ),
        )
        return None
    roles = set(wanted) or {"employee"}
    if "guest" in roles and roles != {"guest"}:
        report.error(line, _l("A guest cannot have other roles."))
        return None
    leader = "leader" in roles
    stored = roles - {"leader"}
    if "guest" not in stored:
        stored.add("employee")  # leaders, HR and admins are employees too
    return frozenset(stored), leader


def check_email(report: ImportReport, line: int, value: str) -> str | None:
    if not value:
        report.error(line, _l("email is empty."))
        return None
    email = value.strip().lower()
    if len(email) > MAX_EMAIL:
        report.error(line, _l("email is longer than %(limit)s characters.", limit=MAX_EMAIL))
        return None
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        report.error(line, _l("%(value)s is not a valid e-mail address.", value=value))
        return None
    return email


def check_fte(report: ImportReport, line: int, value: str) -> float:
    """The FTE of a row, 1.0 when empty; reported unless a number from 0 to 2."""
    if not value:
        return 1.0
    try:
        fte = parse_number(value)
    except ValueError:
        report.error(line, _l("fte %(value)s is not a number.", value=value))
        return 1.0
    if not 0 <= fte <= 2:
        report.error(line, _l("fte %(value)s must be between 0 and 2.", value=value))
    return fte


def check_birth_year(report: ImportReport, line: int, value: str) -> int | None:
    """The birth year of a row, ``None`` when empty; reported unless a plausible year."""
    if not value:
        return None
    try:
        birth_year = int(value)
    except ValueError:
        report.error(line, _l("birth_year %(value)s is not a whole number.", value=value))
        return None
    this_year = dt.date.today().year
    if not this_year - OLDEST_AGE <= birth_year <= this_year - YOUNGEST_AGE:
        report.error(
            line,
            _l(
                "birth_year %(value)s is not plausible (between %(low)s and %(high)s).",
                value=value,
                low=this_year - OLDEST_AGE,
                high=this_year - YOUNGEST_AGE,
            ),
        )
    return birth_year


def units_by_code(codes: Iterable[str]) -> dict[str, int]:
    """Unit ids by code, for the codes that exist."""
    found: dict[str, int] = {}
    for batch in chunked(sorted(codes), CHUNK):
        found.update(
            db.session.execute(
                sa.select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.in_(batch))
            ).all()
        )
    return found


def people_by(attribute: str, values: Iterable[str]) -> dict[str, Person]:
    """People (with their roles) by ``employee_no`` or ``email``, for the values that exist."""
    column = getattr(Person, attribute)
    found: dict[str, Person] = {}
    for batch in chunked(sorted(set(values)), CHUNK):
        for person in db.session.scalars(
            sa.select(Person).where(column.in_(batch)).options(selectinload(Person.role_rows))
        ):
            found[getattr(person, attribute)] = person
    return found


def leaderships(person_ids: list[int]) -> dict[int, set[int]]:
    """The ids of the units each person leads."""
    leads: dict[int, set[int]] = {}
    for batch in chunked(sorted(person_ids), CHUNK):
        for person_id, unit_id in db.session.execute(
            sa.select(UnitLeader.person_id, UnitLeader.unit_id).where(
                UnitLeader.person_id.in_(batch)
            )
        ):
            leads.setdefault(person_id, set()).add(unit_id)
    return leads


def wanted_leads(row: PersonRow, unit_ids: dict[str, int], current: set[int]) -> set[int]:
    """A leader keeps the units they lead and gains the row's unit; a row without the
    leader role ends every leadership of that person."""
    if not row.leader:
        return set()
    return current | {unit_ids[row.unit_code]} if row.unit_code else current


def person_differs(
    person: Person, row: PersonRow, unit_ids: dict[str, int], current_leads: set[int]
) -> bool:
    """Whether storing the row would change the person."""
    return (
        person.name != row.name
        or person.email != row.email
        or person.unit_id != (unit_ids[row.unit_code] if row.unit_code else None)
        or person.job_code != row.job_code
        or person.fte != row.fte
        or person.birth_year != row.birth_year
        or person.stored_roles != set(row.stored_roles)
        or wanted_leads(row, unit_ids, current_leads) != current_leads
    )
