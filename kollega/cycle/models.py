"""The annual cycle: events (one-off or recurring), attendance, reflections,
the scheduler's dispatch log, calendar feed tokens and the scheduler heartbeat."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kollega.db import Base, now_utc
from kollega.org.models import OrgUnit, Person

EVENT_KINDS = (
    "planning_period",
    "inspiration",
    "innovation",
    "learning_stop",
    "evaluation_stop",
    "annual_evaluation",
)
STOP_KINDS = ("learning_stop", "evaluation_stop")
ATTENDANCE_STATUSES = ("invited", "attending", "maybe", "declined", "attended")


class CycleEvent(Base):
    """One event of the annual cycle; with ``rrule`` it stands for a series.

    ``starts_at``/``ends_at`` are the first occurrence in UTC; recurrence is computed
    in Europe/Oslo so that a 09:00 series stays at 09:00 across daylight saving time.
    An event belongs to a unit (shown to its subtree), a network (its members), or is
    municipality-wide (set by HR, shown to everyone).
    """

    __tablename__ = "cycle_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), index=True
    )
    network_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    municipality_wide: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    rrule: Mapped[str | None] = mapped_column(sa.String(500))
    # Cancelled occurrences: ISO 8601 UTC start times.
    exdates: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    reminders: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    competences: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    prompts: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    unit: Mapped[OrgUnit | None] = relationship()
    created_by: Mapped[Person | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"kind IN {EVENT_KINDS!r}"), name="kind"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint(
            "unit_id IS NOT NULL OR network_id IS NOT NULL OR municipality_wide",
            name="has_audience",
        ),
    )

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

    @property
    def is_stop(self) -> bool:
        return self.kind in STOP_KINDS

    @property
    def recurrence_words(self) -> str:
        """The recurrence in words ("Hver uke, 4 ganger"), in the current language."""
        from kollega.cycle import words

        return words.recurrence(self.rrule)

    @property
    def reminder_words(self) -> str:
        """The reminders in words ("1 dag før, 1 time før")."""
        from kollega.cycle import words

        return words.reminders(self.reminders)

    def __repr__(self) -> str:
        return f"<CycleEvent {self.id} {self.kind} {self.title!r}>"


class Attendance(Base):
    """A person's invitation to, answer for and presence at one occurrence."""

    __tablename__ = "cycle_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle_events.id", ondelete="CASCADE"))
    occurrence_start: Mapped[dt.datetime]
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="invited")
    checked_in_at: Mapped[dt.datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    @classmethod
    def present(cls) -> sa.ColumnElement[bool]:
        """Checked in, in SQL: the answer (``status``) and the presence are kept apart;
        rows from before then say "attended"."""
        return sa.or_(cls.checked_in_at.is_not(None), cls.status == "attended")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "occurrence_start", "person_id"),
        sa.CheckConstraint(sa.text(f"status IN {ATTENDANCE_STATUSES!r}"), name="status"),
    )


class Reflection(Base):
    """A person's answers to the prompts of one stop occurrence."""

    __tablename__ = "cycle_reflections"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle_events.id", ondelete="CASCADE"))
    occurrence_start: Mapped[dt.datetime]
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    # [{"prompt": str, "answer": str}], in the order of the event's prompts.
    answers: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    person: Mapped[Person] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_id", "occurrence_start", "person_id"),)


class Dispatch(Base):
    """One thing the scheduler did (a reminder, a stop opening or closing).

    The unique key (event, occurrence start, action) is what makes the scheduler
    idempotent: a second scheduler, a restart or a re-run cannot do it twice.
    """

    __tablename__ = "cycle_dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle_events.id", ondelete="CASCADE"))
    occurrence_start: Mapped[dt.datetime]
    action: Mapped[str] = mapped_column(sa.String(32))
    due_at: Mapped[dt.datetime]
    done_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    thread_id: Mapped[int | None] = mapped_column(sa.Integer)
    recipients: Mapped[int] = mapped_column(sa.Integer, default=0)
    summary: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("event_id", "occurrence_start", "action"),)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(Base):
    """The secret that opens a person's calendar feed; regenerate to revoke."""

    __tablename__ = "cycle_calendar_tokens"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_calendar_token)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    person: Mapped[Person] = relationship()


class SchedulerHeartbeat(Base):
    """Written by the scheduler on every run, so operators can see it is alive."""

    __tablename__ = "cycle_scheduler_heartbeats"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    beat_at: Mapped[dt.datetime]
    pid: Mapped[int] = mapped_column(sa.Integer, default=0)
    dispatched: Mapped[int] = mapped_column(sa.Integer, default=0)


class DigestSend(Base):
    """One person's e-mail digest for one period ("daily:2027-01-05", "weekly:2027-W01"):
    claimed under its unique key before it is sent, so it goes out at most once."""

    __tablename__ = "cycle_digest_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(20))
    sent: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    __table_args__ = (sa.UniqueConstraint("person_id", "period"),)


class DigestRun(Base):
    """Progress of one digest period over everyone (``cursor`` = last person id done)."""

    __tablename__ = "cycle_digest_runs"

    period: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    cursor: Mapped[int] = mapped_column(sa.Integer, default=0)
    done: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)


class Practice(Base):
    """A competence a person practised at one stop occurrence, as marked by its leader
    (or the network's facilitator). Marking proposes an assessment through the training
    catalogue's proposals (``proposal_id``), which the person's leader confirms; the
    unique key makes marking twice a no-op."""

    __tablename__ = "cycle_practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle_events.id", ondelete="CASCADE"))
    occurrence_start: Mapped[dt.datetime]
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    competence_code: Mapped[str] = mapped_column(sa.String(80))
    # None when nothing was proposed (already at the top of the scale, or the code is
    # not in the register).
    proposal_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("training_assessment_proposals.id", ondelete="SET NULL")
    )
    marked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    marked_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    __table_args__ = (
        # The conventional name would pass PostgreSQL's 63 characters.
        sa.UniqueConstraint(
            "event_id",
            "occurrence_start",
            "person_id",
            "competence_code",
            name="uq_cycle_practice_once",
        ),
    )


PERIOD_RULES = ("week", "dates")


class FixedPeriod(Base):
    """A municipality-wide fixed period HR defines once (``kollega.cycle.periods``):
    Monday to Friday of ISO week ``week``, or ``start_month/start_day`` for ``days``
    working days. Each year it is made into one municipality-wide ``CycleEvent``."""

    __tablename__ = "cycle_fixed_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    rule: Mapped[str] = mapped_column(sa.String(8))
    week: Mapped[int | None]
    start_month: Mapped[int | None]
    start_day: Mapped[int | None]
    days: Mapped[int] = mapped_column(default=1)
    start_minute: Mapped[int] = mapped_column(default=480)
    end_minute: Mapped[int] = mapped_column(default=960)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"kind IN {EVENT_KINDS!r}"), name="kind"),
        sa.CheckConstraint(sa.text(f"rule IN {PERIOD_RULES!r}"), name="rule"),
        sa.CheckConstraint("end_minute > start_minute", name="ends_after_start"),
    )


class FixedPeriodYear(Base):
    """The event a fixed period became in one year (``event_id`` is None when HR deleted
    that year's event: the year is not filled again)."""

    __tablename__ = "cycle_fixed_period_years"

    period_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycle_fixed_periods.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cycle_events.id", ondelete="SET NULL"), index=True
    )

    event: Mapped[CycleEvent | None] = relationship()


class UnitStopSpace(Base):
    """The invite-only network where a unit's learning and evaluation stops open their
    reflection threads ("<unit> – læringsstopp"), made when the unit's first stop opens;
    its members are the unit's people, brought up to date at every opening."""

    __tablename__ = "cycle_unit_spaces"

    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True
    )
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
