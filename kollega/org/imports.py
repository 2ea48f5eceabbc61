"""Importing units, people and job names from CSV files (``DESIGN.md``: CSV imports).

Every import is validate-then-apply: ``check_units`` / ``check_people`` read the whole
file, check every row against the file itself and the database, and return a plan whose
report lists every bad row by line number (the header is line 1). Only a plan without
errors is applied (``apply_units`` / ``apply_people``); a file with any bad row imports
nothing. ``import_units`` / ``import_people`` do both. The services flush and never
commit; the command's or the page's unit of work commits. The file's columns, row
types and field checks are in ``kollega.org.import_rows``.

The database is read in batches (units and people preloaded by code, employee number
and e-mail in chunks), so a file of 6,500 people costs a handful of queries, not
thousands. The reader holds one parsed copy of the rows, never the raw file as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.audit.services import record
from kollega.csvio import ImportReport, Source, chunked
from kollega.errors import ValidationError
from kollega.extensions import db
from kollega.org.import_rows import (
    CHUNK,
    JOB_COLUMNS,
    MAX_EMPLOYEE_NO,
    MAX_JOB_CODE,
    MAX_NAME,
    PEOPLE_COLUMNS,
    UNIT_COLUMNS,
    ImportPlan,
    JobRow,
    PersonRow,
    Progress,
    UnitRow,
    check_birth_year,
    check_code,
    check_email,
    check_fte,
    check_text,
    leaderships,
    no_progress,
    parse_roles,
    people_by,
    person_differs,
    read_rows,
    require_rows,
    units_by_code,
    wanted_leads,
)
from kollega.org.models import (
    UNIT_KINDS,
    Job,
    OrgUnit,
    Person,
    PersonRole,
    UnitLeader,
    job_names,
)

# --- units -------------------------------------------------------------------------


def check_units(
    source: Source, preview_rows: int = 20, progress: Progress | None = None, total: int = 0
) -> ImportPlan[UnitRow]:
    """Read and check a units file (``code,name,parent_code,kind``) without storing anything.

    A parent may be an existing unit or a unit defined anywhere in the same file. Reports
    every bad row: empty or over-long fields, unknown kind, a code twice in the file, an
    unknown parent, a unit that would end up under itself (a cycle)."""
    plan: ImportPlan[UnitRow] = ImportPlan("units", columns=UNIT_COLUMNS)
    first_line: dict[str, int] = {}
    for line, row in read_rows(plan, source, preview_rows, progress or no_progress, total):
        unit = _check_unit_row(plan.report, line, row, first_line)
        if unit is not None:
            plan.rows.append(unit)
    require_rows(plan.report)

    # The whole tree as it would be: the database overlaid with the file. The unit
    # tree is small (a few thousand units at most): one query reads all of it.
    db_units = {
        u.code: u
        for u in db.session.execute(
            sa.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id)
        )
    }
    code_of = {u.id: u.code for u in db_units.values()}
    parent_of_db: dict[str, str | None] = {
        code: (code_of[u.parent_id] if u.parent_id is not None else None)
        for code, u in db_units.items()
    }
    _check_parents(plan, first_line, parent_of_db)
    plan.report.errors.sort(key=lambda e: e[0])
    if plan.ok:
        _count_unit_changes(plan, db_units, parent_of_db)
    return plan


def _check_unit_row(
    report: ImportReport, line: int, row: dict[str, str], first_line: dict[str, int]
) -> UnitRow | None:
    """One row on its own and its code against the rows above it (``first_line``: the
    line each code was first defined on); the row when it is good."""
    errors_before = len(report.errors)
    code = check_code(report, line, row, "code", required=True, new=True)
    name = check_text(report, line, row, "name", MAX_NAME, required=True)
    parent_code = check_code(report, line, row, "parent_code", required=False)
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
            return None
        first_line[code] = line
        if parent_code == code:
            report.error(line, _l("Unit %(code)s cannot be its own parent.", code=code))
    if len(report.errors) != errors_before:
        return None
    return UnitRow(line, code, name, parent_code, kind)  # type: ignore[arg-type]


def _check_parents(
    plan: ImportPlan[UnitRow], first_line: dict[str, int], parent_of_db: dict[str, str | None]
) -> None:
    """Every parent is a unit of the database or the file, and no unit ends up under
    itself; the rows with an unknown parent leave the plan."""
    report = plan.report
    # Units with a bad row are still known by code, so their children are not
    # reported as having an unknown parent as well.
    known = set(parent_of_db) | set(first_line)
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
    parent_of = dict(parent_of_db)
    for row in plan.rows:
        parent_of[row.code] = row.parent_code
    _check_cycles(plan.rows, parent_of, report)
    plan.rows = good_rows


def _count_unit_changes(
    plan: ImportPlan[UnitRow], db_units: dict[str, Any], parent_of_db: dict[str, str | None]
) -> None:
    """What applying the plan would do: units created, updated and left unchanged."""
    report = plan.report
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
    progress = progress or no_progress
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


def check_people(
    source: Source, preview_rows: int = 20, progress: Progress | None = None, total: int = 0
) -> ImportPlan[PersonRow]:
    """Read and check a people file without storing anything.

    Columns ``employee_no,name,email,unit_code,job_code,fte,birth_year,roles``. A row for
    an existing employee number updates that person. Reports every bad row: empty or
    invalid fields, an unknown unit, the same employee number or e-mail twice in the
    file, an e-mail belonging to another person in kollega, an FTE outside 0-2, an
    implausible birth year, an unknown role."""
    plan: ImportPlan[PersonRow] = ImportPlan("people", columns=PEOPLE_COLUMNS)
    report = plan.report
    first = _FirstInFile()
    # Every row, good or bad, so that the database checks below report bad rows' other
    # problems as well.
    refs: list[_RowRef] = []
    for line, row in read_rows(plan, source, preview_rows, progress or no_progress, total):
        person, ref = _check_person_row(report, line, row, first)
        refs.append(ref)
        if person is not None:
            plan.rows.append(person)
    require_rows(report)

    # Against the database, in batches.
    unit_ids = units_by_code({ref.unit_code for ref in refs if ref.unit_code})
    _check_people_against_db(report, refs, unit_ids)
    del refs
    report.errors.sort(key=lambda e: e[0])
    if report.ok:
        _count_people_changes(plan, unit_ids)
    return plan


@dataclass(slots=True)
class _RowRef:
    """What the database checks need of a row: (line, employee_no, email, unit_code)."""

    line: int
    employee_no: str | None
    email: str | None
    unit_code: str | None


@dataclass(slots=True)
class _FirstInFile:
    """The line each employee number and e-mail first appears on."""

    numbers: dict[str, int] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)


def _check_person_row(
    report: ImportReport, line: int, row: dict[str, str], first: _FirstInFile
) -> tuple[PersonRow | None, _RowRef]:
    """One row on its own and against the rows above it: the row when it is good, and
    what the database checks need of it either way."""
    errors_before = len(report.errors)
    employee_no = check_text(report, line, row, "employee_no", MAX_EMPLOYEE_NO, required=True)
    name = check_text(report, line, row, "name", MAX_NAME, required=True)
    email = check_email(report, line, row["email"])
    unit_code = check_code(report, line, row, "unit_code", required=False)
    job_code = check_text(report, line, row, "job_code", MAX_JOB_CODE, required=False)
    fte = check_fte(report, line, row["fte"])
    birth_year = check_birth_year(report, line, row["birth_year"])
    roles = parse_roles(report, line, row["roles"])
    if roles is not None and unit_code is None and not report.errors[errors_before:]:
        if roles[1]:
            report.error(line, _l("A leader needs a unit_code: the unit they lead."))
        elif "guest" not in roles[0]:
            report.error(line, _l("unit_code is empty (only guests may have no unit)."))
    if employee_no is not None:
        _first_in_file(
            report,
            line,
            first.numbers,
            employee_no,
            lambda first_line: _l(
                "Employee number %(no)s appears twice in the file (first on line %(first)s).",
                no=employee_no,
                first=first_line,
            ),
        )
    if email is not None:
        _first_in_file(
            report,
            line,
            first.emails,
            email,
            lambda first_line: _l(
                "E-mail %(email)s appears twice in the file (first on line %(first)s).",
                email=email,
                first=first_line,
            ),
        )
    ref = _RowRef(line, employee_no, email, unit_code)
    if len(report.errors) != errors_before:
        return None, ref
    assert roles is not None and employee_no and name and email
    stored_roles, leader = roles
    good = PersonRow(
        line, employee_no, name, email, unit_code, job_code, fte, birth_year, stored_roles, leader
    )
    return good, ref


def _first_in_file(
    report: ImportReport,
    line: int,
    first: dict[str, int],
    value: str,
    twice: Callable[[int], Any],
) -> None:
    """Note the line ``value`` first appears on; report ``twice(first_line)`` after."""
    if value in first:
        report.error(line, twice(first[value]))
    else:
        first[value] = line


def _check_people_against_db(
    report: ImportReport, refs: list[_RowRef], unit_ids: dict[str, int]
) -> None:
    """Every unit known, and no e-mail that belongs to another person in kollega."""
    by_email = people_by("email", [ref.email for ref in refs if ref.email])
    file_email_of: dict[str, str | None] = {}
    for ref in refs:
        if ref.employee_no is not None:
            file_email_of.setdefault(ref.employee_no, ref.email)
    for ref in refs:
        line, employee_no, email = ref.line, ref.employee_no, ref.email
        if ref.unit_code and ref.unit_code not in unit_ids:
            report.error(
                line,
                _l(
                    "Unknown unit %(code)s: import the units first or correct the code.",
                    code=ref.unit_code,
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


def _count_people_changes(plan: ImportPlan[PersonRow], unit_ids: dict[str, int]) -> None:
    """What applying the plan would do: people created, updated and left unchanged."""
    report = plan.report
    by_no = people_by("employee_no", [r.employee_no for r in plan.rows])
    leads = leaderships([p.id for p in by_no.values()])
    for row in plan.rows:
        person = by_no.get(row.employee_no)
        if person is None:
            report.created += 1
        elif person_differs(person, row, unit_ids, leads.get(person.id, set())):
            report.updated += 1
        else:
            report.unchanged += 1


def apply_people(plan: ImportPlan[PersonRow], progress: Progress | None = None) -> ImportReport:
    """Store a checked people plan: create new people, update those whose employee
    number exists, set stored roles and leaderships. Flushes, never commits."""
    if not plan.ok:
        raise ValidationError(_l("The file has errors; nothing was imported."))
    progress = progress or no_progress
    report = plan.report
    rows = plan.rows
    unit_ids = units_by_code({r.unit_code for r in rows if r.unit_code})
    by_no = people_by("employee_no", [r.employee_no for r in rows])
    leads = leaderships([p.id for p in by_no.values()])
    _park_moving_emails(rows, by_no)
    leaders = _LeaderChanges()
    new_rows, updated = _update_people(rows, by_no, unit_ids, leads, leaders, progress)
    role_rows = _insert_people(new_rows, unit_ids, leaders, progress, len(rows))
    for batch in chunked(role_rows, CHUNK * 4):
        db.session.execute(sa.insert(PersonRole.__table__), batch)
    for batch in chunked(leaders.ended, CHUNK):
        db.session.execute(sa.delete(UnitLeader).where(UnitLeader.person_id.in_(batch)))
    for batch in chunked(leaders.added, CHUNK * 4):
        db.session.execute(sa.insert(UnitLeader.__table__), batch)
    db.session.flush()
    for person in by_no.values():
        db.session.expire(person, ["led_units"])
    progress("apply", len(rows), len(rows))
    report.created, report.updated = len(new_rows), updated
    report.unchanged = len(rows) - len(new_rows) - updated
    return report


@dataclass
class _LeaderChanges:
    """Leaderships to add (``UnitLeader`` rows) and the people whose every one ends."""

    added: list[dict[str, int]] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)


def _park_moving_emails(rows: list[PersonRow], by_no: dict[str, Person]) -> None:
    """E-mails moving between people of this file: park the old ones first so that no
    intermediate state breaks the unique constraint."""
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


def _update_people(
    rows: list[PersonRow],
    by_no: dict[str, Person],
    unit_ids: dict[str, int],
    leads: dict[int, set[int]],
    leaders: _LeaderChanges,
    progress: Progress,
) -> tuple[list[PersonRow], int]:
    """Update the people whose employee number exists and differs; the rows of new
    people, and how many were updated."""
    updated = 0
    new_rows: list[PersonRow] = []
    for i, row in enumerate(rows, 1):
        person = by_no.get(row.employee_no)
        if person is None:
            new_rows.append(row)
            continue
        current = leads.get(person.id, set())
        if not person_differs(person, row, unit_ids, current):
            continue
        updated += 1
        _update_person(person, row, unit_ids)
        wanted = wanted_leads(row, unit_ids, current)
        leaders.added.extend(
            {"person_id": person.id, "unit_id": u} for u in sorted(wanted - current)
        )
        if not wanted and current:
            leaders.ended.append(person.id)
        if i % CHUNK == 0:
            db.session.flush()
            progress("apply", i, len(rows))
    db.session.flush()
    return new_rows, updated


def _update_person(person: Person, row: PersonRow, unit_ids: dict[str, int]) -> None:
    """The row's fields and stored roles onto an existing person."""
    person.name, person.email = row.name, row.email
    person.unit_id = unit_ids[row.unit_code] if row.unit_code else None
    person.job_code, person.fte, person.birth_year = row.job_code, row.fte, row.birth_year
    have = {r.role: r for r in person.role_rows}
    for role, role_row in have.items():
        if role not in row.stored_roles:
            person.role_rows.remove(role_row)
    for role in sorted(row.stored_roles - have.keys()):
        person.role_rows.append(PersonRole(role=role))


def _insert_people(
    new_rows: list[PersonRow],
    unit_ids: dict[str, int],
    leaders: _LeaderChanges,
    progress: Progress,
    total: int,
) -> list[dict[str, Any]]:
    """New people in batches: one multi-row INSERT per chunk, ids back by employee
    number. Their leaderships join ``leaders``; returns their role rows to insert."""
    table = Person.__table__
    role_rows: list[dict[str, Any]] = []
    done = total - len(new_rows)
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
                leaders.added.append(
                    {"person_id": id_of[r.employee_no], "unit_id": unit_ids[r.unit_code]}
                )
        done += len(batch)
        progress("apply", done, total)
    return role_rows


# --- jobs --------------------------------------------------------------------------


def check_jobs(
    source: Source, preview_rows: int = 20, progress: Progress | None = None, total: int = 0
) -> ImportPlan[JobRow]:
    """Read and check a jobs file (``code,name``: the readable name of each job code)
    without storing anything. Reports every bad row: an empty or over-long code or name,
    a code twice in the file. A row for an existing code renames that job."""
    plan: ImportPlan[JobRow] = ImportPlan("jobs", columns=JOB_COLUMNS)
    report = plan.report
    first_line: dict[str, int] = {}
    for line, row in read_rows(plan, source, preview_rows, progress or no_progress, total):
        errors_before = len(report.errors)
        code = check_text(report, line, row, "code", MAX_JOB_CODE, required=True)
        name = check_text(report, line, row, "name", MAX_NAME, required=True)
        if code is not None:
            if code in first_line:
                report.error(
                    line,
                    _l(
                        "Job code %(code)s appears twice in the file (first on line %(first)s).",
                        code=code,
                        first=first_line[code],
                    ),
                )
            else:
                first_line[code] = line
        if len(report.errors) == errors_before:
            plan.rows.append(JobRow(line, code, name))  # type: ignore[arg-type]
    require_rows(report)
    report.errors.sort(key=lambda e: e[0])
    if report.ok:
        names = job_names()
        for row in plan.rows:
            if row.code not in names:
                report.created += 1
            elif names[row.code] == row.name:
                report.unchanged += 1
            else:
                report.updated += 1
    return plan


def apply_jobs(plan: ImportPlan[JobRow], progress: Progress | None = None) -> ImportReport:
    """Store a checked jobs plan: add new job codes, rename existing ones. Flushes."""
    if not plan.ok:
        raise ValidationError(_l("The file has errors; nothing was imported."))
    store_job_names({row.code: row.name for row in plan.rows})
    (progress or no_progress)("apply", len(plan.rows), len(plan.rows))
    return plan.report


def store_job_names(names: dict[str, str]) -> int:
    """Give job codes their readable names (new codes added, existing ones renamed);
    returns how many rows changed. The demo municipality calls it with its job titles.
    Flushes, never commits."""
    current = {job.code: job for job in db.session.scalars(sa.select(Job))}
    changed = 0
    for code, name in names.items():
        job = current.get(code)
        if job is None:
            db.session.add(Job(code=code, name=name))
            changed += 1
        elif job.name != name:
            job.name = name
            changed += 1
    db.session.flush()
    return changed


# --- entry points --------------------------------------------------------------------


CHECKS: dict[str, Callable[..., ImportPlan[Any]]] = {
    "units": check_units,
    "people": check_people,
    "jobs": check_jobs,
}
APPLIES: dict[str, Callable[..., ImportReport]] = {
    "units": apply_units,
    "people": apply_people,
    "jobs": apply_jobs,
}
KINDS = tuple(CHECKS)


def check(
    kind: str,
    source: Source,
    actor: Person | None = None,
    preview_rows: int = 20,
    progress: Progress | None = None,
    total: int = 0,
) -> ImportPlan[Any]:
    """Check a file of this kind (``units``, ``people`` or ``jobs``) without storing anything.

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


def import_jobs(source: Source, actor: Person | None = None, **kw: Any) -> ImportReport:
    """Check and store a jobs file (see ``run_import``)."""
    return run_import("jobs", source, actor, **kw)
