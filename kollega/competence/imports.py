"""Importing requirements and assessments from CSV (DESIGN.md: CSV imports).

Validate-then-apply: the whole file is checked against itself and the database, every
bad row is reported by line number (the header is line 1) with a translated reason, and
only a file without errors is stored. The services flush, never commit.

- requirements: ``scope_type,scope_code,competence_code,level,effective_from,effective_until``;
  a row with the same scope, competence and start date as a stored requirement updates it.
- assessments: ``employee_no,competence_code,level,source,assessed_on`` (optional ``note``);
  a row identical to a stored assessment is left alone (history is only ever added to).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega.audit.services import record
from kollega.competence.credential_imports import import_credentials
from kollega.competence.import_rows import Plan, competence_level, competence_scales, parse_day
from kollega.competence.models import SCOPE_TYPES, SOURCES, Assessment, Requirement
from kollega.csvio import ImportReport, Source, chunked, open_csv
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person

REQUIREMENT_COLUMNS = (
    "scope_type",
    "scope_code",
    "competence_code",
    "level",
    "effective_from",
    "effective_until",
)
ASSESSMENT_COLUMNS = ("employee_no", "competence_code", "level", "source", "assessed_on")
ASSESSMENT_OPTIONAL = ("note",)


def check_requirements(source: Source) -> Plan:
    """Check a requirements CSV against itself and the database: the rows to store, or
    every bad row with its reasons."""
    plan = Plan()
    report = plan.report
    scales = competence_scales()
    units = dict(db.session.execute(sa.select(OrgUnit.code, OrgUnit.id)).all())
    jobs = set(
        db.session.scalars(
            sa.select(Person.job_code).where(Person.job_code.is_not(None)).distinct()
        )
    )
    seen: dict[tuple[Any, ...], int] = {}
    with open_csv(source, REQUIREMENT_COLUMNS) as rows:
        for line, row in rows:
            report.rows += 1
            problems: list[Any] = []
            scope_type, unit_id = _requirement_scope(row, units, jobs, problems)
            comp, level = competence_level(row, scales, problems, low=1)
            start, until = _requirement_period(row, problems)
            if not problems and comp is not None:
                key = (scope_type, row["scope_code"], comp[0], start)
                if key in seen:
                    problems.append(_l("repeats line %(line)s", line=seen[key]))
                seen[key] = line
            if problems:
                report.error(line, "; ".join(str(p) for p in problems))
                continue
            assert comp is not None
            plan.rows.append(
                {
                    "scope_type": scope_type,
                    "unit_id": unit_id,
                    "job_code": row["scope_code"] if scope_type == "job" else None,
                    "competence_id": comp[0],
                    "level": level,
                    "effective_from": start,
                    "effective_until": until,
                }
            )
        report.errors.extend(rows.errors)
        report.encoding = rows.encoding
    return plan


def _requirement_scope(
    row: dict[str, str], units: dict[str, int], jobs: set[str | None], problems: list[Any]
) -> tuple[str, int | None]:
    """(scope type in lower case, the unit's id for a unit scope); problems noted."""
    scope_type = row["scope_type"].lower()
    scope_code = row["scope_code"]
    unit_id = None
    if scope_type not in SCOPE_TYPES:
        problems.append(
            _l("unknown scope type %(value)s (use unit or job)", value=row["scope_type"])
        )
    elif scope_type == "unit":
        unit_id = units.get(scope_code)
        if unit_id is None:
            problems.append(_l("unknown unit %(code)s", code=scope_code))
    elif scope_code not in jobs:
        problems.append(_l("unknown job code %(code)s", code=scope_code))
    return scope_type, unit_id


def _requirement_period(
    row: dict[str, str], problems: list[Any]
) -> tuple[dt.date | None, dt.date | None]:
    """(effective from, effective until or None); problems noted."""
    start = parse_day(row["effective_from"])
    if start is None:
        problems.append(
            _l("malformed date %(value)s (use YYYY-MM-DD)", value=row["effective_from"])
        )
    until = None
    if row["effective_until"]:
        until = parse_day(row["effective_until"])
        if until is None:
            problems.append(
                _l("malformed date %(value)s (use YYYY-MM-DD)", value=row["effective_until"])
            )
        elif start is not None and until <= start:
            problems.append(_l("effective_until must be after effective_from"))
    return start, until


def apply_requirements(plan: Plan, actor_id: int | None = None) -> ImportReport:
    """Store a checked requirements plan: new rows inserted, changed ones updated."""
    report = plan.report
    if not report.ok:
        return report
    existing = {
        (r.scope_type, r.unit_id, r.job_code, r.competence_id, r.effective_from): r
        for r in db.session.scalars(sa.select(Requirement))
    }
    new = []
    for row in plan.rows:
        key = (
            row["scope_type"],
            row["unit_id"],
            row["job_code"],
            row["competence_id"],
            row["effective_from"],
        )
        current = existing.get(key)
        if current is None:
            new.append({**row, "set_by_id": actor_id, "note": ""})
        elif (current.level, current.effective_until) == (row["level"], row["effective_until"]):
            report.unchanged += 1
        else:
            current.level, current.effective_until = row["level"], row["effective_until"]
            current.set_by_id = actor_id
            report.updated += 1
    for batch in chunked(new):
        db.session.execute(sa.insert(Requirement), batch)
    report.created += len(new)
    db.session.flush()
    return report


def check_assessments(source: Source) -> Plan:
    """Check an assessments CSV against itself and the database: the rows to store, or
    every bad row with its reasons."""
    plan = Plan()
    report = plan.report
    scales = competence_scales()
    parsed: list[tuple[int, dict[str, str]]] = []
    with open_csv(source, ASSESSMENT_COLUMNS, ASSESSMENT_OPTIONAL) as rows:
        for line, row in rows:
            parsed.append((line, row))
        report.errors.extend(rows.errors)
        report.encoding = rows.encoding
    numbers = {row["employee_no"] for _line, row in parsed}
    people: dict[str, int] = {}
    for batch in chunked(sorted(numbers)):
        people.update(
            db.session.execute(
                sa.select(Person.employee_no, Person.id).where(Person.employee_no.in_(batch))
            ).all()
        )
    for line, row in parsed:
        report.rows += 1
        problems: list[Any] = []
        pid = people.get(row["employee_no"])
        if pid is None:
            problems.append(_l("unknown employee number %(value)s", value=row["employee_no"]))
        comp, level = competence_level(row, scales, problems, low=0)
        source = row["source"].lower()
        if source not in SOURCES:
            problems.append(
                _l("unknown source %(value)s (use self, leader or formal)", value=row["source"])
            )
        on = parse_day(row["assessed_on"])
        if on is None:
            problems.append(
                _l("malformed date %(value)s (use YYYY-MM-DD)", value=row["assessed_on"])
            )
        note = row.get("note", "") or ""
        if len(note) > 2000:
            problems.append(_l("the note is too long"))
        if problems:
            report.error(line, "; ".join(str(p) for p in problems))
            continue
        assert comp is not None
        plan.rows.append(
            {
                "person_id": pid,
                "competence_id": comp[0],
                "level": level,
                "source": source,
                "assessed_on": on,
                "note": note,
            }
        )
    return plan


def apply_assessments(plan: Plan) -> ImportReport:
    """Store a checked assessments plan; a row identical to a stored one is left alone."""
    report = plan.report
    if not report.ok:
        return report
    person_ids = sorted({r["person_id"] for r in plan.rows})
    existing: set[tuple[Any, ...]] = set()
    for batch in chunked(person_ids):
        existing.update(
            db.session.execute(
                sa.select(
                    Assessment.person_id,
                    Assessment.competence_id,
                    Assessment.source,
                    Assessment.assessed_on,
                    Assessment.level,
                ).where(Assessment.person_id.in_(batch))
            ).all()
        )
    new = []
    for row in plan.rows:
        key = (
            row["person_id"],
            row["competence_id"],
            row["source"],
            row["assessed_on"],
            row["level"],
        )
        if key in existing:
            report.unchanged += 1
            continue
        existing.add(key)
        new.append({**row, "assessor_id": None, "evidence_url": None})
    for batch in chunked(new):
        db.session.execute(sa.insert(Assessment), batch)
    report.created += len(new)
    db.session.flush()
    return report


def import_requirements(source: Source, actor_id: int | None = None) -> ImportReport:
    """Check and, when every row is good, store (flush) the requirements."""
    return apply_requirements(check_requirements(source), actor_id)


def import_assessments(source: Source) -> ImportReport:
    """Check and, when every row is good, store (flush) the assessments."""
    return apply_assessments(check_assessments(source))


IMPORT_KINDS = ("requirements", "assessments", "credentials")


def run_import(kind: str, source: Source, actor_id: int | None, file_name: str) -> ImportReport:
    """Import a requirements, assessments or credentials file; when every row is good,
    it is stored (flushed) and the import is audited under ``actor_id`` (None from the
    command line)."""
    if kind == "requirements":
        report = import_requirements(source, actor_id)
    elif kind == "credentials":
        report = import_credentials(source, actor_id)
    else:
        report = import_assessments(source)
    if report.ok:
        record(f"competence.import_{kind}", actor_id, **report.counts(), file_name=file_name[:200])
    return report
