"""Use cases of the competence register.

Current level l(p, c, t) and required level r(p, c, t) follow DESIGN.md's definitions
exactly; assessments are only ever added (history is never overwritten). Services check
permissions through ``kollega.permissions``, flush, and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.audit.services import record
from kollega.competence.models import (
    CREDENTIAL_KINDS,
    FOCUS_AREAS,
    GOAL_STATUSES,
    MEASURE_KINDS,
    PLAN_STATUSES,
    SCOPE_TYPES,
    SOURCE_RANK,
    Assessment,
    Competence,
    CompetencePlan,
    CompetencePlanGoal,
    ConversationCompetence,
    CredentialCompetence,
    DevelopmentConversation,
    FindablePerson,
    FormalCredential,
    Framework,
    FrameworkLevel,
    Requirement,
)
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import OrgUnit, Person

OSLO = ZoneInfo("Europe/Oslo")
EXPIRY_WINDOW_DAYS = 90
MAX_NOTE = 2000


def today() -> dt.date:
    """Today's date in Oslo (what "today" means to the municipality)."""
    return dt.datetime.now(OSLO).date()


def parse_date(value: Any, field: str = "date") -> dt.date:
    """An ISO 8601 date, or a 422 that names the field."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        msg = _l("Not a date (use YYYY-MM-DD): %(value)s", value=str(value)[:40])
        raise ValidationError(msg, fields={field: msg}) from None


# --- frameworks and competences -------------------------------------------------------


def competence_by_code(code: str) -> Competence:
    comp = db.session.scalar(sa.select(Competence).where(Competence.code == code))
    if comp is None:
        raise NotFound(_l("Unknown competence code: %(code)s", code=code))
    return comp


def frameworks(code: str | None = None, active_only: bool = True) -> list[Framework]:
    """Frameworks with their levels and competences loaded, in code order."""
    stmt = (
        sa.select(Framework)
        .options(selectinload(Framework.levels), selectinload(Framework.competences))
        .order_by(Framework.code)
    )
    if code:
        stmt = stmt.where(Framework.code == code)
    if active_only:
        stmt = stmt.where(Framework.active.is_(True))
    return list(db.session.scalars(stmt))


def scale_max(framework_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.max(FrameworkLevel.level)).where(
                FrameworkLevel.framework_id == framework_id
            )
        )
        or 0
    )


def check_level(comp: Competence, level: Any, field: str = "level", allow_zero: bool = True) -> int:
    """The level as an int on the competence's framework scale, or a 422."""
    top = scale_max(comp.framework_id)
    low = 0 if allow_zero else 1
    try:
        value = int(level)
        ok = str(level).strip().lstrip("-").isdigit() and low <= value <= top
    except (TypeError, ValueError):
        ok, value = False, 0
    if isinstance(level, bool) or not ok:
        msg = _l(
            "Level must be a whole number from %(low)s to %(high)s on this framework's scale.",
            low=low,
            high=top,
        )
        raise ValidationError(msg, fields={field: msg})
    return value


# --- current level l(p, c, t) ----------------------------------------------------------


def _order_key(a: Assessment) -> tuple[dt.date, int, int]:
    # Latest date first; on the same date leader > formal > self; then the later row.
    return (a.assessed_on, SOURCE_RANK[a.source], a.id or 0)


def pick_current(assessments: Iterable[Assessment], on: dt.date) -> Assessment | None:
    """The assessment that gives the current level at ``on`` (DESIGN.md): the latest
    dated on or before ``on``; on the same date leader beats formal beats self."""
    candidates = [a for a in assessments if a.assessed_on <= on]
    return max(candidates, key=_order_key, default=None)


def _assessments(
    person_ids: Sequence[int], competence_ids: Sequence[int] | None, on: dt.date | None
) -> list[Assessment]:
    stmt = sa.select(Assessment).where(Assessment.person_id.in_(person_ids))
    if competence_ids is not None:
        stmt = stmt.where(Assessment.competence_id.in_(competence_ids))
    if on is not None:
        stmt = stmt.where(Assessment.assessed_on <= on)
    return list(db.session.scalars(stmt.order_by(Assessment.assessed_on, Assessment.id)))


def current_levels(
    person_ids: Sequence[int], on: dt.date, competence_ids: Sequence[int] | None = None
) -> dict[tuple[int, int], Assessment]:
    """(person_id, competence_id) -> the assessment giving l(p, c, on)."""
    best: dict[tuple[int, int], Assessment] = {}
    for a in _assessments(person_ids, competence_ids, on):
        key = (a.person_id, a.competence_id)
        if key not in best or _order_key(a) > _order_key(best[key]):
            best[key] = a
    return best


def current_level(person: Person, comp: Competence, on: dt.date) -> int:
    """l(p, c, t); 0 when nothing is assessed by then."""
    found = current_levels([person.id], on, [comp.id]).get((person.id, comp.id))
    return found.level if found else 0


def latest_by_source(person: Person, on: dt.date) -> dict[int, dict[str, Assessment]]:
    """competence_id -> {source: latest assessment of that source} (self and leader side
    by side; never averaged)."""
    out: dict[int, dict[str, Assessment]] = {}
    for a in _assessments([person.id], None, on):
        slot = out.setdefault(a.competence_id, {})
        if a.source not in slot or _order_key(a) > _order_key(slot[a.source]):
            slot[a.source] = a
    return out


def history(person: Person, comp: Competence | None = None) -> list[Assessment]:
    """Every assessment of the person (newest first), never overwritten."""
    stmt = (
        sa.select(Assessment)
        .where(Assessment.person_id == person.id)
        .options(selectinload(Assessment.assessor), selectinload(Assessment.competence))
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    )
    if comp is not None:
        stmt = stmt.where(Assessment.competence_id == comp.id)
    return list(db.session.scalars(stmt))


# --- required level r(p, c, t) ---------------------------------------------------------


def in_force_clause(on: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(
        Requirement.effective_from <= on,
        sa.or_(Requirement.effective_until.is_(None), Requirement.effective_until > on),
    )


def applying_clause(person: Person) -> sa.ColumnElement[bool]:
    """Requirements whose scope is the person's unit or an ancestor, or their job code."""
    clauses: list[sa.ColumnElement[bool]] = []
    if person.unit is not None:
        clauses.append(
            sa.and_(
                Requirement.scope_type == "unit",
                Requirement.unit_id.in_(person.unit.ancestor_ids()),
            )
        )
    if person.job_code:
        clauses.append(
            sa.and_(Requirement.scope_type == "job", Requirement.job_code == person.job_code)
        )
    return sa.or_(*clauses) if clauses else sa.false()


def applying_requirements(person: Person, on: dt.date | None = None) -> list[Requirement]:
    """Requirements applying to the person (in force at ``on``, or all when None)."""
    stmt = (
        sa.select(Requirement)
        .where(applying_clause(person))
        .options(selectinload(Requirement.unit), selectinload(Requirement.competence))
        .order_by(Requirement.effective_from, Requirement.id)
    )
    if on is not None:
        stmt = stmt.where(in_force_clause(on))
    return list(db.session.scalars(stmt))


def required_levels(person: Person, on: dt.date) -> dict[int, int]:
    """competence_id -> r(p, c, on): the highest level among applying requirements in force."""
    out: dict[int, int] = {}
    for req in applying_requirements(person, on):
        out[req.competence_id] = max(out.get(req.competence_id, 0), req.level)
    return out


def required_level(person: Person, comp: Competence, on: dt.date) -> int:
    return required_levels(person, on).get(comp.id, 0)


@dataclass
class FutureNeed:
    competence: Competence
    level: int
    effective_from: dt.date
    current_required: int
    current_level: int


def future_needs(person: Person, on: dt.date) -> list[FutureNeed]:
    """Requirements that start after ``on`` and ask more than is required at ``on``: what
    the person will need, not what they need now."""
    now_req = required_levels(person, on)
    levels = current_levels([person.id], on)
    best: dict[int, Requirement] = {}
    for req in applying_requirements(person):
        if req.effective_from <= on:
            continue
        if req.level <= now_req.get(req.competence_id, 0):
            continue
        prev = best.get(req.competence_id)
        if prev is None or (req.effective_from, -req.level) < (prev.effective_from, -prev.level):
            best[req.competence_id] = req
    out = []
    for cid, req in sorted(
        best.items(), key=lambda kv: (kv[1].effective_from, kv[1].competence.code)
    ):
        cur = levels.get((person.id, cid))
        out.append(
            FutureNeed(
                req.competence,
                req.level,
                req.effective_from,
                now_req.get(cid, 0),
                cur.level if cur else 0,
            )
        )
    return out


def person_competences(actor: Person, person: Person, on: dt.date) -> list[dict[str, Any]]:
    """The API's rows: every competence with an assessment or a requirement at ``on``:
    {code, level, source, assessed_on, required_level, gap} plus self and leader levels."""
    permissions.require(permissions.can_view_competence(actor, person))
    levels = current_levels([person.id], on)
    required = required_levels(person, on)
    by_source = latest_by_source(person, on)
    ids = {cid for (_p, cid) in levels} | set(required)
    comps = {
        c.id: c for c in db.session.scalars(sa.select(Competence).where(Competence.id.in_(ids)))
    }
    rows = []
    for cid in sorted(ids, key=lambda i: comps[i].code):
        cur = levels.get((person.id, cid))
        level = cur.level if cur else 0
        req = required.get(cid, 0)
        sources = by_source.get(cid, {})
        rows.append(
            {
                "code": comps[cid].code,
                "level": level,
                "source": cur.source if cur else None,
                "assessed_on": cur.assessed_on.isoformat() if cur else None,
                "required_level": req,
                "gap": max(0, req - level),
                "self_level": sources["self"].level if "self" in sources else None,
                "leader_level": sources["leader"].level if "leader" in sources else None,
                "formal_level": sources["formal"].level if "formal" in sources else None,
            }
        )
    return rows


# --- assessing -------------------------------------------------------------------------


def _clean_note(note: Any) -> str:
    text = str(note or "").strip()
    if len(text) > MAX_NOTE:
        msg = _l("The note is too long (at most %(n)s characters).", n=MAX_NOTE)
        raise ValidationError(msg, fields={"note": msg})
    return text


def _clean_url(url: Any) -> str | None:
    text = str(url or "").strip()
    if not text:
        return None
    if not text.startswith(("https://", "http://")) or len(text) > 500:
        msg = _l("The evidence link must be a web address starting with https://.")
        raise ValidationError(msg, fields={"evidence_url": msg})
    return text


def self_assess(
    actor: Person,
    comp: Competence,
    level: Any,
    note: Any = "",
    evidence_url: Any = None,
    on: dt.date | None = None,
) -> Assessment:
    """The person states their own level (a new row; the old ones stay)."""
    permissions.require(permissions.can_assess_self(actor, actor))
    value = check_level(comp, level)
    a = Assessment(
        person_id=actor.id,
        competence_id=comp.id,
        level=value,
        source="self",
        assessed_on=on or today(),
        assessor_id=actor.id,
        note=_clean_note(note),
        evidence_url=_clean_url(evidence_url),
    )
    db.session.add(a)
    db.session.flush()
    return a


def review(
    actor: Person,
    person: Person,
    comp: Competence,
    level: Any = None,
    note: Any = "",
    on: dt.date | None = None,
) -> Assessment:
    """A leader in the person's chain confirms (``level`` None or equal to the latest
    self-assessment) or adjusts it; an adjustment needs a comment."""
    permissions.require(
        permissions.can_review_competence(actor, person),
        _l("Only the person's leader can confirm or adjust their competence."),
    )
    on = on or today()
    latest_self = pick_current(
        [a for a in _assessments([person.id], [comp.id], on) if a.source == "self"], on
    )
    if level is None or level == "":
        if latest_self is None:
            msg = _l("There is no self-assessment to confirm; give a level.")
            raise ValidationError(msg, fields={"level": msg})
        value = latest_self.level
    else:
        value = check_level(comp, level)
    text = _clean_note(note)
    if latest_self is not None and value != latest_self.level and not text:
        msg = _l("Say why when you adjust the level.")
        raise ValidationError(msg, fields={"note": msg})
    a = Assessment(
        person_id=person.id,
        competence_id=comp.id,
        level=value,
        source="leader",
        assessed_on=on,
        assessor_id=actor.id,
        reviews_id=latest_self.id if latest_self else None,
        note=text,
    )
    db.session.add(a)
    db.session.flush()
    return a


def assess(
    actor: Person, person: Person, comp: Competence, level: Any, note: Any = ""
) -> Assessment:
    """PUT /people/{id}/competences/{code}: self-assessment when the caller is the
    person, leader review when the caller leads them, 403 otherwise."""
    if actor.id == person.id:
        return self_assess(actor, comp, level, note)
    if permissions.can_review_competence(actor, person):
        return review(actor, person, comp, level, note)
    permissions.require(False, _l("You may not assess this person's competence."))
    raise AssertionError  # unreachable


# --- formal competence -----------------------------------------------------------------


def add_credential(
    actor: Person,
    person: Person,
    kind: str,
    title: str,
    issuer: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    competences: Sequence[tuple[Competence, Any]] = (),
    evidence_url: Any = None,
) -> FormalCredential:
    """Register education, a certificate, an authorisation or a course; each linked
    competence gets a formal assessment dated when the credential was issued."""
    permissions.require(permissions.can_manage_credentials(actor, person))
    fields: dict[str, Any] = {}
    if kind not in CREDENTIAL_KINDS:
        fields["kind"] = _l("Choose a kind.")
    title = (title or "").strip()
    if not title or len(title) > 300:
        fields["title"] = _l("Give a title (at most 300 characters).")
    if issued_on and expires_on and expires_on < issued_on:
        fields["expires_on"] = _l("The expiry date is before the issue date.")
    if fields:
        raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
    cred = FormalCredential(
        person_id=person.id,
        kind=kind,
        title=title,
        issuer=(issuer or "").strip()[:200],
        issued_on=issued_on,
        expires_on=expires_on,
        evidence_url=_clean_url(evidence_url),
        registered_by_id=actor.id,
    )
    db.session.add(cred)
    db.session.flush()
    seen: set[int] = set()
    for comp, level in competences:
        if comp.id in seen:
            continue
        seen.add(comp.id)
        value = check_level(comp, level, allow_zero=False)
        cred.competences.append(CredentialCompetence(competence_id=comp.id, level=value))
        db.session.add(
            Assessment(
                person_id=person.id,
                competence_id=comp.id,
                level=value,
                source="formal",
                assessed_on=issued_on or today(),
                assessor_id=actor.id,
                credential_id=cred.id,
                note=title,
            )
        )
    db.session.flush()
    return cred


def credentials(person: Person) -> list[FormalCredential]:
    return list(
        db.session.scalars(
            sa.select(FormalCredential)
            .where(FormalCredential.person_id == person.id)
            .options(
                selectinload(FormalCredential.competences).selectinload(
                    CredentialCompetence.competence
                )
            )
            .order_by(FormalCredential.issued_on.desc().nulls_last(), FormalCredential.id.desc())
        )
    )


def expiring(
    person_ids: Sequence[int], on: dt.date, days: int = EXPIRY_WINDOW_DAYS
) -> tuple[list[FormalCredential], list[FormalCredential]]:
    """(expiring within ``days`` of ``on``, already expired) credentials of these people."""
    if not person_ids:
        return [], []
    rows = list(
        db.session.scalars(
            sa.select(FormalCredential)
            .where(
                FormalCredential.person_id.in_(person_ids),
                FormalCredential.expires_on.is_not(None),
                FormalCredential.expires_on <= on + dt.timedelta(days=days),
            )
            .options(selectinload(FormalCredential.person))
            .order_by(FormalCredential.expires_on)
        )
    )
    soon = [c for c in rows if c.expires_on and c.expires_on >= on]
    gone = [c for c in rows if c.expires_on and c.expires_on < on]
    return soon, gone


# --- requirements ----------------------------------------------------------------------


def _requirement_scope(scope_type: str, scope_code: str) -> tuple[OrgUnit | None, str | None]:
    if scope_type not in SCOPE_TYPES:
        msg = _l("The scope must be unit or job.")
        raise ValidationError(msg, fields={"scope_type": msg})
    code = (scope_code or "").strip()
    if scope_type == "unit":
        unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))
        if unit is None:
            msg = _l("No unit with code %(code)s.", code=code)
            raise ValidationError(msg, fields={"scope_code": msg})
        return unit, None
    if not code or len(code) > 32:
        msg = _l("Give a job code.")
        raise ValidationError(msg, fields={"scope_code": msg})
    exists = db.session.scalar(sa.select(Person.id).where(Person.job_code == code).limit(1))
    if exists is None:
        msg = _l("No one has job code %(code)s.", code=code)
        raise ValidationError(msg, fields={"scope_code": msg})
    return None, code


def _check_period(start: dt.date, until: dt.date | None) -> None:
    if until is not None and until <= start:
        msg = _l("The end date must be after the start date.")
        raise ValidationError(msg, fields={"effective_until": msg})


def create_requirement(
    actor: Person,
    scope_type: str,
    scope_code: str,
    comp: Competence,
    level: Any,
    effective_from: dt.date,
    effective_until: dt.date | None = None,
    note: str = "",
) -> Requirement:
    """A required level for a unit's subtree (its leader chain or HR) or a job code (HR)."""
    unit, job = _requirement_scope(scope_type, scope_code)
    permissions.require(
        permissions.can_set_requirements(actor, unit),
        _l("You may set requirements only for the units you lead."),
    )
    value = check_level(comp, level, allow_zero=False)
    _check_period(effective_from, effective_until)
    req = Requirement(
        scope_type=scope_type,
        unit_id=unit.id if unit else None,
        job_code=job,
        competence_id=comp.id,
        level=value,
        effective_from=effective_from,
        effective_until=effective_until,
        set_by_id=actor.id,
        note=_clean_note(note),
    )
    db.session.add(req)
    db.session.flush()
    record("competence.requirement.create", actor.id, "requirement", req.id, code=comp.code)
    return req


def get_requirement(actor: Person, requirement_id: int) -> Requirement:
    req = db.session.get(Requirement, requirement_id)
    if req is None:
        raise NotFound(_l("No such requirement."))
    permissions.require(permissions.can_set_requirements(actor, req.unit))
    return req


def update_requirement(
    actor: Person,
    req: Requirement,
    level: Any = None,
    effective_from: dt.date | None = None,
    effective_until: dt.date | None | str = "keep",
    note: Any = None,
) -> Requirement:
    permissions.require(permissions.can_set_requirements(actor, req.unit))
    if level is not None:
        req.level = check_level(req.competence, level, allow_zero=False)
    if effective_from is not None:
        req.effective_from = effective_from
    if effective_until != "keep":
        req.effective_until = effective_until  # type: ignore[assignment]
    _check_period(req.effective_from, req.effective_until)
    if note is not None:
        req.note = _clean_note(note)
    req.set_by_id = actor.id
    db.session.flush()
    record("competence.requirement.update", actor.id, "requirement", req.id)
    return req


def delete_requirement(actor: Person, req: Requirement) -> None:
    permissions.require(permissions.can_set_requirements(actor, req.unit))
    record("competence.requirement.delete", actor.id, "requirement", req.id)
    db.session.delete(req)
    db.session.flush()


def requirements_query(
    unit: OrgUnit | None = None, job_code: str | None = None, comp: Competence | None = None
) -> sa.Select[tuple[Requirement]]:
    stmt = sa.select(Requirement).options(
        selectinload(Requirement.unit), selectinload(Requirement.competence)
    )
    if unit is not None:
        stmt = stmt.where(Requirement.unit_id == unit.id)
    if job_code is not None:
        stmt = stmt.where(Requirement.job_code == job_code)
    if comp is not None:
        stmt = stmt.where(Requirement.competence_id == comp.id)
    return stmt.order_by(Requirement.effective_from, Requirement.id)


def set_matrix(
    actor: Person,
    scope_type: str,
    cells: dict[tuple[str, str], int],
    effective_from: dt.date,
) -> int:
    """Bulk edit: for each (scope_code, competence_code) -> level (0 = no requirement),
    from ``effective_from`` on. A requirement in force then with another level ends the
    day before (or is replaced when it starts that very day). Returns cells changed."""
    changed = 0
    for (scope_code, code), level in sorted(cells.items()):
        comp = competence_by_code(code)
        unit, job = _requirement_scope(scope_type, scope_code)
        permissions.require(permissions.can_set_requirements(actor, unit))
        value = check_level(comp, level) if level else 0
        stmt = sa.select(Requirement).where(
            Requirement.scope_type == scope_type,
            Requirement.competence_id == comp.id,
            in_force_clause(effective_from),
        )
        stmt = stmt.where(Requirement.unit_id == unit.id if unit else Requirement.job_code == job)
        current = list(db.session.scalars(stmt))
        if value and any(r.level == value for r in current) and len(current) == 1:
            continue
        if not value and not current:
            continue
        until_next = None
        for r in current:
            until_next = r.effective_until
            if r.effective_from >= effective_from:
                db.session.delete(r)
            else:
                r.effective_until = effective_from
        if value:
            db.session.add(
                Requirement(
                    scope_type=scope_type,
                    unit_id=unit.id if unit else None,
                    job_code=job,
                    competence_id=comp.id,
                    level=value,
                    effective_from=effective_from,
                    effective_until=until_next,
                    set_by_id=actor.id,
                )
            )
        changed += 1
    db.session.flush()
    if changed:
        record("competence.requirement.matrix", actor.id, None, None, cells=changed)
    return changed


# --- unit competence plans ---------------------------------------------------------------


def plan_for(
    actor: Person, unit: OrgUnit, year: int, create: bool = False
) -> CompetencePlan | None:
    permissions.require(permissions.can_manage_unit(actor, unit))
    plan = db.session.scalar(
        sa.select(CompetencePlan).where(
            CompetencePlan.unit_id == unit.id, CompetencePlan.year == year
        )
    )
    if plan is None and create:
        plan = CompetencePlan(unit_id=unit.id, year=year, created_by_id=actor.id)
        db.session.add(plan)
        db.session.flush()
    return plan


def update_plan(actor: Person, plan: CompetencePlan, summary: str, status: str) -> CompetencePlan:
    permissions.require(permissions.can_manage_unit(actor, plan.unit))
    if status not in PLAN_STATUSES:
        raise ValidationError(_l("Unknown status."), fields={"status": _l("Unknown status.")})
    plan.summary = _clean_note(summary)
    plan.status = status
    db.session.flush()
    return plan


def add_goal(
    actor: Person,
    plan: CompetencePlan,
    focus_area: str,
    goal: str,
    measure: str = "",
    measure_kind: str = "develop",
    requirement_id: int | None = None,
    responsible: Person | None = None,
    due_on: dt.date | None = None,
) -> CompetencePlanGoal:
    permissions.require(permissions.can_manage_unit(actor, plan.unit))
    fields: dict[str, Any] = {}
    if focus_area not in FOCUS_AREAS:
        fields["focus_area"] = _l("Choose a focus area.")
    if not (goal or "").strip():
        fields["goal"] = _l("Describe the goal.")
    if measure_kind not in MEASURE_KINDS:
        fields["measure_kind"] = _l("Choose a kind of measure.")
    if requirement_id is not None:
        req = db.session.get(Requirement, requirement_id)
        if req is None:
            fields["requirement_id"] = _l("No such requirement.")
    if fields:
        raise ValidationError(_l("Some of what you sent is not valid."), fields=fields)
    row = CompetencePlanGoal(
        focus_area=focus_area,
        goal=_clean_note(goal),
        measure=_clean_note(measure),
        measure_kind=measure_kind,
        requirement_id=requirement_id,
        responsible_id=responsible.id if responsible else None,
        due_on=due_on,
    )
    plan.goals.append(row)
    db.session.flush()
    return row


def set_goal_status(actor: Person, goal: CompetencePlanGoal, status: str) -> None:
    permissions.require(permissions.can_manage_unit(actor, goal.plan.unit))
    if status not in GOAL_STATUSES:
        raise ValidationError(_l("Unknown status."), fields={"status": _l("Unknown status.")})
    goal.status = status
    db.session.flush()


# --- development conversations -----------------------------------------------------------


def conversations(actor: Person, person: Person) -> list[DevelopmentConversation]:
    permissions.require(permissions.can_view_conversations(actor, person))
    return list(
        db.session.scalars(
            sa.select(DevelopmentConversation)
            .where(DevelopmentConversation.person_id == person.id)
            .options(
                selectinload(DevelopmentConversation.items).selectinload(
                    ConversationCompetence.competence
                ),
                selectinload(DevelopmentConversation.leader),
            )
            .order_by(DevelopmentConversation.held_on.desc())
        )
    )


def record_conversation(
    actor: Person,
    person: Person,
    held_on: dt.date,
    agreed_goals: str,
    measures: str = "",
    competences: Sequence[tuple[Competence, Any]] = (),
    follow_up_on: dt.date | None = None,
) -> DevelopmentConversation:
    """The leader writes down what was agreed; only the employee and leader chain see it."""
    permissions.require(
        permissions.can_record_conversation(actor, person),
        _l("Only the employee's leader can record a development conversation."),
    )
    if not (agreed_goals or "").strip():
        msg = _l("Write down what you agreed.")
        raise ValidationError(msg, fields={"agreed_goals": msg})
    conv = DevelopmentConversation(
        person_id=person.id,
        leader_id=actor.id,
        held_on=held_on,
        agreed_goals=_clean_note(agreed_goals),
        measures=_clean_note(measures),
        follow_up_on=follow_up_on,
    )
    db.session.add(conv)
    seen: set[int] = set()
    for comp, target in competences:
        if comp.id in seen:
            continue
        seen.add(comp.id)
        value = check_level(comp, target, "target_level") if target not in (None, "") else None
        conv.items.append(ConversationCompetence(competence_id=comp.id, target_level=value))
    db.session.flush()
    return conv


# --- "who knows this?" --------------------------------------------------------------------


def is_findable(person: Person) -> bool:
    return db.session.get(FindablePerson, person.id) is not None


def set_findable(actor: Person, person: Person, findable: bool) -> None:
    """Only the person decides whether others can find them as someone who knows."""
    permissions.require(permissions.can_assess_self(actor, person))
    row = db.session.get(FindablePerson, person.id)
    if findable and row is None:
        db.session.add(FindablePerson(person_id=person.id))
    elif not findable and row is not None:
        db.session.delete(row)
    db.session.flush()


@dataclass
class Expert:
    person: Person
    level: int
    source: str
    assessed_on: dt.date


def who_knows(
    actor: Person, comp: Competence, min_level: int = 1, on: dt.date | None = None
) -> list[Expert]:
    """People across units with a current level of at least ``min_level`` in ``comp``,
    among those who chose to be findable; strongest first."""
    permissions.require(permissions.can_search_experts(actor))
    on = on or today()
    ids = list(
        db.session.scalars(
            sa.select(FindablePerson.person_id)
            .join(Person, Person.id == FindablePerson.person_id)
            .where(Person.active.is_(True))
        )
    )
    out: list[Expert] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for (pid, _cid), a in current_levels(chunk, on, [comp.id]).items():
            if a.level >= min_level:
                out.append(Expert(db.session.get(Person, pid), a.level, a.source, a.assessed_on))  # type: ignore[arg-type]
    out.sort(key=lambda e: (-e.level, -SOURCE_RANK[e.source], e.person.name))
    return out


# --- team view --------------------------------------------------------------------------


def team(actor: Person, unit: OrgUnit) -> list[Person]:
    """The people of a unit's subtree the actor may review (not themself)."""
    permissions.require(
        permissions.can_view_unit_people(actor, unit) and permissions.can_manage_unit(actor, unit)
    )
    people = db.session.scalars(
        sa.select(Person)
        .join(OrgUnit, Person.unit_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(unit.path), Person.active.is_(True), Person.id != actor.id)
        .options(selectinload(Person.unit))
        .order_by(Person.name)
    )
    return list(people)


def team_matrix(
    people: Sequence[Person], competence_ids: Sequence[int], on: dt.date
) -> dict[tuple[int, int], dict[str, Assessment]]:
    """(person_id, competence_id) -> {source: latest assessment}: self and leader side by side."""
    out: dict[tuple[int, int], dict[str, Assessment]] = {}
    ids = [p.id for p in people]
    for start in range(0, len(ids), 500):
        for a in _assessments(ids[start : start + 500], competence_ids, on):
            slot = out.setdefault((a.person_id, a.competence_id), {})
            if a.source not in slot or _order_key(a) > _order_key(slot[a.source]):
                slot[a.source] = a
    return out


def waiting_for_review(actor: Person) -> int:
    """How many self-assessments in the actor's subtrees are newer than any leader
    assessment of the same person and competence (not the actor's own)."""
    paths = permissions.led_paths(actor)
    if not paths:
        return 0
    selfs = sa.orm.aliased(Assessment)
    leads = sa.orm.aliased(Assessment)
    newer_review = (
        sa.select(leads.id)
        .where(
            leads.person_id == selfs.person_id,
            leads.competence_id == selfs.competence_id,
            leads.source == "leader",
            leads.assessed_on >= selfs.assessed_on,
        )
        .exists()
    )
    pairs = (
        sa.select(selfs.person_id, selfs.competence_id)
        .select_from(selfs)
        .join(Person, Person.id == selfs.person_id)
        .join(OrgUnit, OrgUnit.id == Person.unit_id)
        .where(
            selfs.source == "self",
            Person.id != actor.id,
            Person.active.is_(True),
            sa.or_(*[OrgUnit.path.startswith(p) for p in paths]),
            ~newer_review,
        )
        .distinct()
        .subquery()
    )
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(pairs)) or 0)


def export_person(person: Person) -> dict[str, Any]:
    """Everything the competence register holds about the person, for ``/me/export``:
    assessments (all history), formal credentials, development conversations and the
    findable choice. The caller checks that the person is asking for their own data."""
    return {
        "assessments": [
            {
                "competence": a.competence.code,
                "level": a.level,
                "source": a.source,
                "assessed_on": a.assessed_on.isoformat(),
                "assessor": a.assessor.name if a.assessor else None,
                "note": a.note,
                "evidence_url": a.evidence_url,
            }
            for a in history(person)
        ],
        "credentials": [
            {
                "kind": c.kind,
                "title": c.title,
                "issuer": c.issuer,
                "issued_on": c.issued_on.isoformat() if c.issued_on else None,
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                "competences": [
                    {"competence": cc.competence.code, "level": cc.level} for cc in c.competences
                ],
            }
            for c in credentials(person)
        ],
        "development_conversations": [
            {
                "held_on": c.held_on.isoformat(),
                "leader": c.leader.name if c.leader else None,
                "agreed_goals": c.agreed_goals,
                "measures": c.measures,
                "follow_up_on": c.follow_up_on.isoformat() if c.follow_up_on else None,
                "competences": [
                    {"competence": i.competence.code, "target_level": i.target_level}
                    for i in c.items
                ],
            }
            for c in conversations(person, person)
        ],
        "findable": is_findable(person),
    }
