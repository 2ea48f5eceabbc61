"""The competence register: frameworks, assessments, credentials, requirements, plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kollega.db import Base, now_utc
from kollega.org.models import OrgUnit, Person

SOURCES = ("self", "leader", "formal")
# On the same date: leader beats formal beats self (DESIGN.md, current level).
SOURCE_RANK = {"self": 0, "formal": 1, "leader": 2}
COVERS = ("knowledge", "skills", "attitudes", "abilities")
FOCUS_AREAS = ("digital", "privacy", "collaboration", "leadership")
CREDENTIAL_KINDS = ("education", "certificate", "authorisation", "course")
SCOPE_TYPES = ("unit", "job")
LINK_KINDS = ("equivalent", "related")
PLAN_STATUSES = ("draft", "active", "done")
GOAL_STATUSES = ("planned", "in_progress", "done", "dropped")
MEASURE_KINDS = ("mobilise", "develop", "recruit", "phase_out")


class Framework(Base):
    """A competence framework, loaded from a data file (``source == "file"``) or made by
    HR in the app (``source == "app"``)."""

    __tablename__ = "competence_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    version: Mapped[str] = mapped_column(sa.String(32), default="1")
    name_nb: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    description_nb: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    focus_area: Mapped[str] = mapped_column(sa.String(20), default="digital")
    source: Mapped[str] = mapped_column(sa.String(10), default="app")
    reference: Mapped[str] = mapped_column(sa.String(300), default="")
    # [{"code": "1", "name_nb": ..., "name_en": ...}]
    areas: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # SHA-256 of the data file as last synced: a changed file is synced again.
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    synced_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    levels: Mapped[list[FrameworkLevel]] = relationship(
        back_populates="framework", order_by="FrameworkLevel.level", cascade="all, delete-orphan"
    )
    competences: Mapped[list[Competence]] = relationship(
        back_populates="framework", order_by="Competence.position"
    )

    __table_args__ = (sa.CheckConstraint(sa.text(f"source IN {('file', 'app')!r}"), name="source"),)

    @property
    def max_level(self) -> int:
        return max((lv.level for lv in self.levels), default=0)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_nb

    def area_name(self, code: str, locale: str) -> str:
        for area in self.areas or []:
            if area.get("code") == code:
                return str(area.get("name_en" if locale == "en" else "name_nb") or code)
        return code


class FrameworkLevel(Base):
    __tablename__ = "competence_framework_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competence_frameworks.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(sa.Integer)
    group_code: Mapped[str] = mapped_column(sa.String(40), default="")
    group_nb: Mapped[str] = mapped_column(sa.String(100), default="")
    group_en: Mapped[str] = mapped_column(sa.String(100), default="")
    name_nb: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    descriptor_nb: Mapped[str] = mapped_column(sa.Text, default="")
    descriptor_en: Mapped[str] = mapped_column(sa.Text, default="")

    framework: Mapped[Framework] = relationship(back_populates="levels")

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "level"),
        sa.CheckConstraint("level >= 1", name="level_positive"),
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb

    def descriptor(self, locale: str) -> str:
        return self.descriptor_en if locale == "en" else self.descriptor_nb


class Competence(Base):
    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competence_frameworks.id", ondelete="CASCADE"), index=True
    )
    # The full code "<framework>:<code>", e.g. "digcomp-2.2:4.2".
    code: Mapped[str] = mapped_column(sa.String(100), unique=True)
    local_code: Mapped[str] = mapped_column(sa.String(32))
    area: Mapped[str] = mapped_column(sa.String(32), default="")
    name_nb: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    description_nb: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    # Comma-separated subset of COVERS.
    covers: Mapped[str] = mapped_column(sa.String(60), default="")
    focus_area: Mapped[str] = mapped_column(sa.String(20), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Removed from its data file: kept (assessments point at it) but not offered.
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    framework: Mapped[Framework] = relationship(back_populates="competences")

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"focus_area IN {FOCUS_AREAS!r}"), name="focus_area"),
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_nb

    @property
    def covers_list(self) -> list[str]:
        return [c for c in self.covers.split(",") if c]


class CompetenceLink(Base):
    __tablename__ = "competence_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competences.id", ondelete="CASCADE"), index=True
    )
    to_id: Mapped[int] = mapped_column(sa.ForeignKey("competences.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))

    source: Mapped[Competence] = relationship(foreign_keys=[from_id])
    target: Mapped[Competence] = relationship(foreign_keys=[to_id])

    __table_args__ = (
        sa.UniqueConstraint("from_id", "to_id"),
        sa.CheckConstraint(sa.text(f"kind IN {LINK_KINDS!r}"), name="kind"),
    )


class Assessment(Base):
    """One statement of a person's level in a competence. Rows are only ever added:
    the history is never overwritten."""

    __tablename__ = "competence_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    competence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competences.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.String(10))
    assessed_on: Mapped[dt.date] = mapped_column(sa.Date)
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    # A leader's review points at the self-assessment it confirmed or adjusted.
    reviews_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("competence_assessments.id", ondelete="SET NULL")
    )
    # Indexed: the gap's reads find the pairs whose credential lapses through it, and a
    # deleted credential's assessments are found by it (ON DELETE CASCADE).
    credential_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("formal_credentials.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    assessor: Mapped[Person | None] = relationship(foreign_keys=[assessor_id])
    competence: Mapped[Competence] = relationship()

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"source IN {SOURCES!r}"), name="source"),
        sa.CheckConstraint("level >= 0", name="level_nonnegative"),
        sa.Index(
            "ix_competence_assessments_person_comp_date",
            "person_id",
            "competence_id",
            "assessed_on",
        ),
    )

    @staticmethod
    def counts_on(day: dt.date) -> sa.ColumnElement[bool]:
        """The assessment counts at ``day``: it has no credential, or its credential has
        not expired by then (DESIGN.md: a credential is valid until its expiry date,
        exclusive; after that the level falls back to the latest other assessment)."""
        lapsed = (
            sa.select(FormalCredential.id)
            .where(
                FormalCredential.id == Assessment.credential_id,
                FormalCredential.expires_on <= day,
            )
            .exists()
        )
        return sa.or_(Assessment.credential_id.is_(None), ~lapsed)


class FormalCredential(Base):
    """Formal competence: education, certificate, authorisation or course."""

    __tablename__ = "formal_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(300))
    issuer: Mapped[str] = mapped_column(sa.String(200), default="")
    issued_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    expires_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    evidence_url: Mapped[str | None] = mapped_column(sa.String(500))
    registered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    competences: Mapped[list[CredentialCompetence]] = relationship(
        back_populates="credential", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"kind IN {CREDENTIAL_KINDS!r}"), name="kind"),
        sa.CheckConstraint(
            "expires_on IS NULL OR issued_on IS NULL OR expires_on >= issued_on",
            name="dates",
        ),
    )


class CredentialCompetence(Base):
    """A competence, and the level of it, that a credential evidences."""

    __tablename__ = "credential_competences"

    credential_id: Mapped[int] = mapped_column(
        sa.ForeignKey("formal_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    competence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(sa.Integer)

    credential: Mapped[FormalCredential] = relationship(back_populates="competences")
    competence: Mapped[Competence] = relationship()


class Requirement(Base):
    """A required level for everyone in a unit's subtree, or with a job code, in a period."""

    __tablename__ = "competence_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_type: Mapped[str] = mapped_column(sa.String(10))
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), index=True
    )
    job_code: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    competence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competences.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int] = mapped_column(sa.Integer)
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    effective_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    unit: Mapped[OrgUnit | None] = relationship()
    competence: Mapped[Competence] = relationship()
    set_by: Mapped[Person | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"scope_type IN {SCOPE_TYPES!r}"), name="scope_type"),
        sa.CheckConstraint(
            "(scope_type = 'unit' AND unit_id IS NOT NULL AND job_code IS NULL) OR "
            "(scope_type = 'job' AND job_code IS NOT NULL AND unit_id IS NULL)",
            name="scope",
        ),
        sa.CheckConstraint(
            "effective_until IS NULL OR effective_until > effective_from", name="period"
        ),
        sa.CheckConstraint("level >= 1", name="level_positive"),
    )

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (
            self.effective_until is None or on < self.effective_until
        )

    @property
    def scope_code(self) -> str:
        if self.scope_type == "unit":
            return self.unit.code if self.unit else ""
        return self.job_code or ""


class CompetencePlan(Base):
    """A unit's competence plan for one year."""

    __tablename__ = "competence_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(sa.Integer)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    unit: Mapped[OrgUnit] = relationship()
    goals: Mapped[list[CompetencePlanGoal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="CompetencePlanGoal.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "year"),
        sa.CheckConstraint(sa.text(f"status IN {PLAN_STATUSES!r}"), name="status"),
    )


class CompetencePlanGoal(Base):
    """A goal in a unit plan: linked to a focus area (and maybe a requirement), with
    its measure, who is responsible and how far it has come."""

    __tablename__ = "competence_plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competence_plans.id", ondelete="CASCADE"), index=True
    )
    focus_area: Mapped[str] = mapped_column(sa.String(20))
    goal: Mapped[str] = mapped_column(sa.Text)
    requirement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("competence_requirements.id", ondelete="SET NULL")
    )
    measure: Mapped[str] = mapped_column(sa.Text, default="")
    measure_kind: Mapped[str] = mapped_column(sa.String(12), default="develop")
    responsible_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(12), default="planned")

    plan: Mapped[CompetencePlan] = relationship(back_populates="goals")
    requirement: Mapped[Requirement | None] = relationship()
    responsible: Mapped[Person | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"focus_area IN {FOCUS_AREAS!r}"), name="focus_area"),
        sa.CheckConstraint(sa.text(f"status IN {GOAL_STATUSES!r}"), name="status"),
        sa.CheckConstraint(sa.text(f"measure_kind IN {MEASURE_KINDS!r}"), name="measure_kind"),
    )


class DevelopmentConversation(Base):
    """A development conversation (utviklingssamtale): only the employee and their
    leader chain see it."""

    __tablename__ = "development_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    held_on: Mapped[dt.date] = mapped_column(sa.Date)
    agreed_goals: Mapped[str] = mapped_column(sa.Text, default="")
    measures: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # When the follow-up reminder went to the employee and the leader (competence.jobs).
    follow_up_reminded_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    leader: Mapped[Person | None] = relationship(foreign_keys=[leader_id])
    items: Mapped[list[ConversationCompetence]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan"
    )
    plan_goals: Mapped[list[CompetencePlanGoal]] = relationship(
        secondary="development_conversation_goals", order_by="CompetencePlanGoal.id"
    )


class ConversationGoal(Base):
    """A goal (and its measure) of the unit's competence plan that a development
    conversation picked; counted, in aggregate, on the unit plan."""

    __tablename__ = "development_conversation_goals"

    conversation_id: Mapped[int] = mapped_column(
        # Named: the conventional names would pass PostgreSQL's 63 characters.
        sa.ForeignKey(
            "development_conversations.id", ondelete="CASCADE", name="fk_dev_conv_goals_conv"
        ),
        primary_key=True,
    )
    goal_id: Mapped[int] = mapped_column(
        sa.ForeignKey(
            "competence_plan_goals.id", ondelete="CASCADE", name="fk_dev_conv_goals_goal"
        ),
        primary_key=True,
        index=True,
    )


class ConversationCompetence(Base):
    """A competence agreed on in a conversation, with the level aimed for."""

    __tablename__ = "development_conversation_competences"

    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("development_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    competence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True
    )
    target_level: Mapped[int | None] = mapped_column(sa.Integer)

    conversation: Mapped[DevelopmentConversation] = relationship(back_populates="items")
    competence: Mapped[Competence] = relationship()


class FindablePerson(Base):
    """A person who chose to be found by "who knows this?" (opt-in; a row = yes)."""

    __tablename__ = "competence_findable"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[dt.datetime] = mapped_column(default=now_utc)
