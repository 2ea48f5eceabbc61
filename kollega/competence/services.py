"""The competence register's shared rules: the levels l(p, c, t) and r(p, c, t).

Current level l(p, c, t) and required level r(p, c, t) follow DESIGN.md's definitions
exactly; assessments are only ever added (history is never overwritten). The use cases
live beside this module, one per concern: ``assessments`` (self-assessment, leader
review, the team view), ``credentials``, ``requirements``, ``unit_plans``,
``conversations``, ``experts`` ("who knows this?") and ``export``. Services check
permissions through ``kollega.permissions``, flush, and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.competence.models import (
    SOURCE_RANK,
    Assessment,
    Competence,
    Framework,
    FrameworkLevel,
    Requirement,
)
from kollega.errors import NotFound, ValidationError
from kollega.extensions import db
from kollega.org.models import Person

MAX_NOTE = 2000


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
    """The competence with this full code (``framework:local``), or a 404."""
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
    """The top level of the framework's scale (0 when it has no levels)."""
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


def order_key(a: Assessment) -> tuple[dt.date, int, int]:
    # Latest date first; on the same date leader > formal > self; then the later row.
    return (a.assessed_on, SOURCE_RANK[a.source], a.id or 0)


def pick_current(assessments: Iterable[Assessment], on: dt.date) -> Assessment | None:
    """The assessment that gives the current level at ``on`` (DESIGN.md): the latest
    dated on or before ``on``; on the same date leader beats formal beats self."""
    candidates = [a for a in assessments if a.assessed_on <= on]
    return max(candidates, key=order_key, default=None)


def assessments_of(
    person_ids: Sequence[int], competence_ids: Sequence[int] | None, on: dt.date | None
) -> list[Assessment]:
    """The people's assessments (of these competences, dated on or before ``on`` and
    counting then: no expired credential), oldest first."""
    stmt = sa.select(Assessment).where(Assessment.person_id.in_(person_ids))
    if competence_ids is not None:
        stmt = stmt.where(Assessment.competence_id.in_(competence_ids))
    if on is not None:
        # A formal assessment stops counting when its credential expires.
        stmt = stmt.where(Assessment.assessed_on <= on, Assessment.counts_on(on))
    return list(db.session.scalars(stmt.order_by(Assessment.assessed_on, Assessment.id)))


def current_levels(
    person_ids: Sequence[int], on: dt.date, competence_ids: Sequence[int] | None = None
) -> dict[tuple[int, int], Assessment]:
    """(person_id, competence_id) -> the assessment giving l(p, c, on)."""
    best: dict[tuple[int, int], Assessment] = {}
    for a in assessments_of(person_ids, competence_ids, on):
        key = (a.person_id, a.competence_id)
        if key not in best or order_key(a) > order_key(best[key]):
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
    for a in assessments_of([person.id], None, on):
        slot = out.setdefault(a.competence_id, {})
        if a.source not in slot or order_key(a) > order_key(slot[a.source]):
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
    """Requirements in force at ``on``: started, and not yet ended."""
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
    """r(p, c, t) for one competence; 0 when nothing is required."""
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


# --- free text ---------------------------------------------------------------------------


def clean_note(note: Any, field: str = "note") -> str:
    """A note, comment or goal text, stripped; a 422 on ``field`` when it is longer
    than ``MAX_NOTE``."""
    text = str(note or "").strip()
    if len(text) > MAX_NOTE:
        msg = _l("The note is too long (at most %(n)s characters).", n=MAX_NOTE)
        raise ValidationError(msg, fields={field: msg})
    return text


def clean_url(url: Any) -> str | None:
    """An evidence link (http or https), or None when empty; a 422 otherwise."""
    text = str(url or "").strip()
    if not text:
        return None
    if not text.startswith(("https://", "http://")) or len(text) > 500:
        msg = _l("The evidence link must be a web address starting with https://.")
        raise ValidationError(msg, fields={"evidence_url": msg})
    return text
