"""The training catalogue: trainings, their sessions, enrolments and completion proposals.

Competences are referred to by their code (``<framework>:<code>``) so that the
catalogue does not depend on which frameworks are loaded.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kollega.db import Base, now_utc
from kollega.org.models import Person

TRAINING_FORMATS = ("e-learning", "course", "workshop", "mentoring", "further_education")
ENROLMENT_STATUSES = ("enrolled", "waitlisted", "completed", "cancelled")
# An enrolment that holds (or waits for) a place.
ACTIVE_STATUSES = ("enrolled", "waitlisted")
PROPOSAL_STATUSES = ("pending", "confirmed", "rejected")


class Training(Base):
    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[str] = mapped_column(sa.String(200), default="")
    format: Mapped[str] = mapped_column(sa.String(20))
    hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    # Cost per participant in whole kroner; 0 is free.
    cost: Mapped[int] = mapped_column(sa.Integer, default=0)
    language: Mapped[str] = mapped_column(sa.String(8), default="nb")
    funding_scheme: Mapped[str | None] = mapped_column(sa.String(200))
    funding_url: Mapped[str | None] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    competences: Mapped[list[TrainingCompetence]] = relationship(
        back_populates="training",
        cascade="all, delete-orphan",
        order_by="TrainingCompetence.competence_code",
    )
    sessions: Mapped[list[TrainingSession]] = relationship(
        back_populates="training",
        cascade="all, delete-orphan",
        order_by="TrainingSession.starts_at",
    )
    # Who the training is meant for (``kollega.training.audience``): job codes and org
    # units (a unit covers its subtree). Both empty: everyone.
    audience_jobs: Mapped[list[TrainingAudienceJob]] = relationship(
        cascade="all, delete-orphan", order_by="TrainingAudienceJob.job_code"
    )
    audience_units: Mapped[list[TrainingAudienceUnit]] = relationship(
        cascade="all, delete-orphan", order_by="TrainingAudienceUnit.unit_id"
    )

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"format IN {TRAINING_FORMATS!r}"), name="format"),
        sa.CheckConstraint("hours >= 0", name="hours"),
        sa.CheckConstraint("cost >= 0", name="cost"),
    )

    def __repr__(self) -> str:
        return f"<Training {self.title!r}>"


class TrainingCompetence(Base):
    """A competence the training lifts, from ``level_from`` to ``level_to``."""

    __tablename__ = "training_competences"

    training_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True
    )
    competence_code: Mapped[str] = mapped_column(sa.String(80), primary_key=True, index=True)
    level_from: Mapped[int] = mapped_column(sa.Integer, default=0)
    level_to: Mapped[int] = mapped_column(sa.Integer)

    training: Mapped[Training] = relationship(back_populates="competences")

    __table_args__ = (
        sa.CheckConstraint("level_from >= 0 AND level_to > level_from", name="levels"),
    )


class TrainingAudienceJob(Base):
    """A job the training is meant for (``Person.job_code``; no foreign key, as people's
    job codes need not be in the ``jobs`` table)."""

    __tablename__ = "training_audience_jobs"

    training_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True
    )
    job_code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class TrainingAudienceUnit(Base):
    """An org unit (usually a division) whose people, its subtree's, the training is
    meant for."""

    __tablename__ = "training_audience_units"

    training_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TrainingSession(Base):
    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trainings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    # None: no limit (e-learning).
    seats: Mapped[int | None] = mapped_column(sa.Integer)

    training: Mapped[Training] = relationship(back_populates="sessions")
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Enrolment.queued_at"
    )

    __table_args__ = (
        sa.CheckConstraint("seats IS NULL OR seats >= 0", name="seats"),
        sa.CheckConstraint("ends_at >= starts_at", name="period"),
    )


class Enrolment(Base):
    __tablename__ = "training_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20))
    # The waiting list is ordered by this; set anew on every (re-)enrolment.
    queued_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    completed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]

    session: Mapped[TrainingSession] = relationship(back_populates="enrolments")
    person: Mapped[Person] = relationship()
    proposals: Mapped[list[AssessmentProposal]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("session_id", "person_id"),
        sa.CheckConstraint(sa.text(f"status IN {ENROLMENT_STATUSES!r}"), name="status"),
    )


class AssessmentProposal(Base):
    """A completed training (or a competence practised at a stop) proposes a level; the
    person's leader confirms or rejects it.

    Confirming records an assessment in the competence register: source ``formal`` for a
    training (the completion is formal evidence), ``leader`` for practice at a stop.
    """

    __tablename__ = "training_assessment_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when the proposal comes from a learning or evaluation stop where the person
    # practised the competence (kollega.cycle.practice); ``origin`` then names the stop.
    enrolment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("training_enrolments.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    origin: Mapped[str] = mapped_column(sa.String(300), default="")
    competence_code: Mapped[str] = mapped_column(sa.String(80))
    level: Mapped[int] = mapped_column(sa.Integer)
    evidence_on: Mapped[dt.date] = mapped_column(sa.Date)
    # The formal credential recorded on completion (competence register); a plain id so
    # that the catalogue's tables do not depend on the register's migration.
    credential_id: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    enrolment: Mapped[Enrolment | None] = relationship(back_populates="proposals")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "competence_code"),
        sa.CheckConstraint(sa.text(f"status IN {PROPOSAL_STATUSES!r}"), name="status"),
    )
