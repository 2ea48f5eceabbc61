"""Use cases of the training catalogue: keep it (HR), enrol and cancel with a waiting
list, record completion as formal evidence and let the leader confirm the proposed level."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from kollega import permissions
from kollega.competence.models import (
    Assessment,
    Competence,
    CredentialCompetence,
    FormalCredential,
)
from kollega.db import now_utc
from kollega.errors import Conflict, NotFound, ValidationError
from kollega.extensions import db
from kollega.gaps import analysis as gap_analysis
from kollega.gaps import queries as gap_queries
from kollega.org.models import Person
from kollega.training import audience
from kollega.training.models import (
    ACTIVE_STATUSES,
    TRAINING_FORMATS,
    AssessmentProposal,
    Enrolment,
    Training,
    TrainingAudienceJob,
    TrainingAudienceUnit,
    TrainingCompetence,
    TrainingSession,
)

COMPETENCE_CODE = re.compile(r"^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class CompetenceLift:
    """A competence a training lifts from one level to another."""

    code: str
    level_from: int
    level_to: int


@dataclass
class TrainingData:
    title: str
    format: str
    provider: str = ""
    hours: float = 0.0
    cost: int = 0
    language: str = "nb"
    funding_scheme: str | None = None
    funding_url: str | None = None
    description: str = ""
    active: bool = True
    competences: tuple[CompetenceLift, ...] = ()
    # Who it is meant for (``kollega.training.audience``); both empty: everyone.
    audience_jobs: tuple[str, ...] = ()
    audience_units: tuple[int, ...] = ()


# --- reading ---------------------------------------------------------------------------


def catalogue(
    *, competence: str | None = None, format: str | None = None, include_inactive: bool = False
) -> list[Training]:
    """Trainings in the catalogue, by title, with competences and sessions loaded."""
    stmt = (
        sa.select(Training)
        .options(
            selectinload(Training.competences),
            selectinload(Training.sessions),
            selectinload(Training.audience_jobs),
            selectinload(Training.audience_units),
        )
        .order_by(Training.title, Training.id)
    )
    if not include_inactive:
        stmt = stmt.where(Training.active.is_(True))
    if format:
        stmt = stmt.where(Training.format == format)
    if competence:
        stmt = stmt.where(
            Training.id.in_(
                sa.select(TrainingCompetence.training_id).where(
                    TrainingCompetence.competence_code == competence
                )
            )
        )
    return list(db.session.scalars(stmt))


def get_training(training_id: int) -> Training:
    """The training (404 when missing)."""
    training = db.session.get(Training, training_id)
    if training is None:
        raise NotFound(_l("No such training."))
    return training


def get_session(session_id: int) -> TrainingSession:
    """The session (404 when missing)."""
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        raise NotFound(_l("No such session."))
    return session


def get_enrolment(enrolment_id: int) -> Enrolment:
    """The enrolment (404 when missing)."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound(_l("No such enrolment."))
    return enrolment


def seats_taken(session: TrainingSession) -> int:
    """Places held: enrolled and completed participants."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.session_id == session.id,
                Enrolment.status.in_(("enrolled", "completed")),
            )
        )
        or 0
    )


def seats_free_many(sessions: Iterable[TrainingSession]) -> dict[int, int | None]:
    """``seats_free`` of each session by id, in one read (None: no limit)."""
    sessions = list(sessions)
    limited = [s.id for s in sessions if s.seats is not None]
    taken: dict[int, int] = {}
    if limited:
        taken = {
            int(sid): int(n)
            for sid, n in db.session.execute(
                sa.select(Enrolment.session_id, sa.func.count())
                .where(
                    Enrolment.session_id.in_(limited),
                    Enrolment.status.in_(("enrolled", "completed")),
                )
                .group_by(Enrolment.session_id)
            )
        }
    return {
        s.id: None if s.seats is None else max(s.seats - taken.get(s.id, 0), 0) for s in sessions
    }


def seats_free(session: TrainingSession) -> int | None:
    """Free places, or None when the session has no limit."""
    if session.seats is None:
        return None
    return max(session.seats - seats_taken(session), 0)


def waiting_list(session: TrainingSession) -> list[Enrolment]:
    """The session's waiting list, first in the queue first."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.session_id == session.id, Enrolment.status == "waitlisted")
            .order_by(Enrolment.queued_at, Enrolment.id)
        )
    )


def waiting_position(enrolment: Enrolment) -> int | None:
    """1-based place on the waiting list, or None when not waiting."""
    if enrolment.status != "waitlisted":
        return None
    ids = [e.id for e in waiting_list(enrolment.session)]
    return ids.index(enrolment.id) + 1


def upcoming_sessions(training: Training, now: dt.datetime | None = None) -> list[TrainingSession]:
    """Sessions that have not ended yet, soonest first."""
    now = now or now_utc()
    return [s for s in training.sessions if s.ends_at >= now]


def enrolments_of(person: Person, statuses: Iterable[str] | None = None) -> list[Enrolment]:
    """The person's enrolments (of the given statuses), latest session first."""
    stmt = (
        sa.select(Enrolment)
        .where(Enrolment.person_id == person.id)
        .options(selectinload(Enrolment.session).selectinload(TrainingSession.training))
        .join(TrainingSession, Enrolment.session_id == TrainingSession.id)
        .order_by(TrainingSession.starts_at.desc())
    )
    if statuses is not None:
        stmt = stmt.where(Enrolment.status.in_(tuple(statuses)))
    return list(db.session.scalars(stmt))


def training_ids_taken(person_id: int) -> set[int]:
    """Trainings the person is enrolled in, waiting for, or has completed."""
    return set(
        db.session.scalars(
            sa.select(TrainingSession.training_id)
            .join(Enrolment, Enrolment.session_id == TrainingSession.id)
            .where(
                Enrolment.person_id == person_id,
                Enrolment.status.in_(("enrolled", "waitlisted", "completed")),
            )
        )
    )


# --- keeping the catalogue (HR) -------------------------------------------------------


def _validate_training(data: TrainingData) -> None:
    fields: dict[str, object] = {}
    if not data.title.strip():
        fields["title"] = _l("Required.")
    elif len(data.title) > 200:
        fields["title"] = _l("At most %(n)d characters.", n=200)
    if data.format not in TRAINING_FORMATS:
        fields["format"] = _l("Choose one of the formats.")
    if data.hours < 0 or data.hours > 10000:
        fields["hours"] = _l("Must be between 0 and 10000.")
    if data.cost < 0:
        fields["cost"] = _l("Cannot be negative.")
    if data.funding_url and not re.match(r"^https?://", data.funding_url):
        fields["funding_url"] = _l("Must be a web address starting with http:// or https://.")
    seen: set[str] = set()
    for lift in data.competences:
        if not COMPETENCE_CODE.match(lift.code):
            fields["competences"] = _l(
                "Competence codes look like framework:code, for example digcomp-2.2:4.2."
            )
        elif lift.level_from < 0 or lift.level_to <= lift.level_from:
            fields["competences"] = _l(
                "The level a training lifts to must be above the level it starts from."
            )
        elif lift.code in seen:
            fields["competences"] = _l("Each competence may be listed once.")
        seen.add(lift.code)
    if fields:
        raise ValidationError(_l("The training could not be saved."), fields=fields)


def save_training(actor: Person, data: TrainingData, training: Training | None = None) -> Training:
    """Create a training, or update one, with the competences it lifts (HR only)."""
    permissions.require(permissions.can_manage_training(actor))
    _validate_training(data)
    jobs, units = audience.check(data.audience_jobs, data.audience_units)
    if training is None:
        training = Training(title=data.title.strip(), format=data.format)
        db.session.add(training)
    training.title = data.title.strip()
    training.format = data.format
    training.provider = data.provider.strip()
    training.hours = float(data.hours)
    training.cost = int(data.cost)
    training.language = data.language or "nb"
    training.funding_scheme = (data.funding_scheme or "").strip() or None
    training.funding_url = (data.funding_url or "").strip() or None
    training.description = data.description
    training.active = data.active
    wanted = {lift.code: lift for lift in data.competences}
    for row in list(training.competences):
        if row.competence_code not in wanted:
            training.competences.remove(row)
    have = {row.competence_code: row for row in training.competences}
    for code, lift in wanted.items():
        row = have.get(code)
        if row is None:
            training.competences.append(
                TrainingCompetence(
                    competence_code=code, level_from=lift.level_from, level_to=lift.level_to
                )
            )
        else:
            row.level_from, row.level_to = lift.level_from, lift.level_to
    _set_audience(training, jobs, units)
    db.session.flush()
    return training


def _set_audience(training: Training, jobs: list[str], units: list[int]) -> None:
    """Keep the rows still wanted, drop the others, add the new ones."""
    for row in [r for r in training.audience_jobs if r.job_code not in jobs]:
        training.audience_jobs.remove(row)
    have_jobs = {r.job_code for r in training.audience_jobs}
    training.audience_jobs.extend(
        TrainingAudienceJob(job_code=c) for c in jobs if c not in have_jobs
    )
    for row in [r for r in training.audience_units if r.unit_id not in units]:
        training.audience_units.remove(row)
    have_units = {r.unit_id for r in training.audience_units}
    training.audience_units.extend(
        TrainingAudienceUnit(unit_id=u) for u in units if u not in have_units
    )


def parse_competence_lines(text: str) -> tuple[CompetenceLift, ...]:
    """Parse "code from to" lines (spaces, commas or semicolons) as typed by HR."""
    lifts = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[\s,;]+", line) if p]
        try:
            if len(parts) == 2:
                lifts.append(CompetenceLift(parts[0], 0, int(parts[1])))
            elif len(parts) == 3:
                lifts.append(CompetenceLift(parts[0], int(parts[1]), int(parts[2])))
            else:
                raise ValueError
        except ValueError:
            raise ValidationError(
                _l("The training could not be saved."),
                fields={
                    "competences": _l(
                        "Line %(n)d: write the competence code, the level from and the level to.",
                        n=number,
                    )
                },
            ) from None
    return tuple(lifts)


def _validate_session(starts_at: dt.datetime, ends_at: dt.datetime, seats: int | None) -> None:
    fields: dict[str, object] = {}
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("session times must be aware datetimes")
    if ends_at < starts_at:
        fields["ends_at"] = _l("The end must not be before the start.")
    if seats is not None and (seats < 0 or seats > 100000):
        fields["seats"] = _l("Must be between 0 and 100000.")
    if fields:
        raise ValidationError(_l("The session could not be saved."), fields=fields)


def add_session(
    actor: Person,
    training: Training,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    seats: int | None = None,
) -> TrainingSession:
    """Schedule a session of a training (HR only). ``seats`` None means no limit."""
    permissions.require(permissions.can_manage_training(actor))
    _validate_session(starts_at, ends_at, seats)
    session = TrainingSession(
        training=training, starts_at=starts_at, ends_at=ends_at, place=place.strip(), seats=seats
    )
    db.session.add(session)
    db.session.flush()
    return session


def update_session(
    actor: Person,
    session: TrainingSession,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    seats: int | None = None,
) -> list[Enrolment]:
    """Change a session (HR only). More seats move people up from the waiting list;
    fewer seats than people enrolled are refused. Returns the enrolments moved up."""
    permissions.require(permissions.can_manage_training(actor))
    _validate_session(starts_at, ends_at, seats)
    _lock(session)
    if seats is not None and seats < seats_taken(session):
        raise Conflict(
            _l("More people are enrolled than that; cancel enrolments first."),
            fields={"seats": _l("At least %(n)d.", n=seats_taken(session))},
        )
    session.starts_at, session.ends_at, session.place, session.seats = (
        starts_at,
        ends_at,
        place.strip(),
        seats,
    )
    db.session.flush()
    return _move_up(session)


# --- enrolment and the waiting list -------------------------------------------------


def _lock(session: TrainingSession) -> None:
    """Serialise seat counting per session (PostgreSQL row lock; SQLite has one writer)."""
    db.session.execute(
        sa.select(TrainingSession.id).where(TrainingSession.id == session.id).with_for_update()
    )


def _move_up(session: TrainingSession) -> list[Enrolment]:
    moved = []
    free = seats_free(session)
    for waiting in waiting_list(session):
        if free is not None and free <= 0:
            break
        waiting.status = "enrolled"
        moved.append(waiting)
        if free is not None:
            free -= 1
    db.session.flush()
    return moved


def enrol(
    actor: Person,
    session: TrainingSession,
    person: Person | None = None,
    now: dt.datetime | None = None,
) -> Enrolment:
    """Enrol a person (default: the actor) in a session; on the waiting list when full."""
    person = person or actor
    permissions.require(permissions.can_enrol(actor, person))
    now = now or now_utc()
    if not session.training.active:
        raise Conflict(_l("This training is no longer offered."))
    if session.ends_at < now:
        raise Conflict(_l("This session is over."))
    _lock(session)
    enrolment = db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.session_id == session.id, Enrolment.person_id == person.id
        )
    )
    if enrolment is not None and enrolment.status != "cancelled":
        raise Conflict(_l("Already enrolled in this session."))
    free = seats_free(session)
    status = "enrolled" if free is None or free > 0 else "waitlisted"
    if enrolment is None:
        enrolment = Enrolment(session=session, person=person, status=status, queued_at=now)
        db.session.add(enrolment)
    else:
        enrolment.status, enrolment.queued_at, enrolment.cancelled_at = status, now, None
    db.session.flush()
    return enrolment


def cancel(actor: Person, enrolment: Enrolment, now: dt.datetime | None = None) -> list[Enrolment]:
    """Cancel an enrolment or a place on the waiting list. A freed seat goes to the first
    on the waiting list. Returns the enrolments moved up."""
    permissions.require(permissions.can_enrol(actor, enrolment.person))
    if enrolment.status not in ACTIVE_STATUSES:
        raise Conflict(_l("Only an active enrolment can be cancelled."))
    _lock(enrolment.session)
    enrolment.status = "cancelled"
    enrolment.cancelled_at = now or now_utc()
    db.session.flush()
    return _move_up(enrolment.session)


def complete(
    actor: Person, enrolment: Enrolment, on: dt.date | None = None
) -> list[AssessmentProposal]:
    """Record that the person completed the training: formal evidence. For each
    competence the training lifts above the person's current level, an assessment at
    the level it lifts to is proposed for the leader to confirm."""
    permissions.require(permissions.can_record_training_completion(actor, enrolment.person))
    if enrolment.status != "enrolled":
        raise Conflict(_l("Only an enrolled participant can complete the training."))
    on = on or now_utc().date()
    if on > now_utc().date() + dt.timedelta(days=1) or on.year < 1900:
        message = _l("The completion date cannot be in the future.")
        raise ValidationError(message, fields={"completed_on": message})
    enrolment.status = "completed"
    enrolment.completed_at = dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)
    credential_id = _record_evidence(actor, enrolment, on)
    current = _current_levels(
        enrolment.person, [c.competence_code for c in enrolment.session.training.competences], on
    )
    proposals = []
    for lift in enrolment.session.training.competences:
        if current.get(lift.competence_code, 0) >= lift.level_to:
            continue  # already at or above what the training lifts to
        proposal = AssessmentProposal(
            enrolment=enrolment,
            person_id=enrolment.person_id,
            competence_code=lift.competence_code,
            level=lift.level_to,
            evidence_on=on,
            credential_id=credential_id,
        )
        db.session.add(proposal)
        proposals.append(proposal)
    db.session.flush()
    return proposals


def pending_proposals(actor: Person) -> list[AssessmentProposal]:
    """Proposals waiting for this leader (or HR sees none: confirming is the leader's)."""
    rows = db.session.scalars(
        sa.select(AssessmentProposal)
        .where(AssessmentProposal.status == "pending")
        .options(
            selectinload(AssessmentProposal.person),
            selectinload(AssessmentProposal.enrolment)
            .selectinload(Enrolment.session)
            .selectinload(TrainingSession.training),
        )
        .order_by(AssessmentProposal.created_at, AssessmentProposal.id)
    )
    return [p for p in rows if permissions.can_review_competence(actor, p.person)]


def decide_proposal(
    actor: Person, proposal: AssessmentProposal, confirm: bool, level: int | None = None
) -> AssessmentProposal:
    """The leader confirms (optionally at another level) or rejects a proposed level.
    Confirming records an assessment with source ``formal`` dated the completion day."""
    permissions.require(permissions.can_review_competence(actor, proposal.person))
    if proposal.status != "pending":
        raise Conflict(_l("This proposal has already been decided."))
    if confirm:
        if level is not None:
            if level < 0 or level > 100:
                raise ValidationError(
                    _l("Not a valid level."), fields={"level": _l("Not a valid level.")}
                )
            proposal.level = level
        _record_assessment(actor, proposal)
    proposal.status = "confirmed" if confirm else "rejected"
    proposal.decided_by_id = actor.id
    proposal.decided_at = now_utc()
    db.session.flush()
    return proposal


def proposal_origin(proposal: AssessmentProposal) -> str:
    """What the proposal comes from: the training's title, or the stop it names."""
    if proposal.enrolment is not None:
        return proposal.enrolment.session.training.title
    return proposal.origin or ""


def get_proposal(proposal_id: int) -> AssessmentProposal:
    """The proposed level (404 when missing)."""
    proposal = db.session.get(AssessmentProposal, proposal_id)
    if proposal is None:
        raise NotFound(_l("No such proposal."))
    return proposal


# --- the competence register's side ---------------------------------------------------


def _competences_by_code(codes: Iterable[str]) -> dict[str, int]:
    codes = list(codes)
    if not codes:
        return {}
    rows = db.session.execute(
        sa.select(Competence.code, Competence.id).where(Competence.code.in_(codes))
    )
    return {code: cid for code, cid in rows}


def _current_levels(person: Person, codes: list[str], on: dt.date) -> dict[str, int]:
    frame = gap_queries.assessments_frame(None, codes, [on], person=person)
    current = gap_analysis.current_levels(frame, on)
    return {str(r.competence): int(r.level) for r in current.itertuples()}


def _record_evidence(actor: Person, enrolment: Enrolment, on: dt.date) -> int:
    """Record the completion as a formal credential (kind ``course``) in the register,
    evidencing each competence the training lifts at the level it lifts to."""
    training = enrolment.session.training
    credential = FormalCredential(
        person_id=enrolment.person_id,
        kind="course",
        title=training.title[:300],
        issuer=training.provider[:200],
        issued_on=on,
        registered_by_id=actor.id,
    )
    ids = _competences_by_code(c.competence_code for c in training.competences)
    for lift in training.competences:
        if lift.competence_code in ids:
            credential.competences.append(
                CredentialCompetence(competence_id=ids[lift.competence_code], level=lift.level_to)
            )
    db.session.add(credential)
    db.session.flush()
    return credential.id


def _record_assessment(actor: Person, proposal: AssessmentProposal) -> None:
    """The confirmed level becomes an assessment: ``formal`` for a completed training,
    ``leader`` for practice at a stop (no enrolment; the leader's own judgement)."""
    ids = _competences_by_code([proposal.competence_code])
    if proposal.competence_code not in ids:
        raise ValidationError(
            _l("The competence %(code)s is not in the register.", code=proposal.competence_code)
        )
    db.session.add(
        Assessment(
            person_id=proposal.person_id,
            competence_id=ids[proposal.competence_code],
            level=proposal.level,
            source="formal" if proposal.enrolment is not None else "leader",
            assessed_on=proposal.evidence_on,
            assessor_id=actor.id,
            credential_id=proposal.credential_id,
            note=proposal_origin(proposal)[:300],
        )
    )
    db.session.flush()
