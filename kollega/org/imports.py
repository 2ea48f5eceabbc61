"""Importing units and people from CSV files (``DESIGN.md``: CSV imports).

Every import is validate-then-apply: ``check_units`` / ``check_people`` read the whole
file, check every row against the file itself and the database, and return a plan whose
report lists every bad row by line number (the header is line 1). Only a plan without
errors is applied (``apply_units`` / ``apply_people``); a file with any bad row imports
nothing. ``import_units`` / ``import_people`` do both. The services flush and never
commit; the command or the page commits.

The database is read in batches (units and people preloaded by code, employee number
and e-mail in chunks), so a file of 6,500 people costs a handful of queries, not
thousands. The reader holds one parsed copy of the rows, never the raw file as well.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.audit.services import record
from kollega.csvio import CsvFileError, ImportReport, Source, chunked, open_csv, parse_number
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.models import ROLES, UNIT_KINDS, OrgUnit, Person, PersonRole, UnitLeader

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
KINDS = ("units", "people")

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


def _noop(phase: str, done: int, total: int) -> None:
    return None


def _text(
    report: ImportReport, line: int, row: dict[str, str], column: str, limit: int, required: bool
) -> str | None:
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


def _code(
    report: ImportReport,
    line: int,
    row: dict[str, str],
    column: str,
    required: bool,
    new: bool = False,
) -> str | None:
    """A unit code; a ``new`` one (being defined) may not contain spaces, '/' or '|'.
    A code that refers to a unit is checked by looking it up instead."""
    value = _text(report, line, row, column, MAX_CODE, required)
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


def _require_rows(report: ImportReport) -> None:
    if report.rows == 0:
        raise CsvFileError(_l("The file has a header row but no rows under it."))


# --- units -------------------------------------------------------------------------


def check_units(
    source: Source, preview_rows: int = 20, progress: Progress | None = None, total: int = 0
) -> ImportPlan[UnitRow]:
    """Read and check a units file (``code,name,parent_code,kind``) without storing anything.

    A parent may be an existing unit or a unit defined anywhere in the same file. Reports
    every bad row: empty or over-long fields, unknown kind, a code twice in the file, an
    unknown parent, a unit that would end up under itself (a cycle)."""
    progress = progress or _noop
    plan: ImportPlan[UnitRow] = ImportPlan("units", columns=UNIT_COLUMNS)
    report = plan.report
    first_line: dict[str, int] = {}
    with open_csv(source, UNIT_COLUMNS) as reader:
        for line, row in reader:
            if len(plan.preview) < preview_rows:
                plan.preview.append((line, row))
            report.rows += 1
            if report.rows % 200 == 0:
                progress("check", line, total)
            errors_before = len(report.errors)
            code = _code(report, line, row, "code", required=True, new=True)
            name = _text(report, line, row, "name", MAX_NAME, required=True)
            parent_code = _code(report, line, row, "parent_code", required=False)
            kind = row["kind"].lower()
            if not kind:
                report.error(line, _l("kind is empty."))
            elif kind not in UNIT_KINDS:
                report.error(
                    line,
                    _l(
                        "Unknown unit kind %(kind)s (use one of: %(kinds)s).",
                        kind=row["kind"],
                        kinds=", ".join(UNIT_KINDS),
                    ),
                )
            if code is not None:
                if code in first_line:
                    report.error(
                        line,
                        _l(
                            "Unit code %(code)s appears twice in the file (first on line %(first)s).",
                            code=code,
                            first=first_line[code],
                        ),
                    )
                    continue
                first_line[code] = line
                if parent_code == code:
                    report.error(line, _l("Unit %(code)s cannot be its own parent.", code=code))
            if len(report.errors) == errors_before:
                plan.rows.append(UnitRow(line, code, name, parent_code, kind))  # type: ignore[arg-type]
        report.errors.extend(reader.errors)
        progress("check", reader.last_line, total)
    _require_rows(report)

    # The whole tree as it would be: the database overlaid with the file. The unit
    # tree is small (a few thousand units at most): one query reads all of it.
    db_units = {
        u.code: u
        for u in db.session.execute(
            sa.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id)
        )
    }
    code_of = {u.id: u.code for u in db_units.values()}
    parent_of: dict[str, str | None] = {
        code: (code_of[u.parent_id] if u.parent_id is not None else None)
        for code, u in db_units.items()
    }
    # Units with a bad row are still known by code, so their children are not
    # reported as having an unknown parent as well.
    known = set(parent_of) | set(first_line)
    good_rows = []
    for row in plan.rows:
        if row.parent_code is not None and row.parent_code not in known:
            report.error(
                row.line,
                _l(
                    "Unknown parent unit %(parent)s: it is neither in the file nor in kollega.",
                    parent=row.parent_code,
                ),
            )
        else:
            good_rows.append(row)
    parent_of_db = dict(parent_of)
    for row in plan.rows:
        parent_of[row.code] = row.parent_code
    _check_cycles(plan.rows, parent_of, report)
    plan.rows = good_rows
    report.errors.sort(key=lambda e: e[0])

    # What applying would do.
    if report.ok:
        for row in plan.rows:
            current = db_units.get(row.code)
            if current is None:
                report.created += 1
            elif (
                current.name == row.name
                and current.kind == row.kind
                and parent_of_db[row.code] == row.parent_code
            ):
                report.unchanged += 1
            else:
                report.updated += 1
    return plan


def _check_cycles(
    rows: list[UnitRow], parent_of: dict[str, str | None], report: ImportReport
) -> None:
    line_of = {row.code: row.line for row in rows}
    state: dict[str, int] = {}  # 1: on the current walk, 2: known to reach a root
    reported: set[str] = set()
    for row in rows:
        walk: list[str] = []
        code: str | None = row.code
        while code is not None and state.get(code) is None and code in parent_of:
            state[code] = 1
            walk.append(code)
            code = parent_of[code]
        if code is not None and state.get(code) == 1:
            cycle = walk[walk.index(code) :]
            chain = " → ".join([*cycle, code])
            for member in cycle:
                if member in line_of and member not in reported and member != parent_of[member]:
                    reported.add(member)
                    report.error(
                        line_of[member],
                        _l(
                            "Unit %(code)s would end up under itself: %(chain)s.",
                            code=member,
                            chain=chain,
                        ),
                    )
        for member in walk:
            state[member] = 2


def apply_units(plan: ImportPlan[UnitRow], progress: Progress | None = None) -> ImportReport:
    """Store a checked units plan: create or update every unit, then set the
    materialised paths of the whole tree. Flushes, never commits."""
    if not plan.ok:
        raise ValidationError(_l("The file has errors; nothing was imported."))
    progress = progress or _noop
    report = plan.report
    units = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
    new_codes = set()
    for row in plan.rows:
        if row.code not in units:
            unit = OrgUnit(code=row.code, name=row.name, kind=row.kind, path="")
            db.session.add(unit)
            units[row.code] = unit
            new_codes.add(row.code)
    db.session.flush()  # every unit has an id now
    created = updated = 0
    for i, row in enumerate(plan.rows, 1):
        unit = units[row.code]
        parent_id = units[row.parent_code].id if row.parent_code else None
        if row.code in new_codes:
            created += 1
        elif unit.name != row.name or unit.kind != row.kind or unit.parent_id != parent_id:
            updated += 1
        unit.name, unit.kind, unit.parent_id = row.name, row.kind, parent_id
        if i % CHUNK == 0:
            progress("apply", i, len(plan.rows))
    db.session.flush()
    repath_all()
    for unit in units.values():
        db.session.expire(unit, ["parent", "children"])
    progress("apply", len(plan.rows), len(plan.rows))
    report.created, report.updated = created, updated
    report.unchanged = len(plan.rows) - created - updated
    return report


def repath_all() -> int:
    """Recompute every unit's materialised path from its parent; returns how many changed.

    The unit tree is small (hundreds to a few thousand units), so one read and a batch
    of updates is cheaper and simpler than moving subtrees one by one."""
    rows = db.session.execute(sa.select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.path)).all()
    parent = {r.id: r.parent_id for r in rows}
    paths: dict[int, str] = {}

    def path_of(unit_id: int) -> str:
        chain = []
        current: int | None = unit_id
        while current is not None and current not in paths:
            chain.append(current)
            current = parent[current]
            if len(chain) > len(parent):  # only a cycle is deeper than the whole tree
                raise ValidationError(_l("A unit cannot be placed under itself."))
        prefix = paths[current] if current is not None else "/"
        for uid in reversed(chain):
            prefix = f"{prefix}{uid}/"
            paths[uid] = prefix
        return paths[unit_id]

    changes = [
        {"unit_id": r.id, "new_path": path_of(r.id)} for r in rows if path_of(r.id) != r.path
    ]
    if changes:
        table = OrgUnit.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("unit_id"))
            .values(path=sa.bindparam("new_path")),
            changes,
        )
        for unit in db.session.identity_map.values():
            if isinstance(unit, OrgUnit):
                db.session.expire(unit, ["path"])
    db.session.flush()
    return len(changes)


# --- people ------------------------------------------------------------------------


def _parse_roles(report: ImportReport, line: int, text: str) -> tuple[frozenset[str], bool] | None:
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


def check_people(
    source: Source, preview_rows: int = 20, progress: Progress | None = None, total: int = 0
) -> ImportPlan[PersonRow]:
    """Read and check a people file without storing anything.

    Columns ``employee_no,name,email,unit_code,job_code,fte,birth_year,roles``. A row for
    an existing employee number updates that person. Reports every bad row: empty or
    invalid fields, an unknown unit, the same employee number or e-mail twice in the
    file, an e-mail belonging to another person in kollega, an FTE outside 0-2, an
    implausible birth year, an unknown role."""
    progress = progress or _noop
    plan: ImportPlan[PersonRow] = ImportPlan("people", columns=PEOPLE_COLUMNS)
    report = plan.report
    this_year = dt.date.today().year
    first_no: dict[str, int] = {}
    first_email: dict[str, int] = {}
    # (line, employee_no, email, unit_code) of every row, good or bad, so that the
    # database checks below report bad rows' other problems as well.
    refs: list[tuple[int, str | None, str | None, str | None]] = []
    with open_csv(source, PEOPLE_COLUMNS) as reader:
        for line, row in reader:
            if len(plan.preview) < preview_rows:
                plan.preview.append((line, row))
            report.rows += 1
            if report.rows % 200 == 0:
                progress("check", line, total)
            errors_before = len(report.errors)
            employee_no = _text(report, line, row, "employee_no", MAX_EMPLOYEE_NO, required=True)
            name = _text(report, line, row, "name", MAX_NAME, required=True)
            email = _check_email(report, line, row["email"])
            unit_code = _code(report, line, row, "unit_code", required=False)
            job_code = _text(report, line, row, "job_code", MAX_JOB_CODE, required=False)
            fte = 1.0
            if row["fte"]:
                try:
                    fte = parse_number(row["fte"])
                except ValueError:
                    report.error(line, _l("fte %(value)s is not a number.", value=row["fte"]))
                else:
                    if not 0 <= fte <= 2:
                        report.error(
                            line, _l("fte %(value)s must be between 0 and 2.", value=row["fte"])
                        )
            birth_year = None
            if row["birth_year"]:
                try:
                    birth_year = int(row["birth_year"])
                except ValueError:
                    report.error(
                        line,
                        _l("birth_year %(value)s is not a whole number.", value=row["birth_year"]),
                    )
                else:
                    if not this_year - OLDEST_AGE <= birth_year <= this_year - YOUNGEST_AGE:
                        report.error(
                            line,
                            _l(
                                "birth_year %(value)s is not plausible (between %(low)s and %(high)s).",
                                value=row["birth_year"],
                                low=this_year - OLDEST_AGE,
                                high=this_year - YOUNGEST_AGE,
                            ),
                        )
            roles = _parse_roles(report, line, row["roles"])
            if roles is not None and unit_code is None and not report.errors[errors_before:]:
                if roles[1]:
                    report.error(line, _l("A leader needs a unit_code: the unit they lead."))
                elif "guest" not in roles[0]:
                    report.error(line, _l("unit_code is empty (only guests may have no unit)."))
            if employee_no is not None:
                if employee_no in first_no:
                    report.error(
                        line,
                        _l(
                            "Employee number %(no)s appears twice in the file (first on line %(first)s).",
                            no=employee_no,
                            first=first_no[employee_no],
                        ),
                    )
                else:
                    first_no[employee_no] = line
            if email is not None:
                if email in first_email:
                    report.error(
                        line,
                        _l(
                            "E-mail %(email)s appears twice in the file (first on line %(first)s).",
                            email=email,
                            first=first_email[email],
                        ),
                    )
                else:
                    first_email[email] = line
            refs.append((line, employee_no, email, unit_code))
            if len(report.errors) == errors_before:
                assert roles is not None and employee_no and name and email
                plan.rows.append(
                    PersonRow(
                        line,
                        employee_no,
                        name,
                        email,
                        unit_code,
                        job_code,
                        fte,
                        birth_year,
                        roles[0],
                        roles[1],
                    )
                )
        report.errors.extend(reader.errors)
        progress("check", reader.last_line, total)
    _require_rows(report)

    # Against the database, in batches.
    unit_ids = _units_by_code({code for _, _, _, code in refs if code})
    by_no = _people_by("employee_no", [r.employee_no for r in plan.rows])
    by_email = _people_by("email", [email for _, _, email, _ in refs if email])
    file_email_of: dict[str, str | None] = {}
    for _, employee_no, email, _ in refs:
        if employee_no is not None:
            file_email_of.setdefault(employee_no, email)
    for line, employee_no, email, unit_code in refs:
        if unit_code and unit_code not in unit_ids:
            report.error(
                line,
                _l(
                    "Unknown unit %(code)s: import the units first or correct the code.",
                    code=unit_code,
                ),
            )
        owner = by_email.get(email) if email else None
        # Another person's e-mail is allowed only when the file gives them another one.
        if (
            owner is not None
            and owner.employee_no != employee_no
            and (
                owner.employee_no is None
                or file_email_of.get(owner.employee_no, email) in (None, email)
            )
        ):
            report.error(
                line,
                _l(
                    "E-mail %(email)s already belongs to another person in kollega (%(name)s).",
                    email=email,
                    name=owner.name,
                ),
            )
    del refs
    report.errors.sort(key=lambda e: e[0])
    if report.ok:
        leads = _leaderships([p.id for p in by_no.values()])
        for row in plan.rows:
            person = by_no.get(row.employee_no)
            if person is None:
                report.created += 1
            elif _person_differs(person, row, unit_ids, leads.get(person.id, set())):
                report.updated += 1
            else:
                report.unchanged += 1
    return plan


def _check_email(report: ImportReport, line: int, value: str) -> str | None:
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


def _units_by_code(codes: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in chunked(sorted(codes), CHUNK):
        found.update(
            db.session.execute(
                sa.select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.in_(batch))
            ).all()
        )
    return found


def _people_by(attribute: str, values: Iterable[str]) -> dict[str, Person]:
    column = getattr(Person, attribute)
    found: dict[str, Person] = {}
    for batch in chunked(sorted(set(values)), CHUNK):
        for person in db.session.scalars(
            sa.select(Person).where(column.in_(batch)).options(selectinload(Person.role_rows))
        ):
            found[getattr(person, attribute)] = person
    return found


def _leaderships(person_ids: list[int]) -> dict[int, set[int]]:
    leads: dict[int, set[int]] = {}
    for batch in chunked(sorted(person_ids), CHUNK):
        for person_id, unit_id in db.session.execute(
            sa.select(UnitLeader.person_id, UnitLeader.unit_id).where(
                UnitLeader.person_id.in_(batch)
            )
        ):
            leads.setdefault(person_id, set()).add(unit_id)
    return leads


def _wanted_leads(row: PersonRow, unit_ids: dict[str, int], current: set[int]) -> set[int]:
    """A leader keeps the units they lead and gains the row's unit; a row without the
    leader role ends every leadership of that person."""
    if not row.leader:
        return set()
    return current | {unit_ids[row.unit_code]} if row.unit_code else current


def _person_differs(
    person: Person, row: PersonRow, unit_ids: dict[str, int], current_leads: set[int]
) -> bool:
    return (
        person.name != row.name
        or person.email != row.email
        or person.unit_id != (unit_ids[row.unit_code] if row.unit_code else None)
        or person.job_code != row.job_code
        or person.fte != row.fte
        or person.birth_year != row.birth_year
        or person.stored_roles != set(row.stored_roles)
        or _wanted_leads(row, unit_ids, current_leads) != current_leads
    )


def apply_people(plan: ImportPlan[PersonRow], progress: Progress | None = None) -> ImportReport:
    """Store a checked people plan: create new people, update those whose employee
    number exists, set stored roles and leaderships. Flushes, never commits."""
    if not plan.ok:
        raise ValidationError(_l("The file has errors; nothing was imported."))
    progress = progress or _noop
    report = plan.report
    rows = plan.rows
    unit_ids = _units_by_code({r.unit_code for r in rows if r.unit_code})
    by_no = _people_by("employee_no", [r.employee_no for r in rows])
    leads = _leaderships([p.id for p in by_no.values()])

    # E-mails moving between people of this file: park the old ones first so that no
    # intermediate state breaks the unique constraint.
    file_emails = {r.email for r in rows}
    parked = [
        person
        for r in rows
        if (person := by_no.get(r.employee_no)) is not None
        and person.email != r.email
        and person.email in file_emails
    ]
    for person in parked:
        person.email = f"import-{person.id}@parked.invalid"
    if parked:
        db.session.flush()

    updated = 0
    new_rows: list[PersonRow] = []
    leader_rows: list[dict[str, int]] = []
    ended: list[int] = []
    for i, row in enumerate(rows, 1):
        person = by_no.get(row.employee_no)
        if person is None:
            new_rows.append(row)
            continue
        current = leads.get(person.id, set())
        if not _person_differs(person, row, unit_ids, current):
            continue
        updated += 1
        person.name, person.email = row.name, row.email
        person.unit_id = unit_ids[row.unit_code] if row.unit_code else None
        person.job_code, person.fte, person.birth_year = row.job_code, row.fte, row.birth_year
        have = {r.role: r for r in person.role_rows}
        for role, role_row in have.items():
            if role not in row.stored_roles:
                person.role_rows.remove(role_row)
        for role in sorted(row.stored_roles - have.keys()):
            person.role_rows.append(PersonRole(role=role))
        wanted = _wanted_leads(row, unit_ids, current)
        leader_rows.extend({"person_id": person.id, "unit_id": u} for u in sorted(wanted - current))
        if not wanted and current:
            ended.append(person.id)
        if i % CHUNK == 0:
            db.session.flush()
            progress("apply", i, len(rows))
    db.session.flush()

    # New people in batches: one multi-row INSERT per chunk, ids back by employee number.
    table = Person.__table__
    role_rows: list[dict[str, Any]] = []
    done = len(rows) - len(new_rows)
    for batch in chunked(new_rows, CHUNK):
        result = db.session.execute(
            sa.insert(table).returning(table.c.id, table.c.employee_no),
            [
                {
                    "employee_no": r.employee_no,
                    "name": r.name,
                    "email": r.email,
                    "unit_id": unit_ids[r.unit_code] if r.unit_code else None,
                    "job_code": r.job_code,
                    "fte": r.fte,
                    "birth_year": r.birth_year,
                    "active": True,
                }
                for r in batch
            ],
        )
        id_of = {employee_no: person_id for person_id, employee_no in result}
        for r in batch:
            role_rows.extend(
                {"person_id": id_of[r.employee_no], "role": role} for role in sorted(r.stored_roles)
            )
            if r.leader and r.unit_code:
                leader_rows.append(
                    {"person_id": id_of[r.employee_no], "unit_id": unit_ids[r.unit_code]}
                )
        done += len(batch)
        progress("apply", done, len(rows))
    for batch in chunked(role_rows, CHUNK * 4):
        db.session.execute(sa.insert(PersonRole.__table__), batch)
    for batch in chunked(ended, CHUNK):
        db.session.execute(sa.delete(UnitLeader).where(UnitLeader.person_id.in_(batch)))
    for batch in chunked(leader_rows, CHUNK * 4):
        db.session.execute(sa.insert(UnitLeader.__table__), batch)
    db.session.flush()
    for person in by_no.values():
        db.session.expire(person, ["led_units"])
    progress("apply", len(rows), len(rows))
    report.created, report.updated = len(new_rows), updated
    report.unchanged = len(rows) - len(new_rows) - updated
    return report


# --- entry points --------------------------------------------------------------------


CHECKS: dict[str, Callable[..., ImportPlan[Any]]] = {"units": check_units, "people": check_people}
APPLIES: dict[str, Callable[..., ImportReport]] = {"units": apply_units, "people": apply_people}


def check(
    kind: str,
    source: Source,
    actor: Person | None = None,
    preview_rows: int = 20,
    progress: Progress | None = None,
    total: int = 0,
) -> ImportPlan[Any]:
    """Check a file of this kind (``units`` or ``people``) without storing anything.

    ``actor`` is the signed-in person for the upload page (who must be allowed to import);
    ``None`` means the command line, run by whoever operates the server."""
    if actor is not None:
        permissions.require(permissions.can_import(actor))
    if kind not in CHECKS:
        raise ValidationError(_l("Unknown import kind: %(kind)s.", kind=kind))
    return CHECKS[kind](source, preview_rows=preview_rows, progress=progress, total=total)


def run_import(
    kind: str,
    source: Source,
    actor: Person | None = None,
    progress: Progress | None = None,
    total: int = 0,
    file_name: str | None = None,
) -> ImportReport:
    """Check a file and, when every row is good, store it; returns the report.

    With any bad row nothing is stored and the report lists every bad row. Records an
    audit event with the figures (never the rows). Flushes, never commits."""
    plan = check(kind, source, actor, preview_rows=0, progress=progress, total=total)
    if not plan.ok:
        return plan.report
    report = APPLIES[kind](plan, progress=progress)
    details: dict[str, Any] = dict(report.counts())
    if file_name:
        details["file_name"] = file_name[:200]
    record(
        f"org.import_{kind}",
        actor_id=actor.id if actor is not None else None,
        **details,
    )
    db.session.flush()
    return report


def import_units(source: Source, actor: Person | None = None, **kw: Any) -> ImportReport:
    """Check and store a units file (see ``run_import``)."""
    return run_import("units", source, actor, **kw)


def import_people(source: Source, actor: Person | None = None, **kw: Any) -> ImportReport:
    """Check and store a people file (see ``run_import``)."""
    return run_import("people", source, actor, **kw)
