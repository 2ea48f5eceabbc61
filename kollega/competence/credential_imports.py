"""Importing formal competence from CSV (DESIGN.md: CSV imports, ``credentials``).

``employee_no,title,kind,issuer,issued_on,expires_on,competence_code,level``: one row
per competence a credential evidences; the rows of the same employee, title and issue
date are one credential (their kind, issuer and expiry must agree). Each competence gets
a formal assessment dated the issue date, which counts until the expiry date. A
credential already stored (same person, title and issue date) is updated to the file's
version. Validate-then-apply, as the other imports: every bad row is reported by line
number with a translated reason, and a file with any bad row stores nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from kollega.competence.import_rows import Plan, competence_level, competence_scales, parse_day
from kollega.competence.models import (
    CREDENTIAL_KINDS,
    Assessment,
    CredentialCompetence,
    FormalCredential,
)
from kollega.csvio import ImportReport, Source, chunked, open_csv
from kollega.extensions import db
from kollega.org.models import Person

CREDENTIAL_COLUMNS = (
    "employee_no",
    "title",
    "kind",
    "issuer",
    "issued_on",
    "expires_on",
    "competence_code",
    "level",
)


@dataclass
class Credential:
    """One credential of the file: its first line, fields and (competence id, level)s."""

    line: int
    person_id: int
    title: str
    kind: str
    issuer: str
    issued_on: dt.date
    expires_on: dt.date | None
    competences: dict[int, int] = field(default_factory=dict)


def _people(numbers: set[str]) -> dict[str, int]:
    people: dict[str, int] = {}
    for batch in chunked(sorted(numbers)):
        people.update(
            db.session.execute(
                sa.select(Person.employee_no, Person.id).where(Person.employee_no.in_(batch))
            ).all()
        )
    return people


def _row_fields(
    row: dict[str, str], people: dict[str, int], problems: list[Any]
) -> tuple[int | None, str, str, dt.date | None, dt.date | None]:
    """(person id, title, kind, issued on, expires on); problems noted."""
    pid = people.get(row["employee_no"])
    if pid is None:
        problems.append(_l("unknown employee number %(value)s", value=row["employee_no"]))
    title = row["title"]
    if not title or len(title) > 300:
        problems.append(_l("give a title (at most 300 characters)"))
    if len(row["issuer"]) > 200:
        problems.append(_l("the issuer is too long (at most 200 characters)"))
    kind = row["kind"].lower()
    if kind not in CREDENTIAL_KINDS:
        problems.append(
            _l(
                "unknown kind %(value)s (use education, certificate, authorisation or course)",
                value=row["kind"],
            )
        )
    issued = parse_day(row["issued_on"])
    if issued is None:
        problems.append(_l("malformed date %(value)s (use YYYY-MM-DD)", value=row["issued_on"]))
    expires = None
    if row["expires_on"]:
        expires = parse_day(row["expires_on"])
        if expires is None:
            problems.append(
                _l("malformed date %(value)s (use YYYY-MM-DD)", value=row["expires_on"])
            )
        elif issued is not None and expires < issued:
            problems.append(_l("expires_on is before issued_on"))
    return pid, title, kind, issued, expires


def check_credentials(source: Source) -> tuple[Plan, list[Credential]]:
    """Check a credentials CSV against itself and the database: the credentials to
    store, or every bad row with its reasons (in the plan's report)."""
    plan = Plan()
    report = plan.report
    scales = competence_scales()
    with open_csv(source, CREDENTIAL_COLUMNS) as rows:
        parsed = list(rows)
        report.errors.extend(rows.errors)
        report.encoding = rows.encoding
    people = _people({row["employee_no"] for _line, row in parsed})
    found: dict[tuple[int, str, dt.date], Credential] = {}
    seen: dict[tuple[int, str, dt.date, int], int] = {}
    for line, row in parsed:
        report.rows += 1
        problems: list[Any] = []
        pid, title, kind, issued, expires = _row_fields(row, people, problems)
        comp, level = None, None
        if row["competence_code"] or row["level"]:
            comp, level = competence_level(row, scales, problems, low=1)
        if problems or pid is None or issued is None:
            report.error(line, "; ".join(str(p) for p in problems))
            continue
        key = (pid, title, issued)
        cred = found.get(key)
        if cred is None:
            cred = found[key] = Credential(line, pid, title, kind, row["issuer"], issued, expires)
        elif (cred.kind, cred.issuer, cred.expires_on) != (kind, row["issuer"], expires):
            report.error(
                line,
                _l(
                    "kind, issuer or expires_on differs from line %(line)s of the same credential",
                    line=cred.line,
                ),
            )
            continue
        if comp is not None and level is not None:
            if (*key, comp[0]) in seen:
                report.error(line, _l("repeats line %(line)s", line=seen[(*key, comp[0])]))
                continue
            seen[(*key, comp[0])] = line
            cred.competences[comp[0]] = level
    return plan, list(found.values())


def _same(stored: FormalCredential, cred: Credential) -> bool:
    return (stored.kind, stored.issuer, stored.expires_on) == (
        cred.kind,
        cred.issuer,
        cred.expires_on,
    ) and {cc.competence_id: cc.level for cc in stored.competences} == cred.competences


def _evidence(stored: FormalCredential, cred: Credential) -> None:
    """The credential's competences and their formal assessments, as the file says."""
    db.session.execute(sa.delete(Assessment).where(Assessment.credential_id == stored.id))
    stored.competences.clear()
    db.session.flush()
    for cid, level in sorted(cred.competences.items()):
        stored.competences.append(CredentialCompetence(competence_id=cid, level=level))
        db.session.add(
            Assessment(
                person_id=cred.person_id,
                competence_id=cid,
                level=level,
                source="formal",
                assessed_on=cred.issued_on,
                credential_id=stored.id,
                note=cred.title,
            )
        )


def apply_credentials(
    plan: Plan, creds: list[Credential], actor_id: int | None = None
) -> ImportReport:
    """Store checked credentials: new ones created, changed ones updated."""
    report = plan.report
    if not report.ok:
        return report
    stored: dict[tuple[int, str, dt.date | None], FormalCredential] = {}
    for batch in chunked(sorted({c.person_id for c in creds})):
        for s in db.session.scalars(
            sa.select(FormalCredential).where(FormalCredential.person_id.in_(batch))
        ):
            stored[(s.person_id, s.title, s.issued_on)] = s
    for cred in creds:
        current = stored.get((cred.person_id, cred.title, cred.issued_on))
        if current is not None and _same(current, cred):
            report.unchanged += 1
            continue
        if current is None:
            current = FormalCredential(
                person_id=cred.person_id,
                title=cred.title,
                issued_on=cred.issued_on,
                registered_by_id=actor_id,
            )
            db.session.add(current)
            report.created += 1
        else:
            report.updated += 1
        current.kind, current.issuer, current.expires_on = cred.kind, cred.issuer, cred.expires_on
        db.session.flush()
        _evidence(current, cred)
    db.session.flush()
    return report


def import_credentials(source: Source, actor_id: int | None = None) -> ImportReport:
    """Check and, when every row is good, store (flush) the credentials."""
    plan, creds = check_credentials(source)
    return apply_credentials(plan, creds, actor_id)
