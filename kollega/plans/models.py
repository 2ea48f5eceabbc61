"""The strategic competence plan (KS's seven steps): a plan for the municipality, a
division or a unit over a period, its steps, demand drivers with FTE ratios, measures
with their expected effect, and scenarios.

A unit's lighter yearly plan is ``competence.CompetencePlan``; this one is the
long-term, strategic plan and links to those by unit and year rather than copying them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kollega.db import Base, now_utc
from kollega.org.models import OrgUnit, Person

PLAN_STATUSES = ("draft", "active", "done")
STEP_STATUSES = ("not_started", "in_progress", "done")
# KS's seven steps, in order.
STEP_KEYS = (
    "organisation",
    "anchoring",
    "goals",
    "competence",
    "analysis",
    "measures",
    "follow_up",
)
MEASURE_KINDS = ("mobilise", "develop", "recruit", "phase_out")
MEASURE_STATUSES = ("planned", "in_progress", "done", "dropped")


class Plan(Base):
    """A strategic competence and staffing plan for a unit's subtree over a period."""

    __tablename__ = "strategic_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    period_from: Mapped[dt.date] = mapped_column(sa.Date)
    period_to: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    # The base assumptions of the staffing analysis (scenarios may change them).
    retirement_age: Mapped[int] = mapped_column(sa.Integer, default=67)
    turnover: Mapped[float] = mapped_column(sa.Float, default=0.08)
    # Shared with the employees of the unit's subtree (read only).
    shared: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    unit: Mapped[OrgUnit] = relationship()
    created_by: Mapped[Person | None] = relationship()
    steps: Mapped[list[PlanStep]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanStep.number"
    )
    drivers: Mapped[list[DemandDriver]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="DemandDriver.id"
    )
    measures: Mapped[list[Measure]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Measure.id"
    )
    scenarios: Mapped[list[Scenario]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Scenario.id"
    )

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"status IN {PLAN_STATUSES!r}"), name="status"),
        sa.CheckConstraint("period_to > period_from", name="period"),
        sa.CheckConstraint("retirement_age BETWEEN 55 AND 75", name="retirement_age"),
        sa.CheckConstraint("turnover >= 0 AND turnover < 1", name="turnover"),
    )

    @property
    def years(self) -> list[int]:
        return list(range(self.period_from.year, self.period_to.year + 1))


class PlanStep(Base):
    """One of KS's seven steps in a plan: status, notes, owner and structured details
    (project group and mandate, decisions, linked goals and requirements, frameworks)."""

    __tablename__ = "strategic_plan_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategic_plans.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(sa.Integer)
    key: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(12), default="not_started")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    plan: Mapped[Plan] = relationship(back_populates="steps")
    owner: Mapped[Person | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number"),
        sa.CheckConstraint(sa.text(f"status IN {STEP_STATUSES!r}"), name="status"),
        sa.CheckConstraint(sa.text(f"key IN {STEP_KEYS!r}"), name="key"),
        sa.CheckConstraint("number BETWEEN 1 AND 7", name="number"),
    )


class DemandDriver(Base):
    """A yearly demand series (e.g. residents over 80) and the FTE per unit of demand
    each job needs (``ratios``)."""

    __tablename__ = "strategic_plan_drivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategic_plans.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    unit_of_demand: Mapped[str] = mapped_column(sa.String(100), default="")
    # {"2026": 5400.0, "2027": 5650.0, ...}
    values: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)

    plan: Mapped[Plan] = relationship(back_populates="drivers")
    ratios: Mapped[list[StaffingRatio]] = relationship(
        back_populates="driver", cascade="all, delete-orphan", order_by="StaffingRatio.job_code"
    )

    def value(self, year: int) -> float | None:
        raw = (self.values or {}).get(str(year))
        return None if raw is None else float(raw)


class StaffingRatio(Base):
    """FTE of one job code needed per unit of a driver's demand."""

    __tablename__ = "strategic_plan_ratios"

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategic_plan_drivers.id", ondelete="CASCADE"), index=True
    )
    job_code: Mapped[str] = mapped_column(sa.String(32))
    fte_per_unit: Mapped[float] = mapped_column(sa.Float)

    driver: Mapped[DemandDriver] = relationship(back_populates="ratios")

    __table_args__ = (
        sa.UniqueConstraint("driver_id", "job_code"),
        sa.CheckConstraint("fte_per_unit >= 0", name="fte_per_unit"),
    )


class Measure(Base):
    """A measure of one of KS's four kinds, linked to a network, a training or a
    recruitment, with cost, owner, dates and expected effect: FTE for a job code
    (``fte_change``: added supply for mobilise/recruit, need removed for phase out)
    and competence effects (``effects``)."""

    __tablename__ = "strategic_plan_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategic_plans.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(12))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    network_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("networks.id", ondelete="SET NULL")
    )
    training_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("trainings.id", ondelete="SET NULL")
    )
    recruitment: Mapped[str] = mapped_column(sa.String(300), default="")
    # Whole kroner.
    cost: Mapped[int] = mapped_column(sa.Integer, default=0)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    starts_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(12), default="planned")
    job_code: Mapped[str | None] = mapped_column(sa.String(32))
    fte_change: Mapped[float] = mapped_column(sa.Float, default=0.0)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    plan: Mapped[Plan] = relationship(back_populates="measures")
    owner: Mapped[Person | None] = relationship()
    effects: Mapped[list[MeasureEffect]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="MeasureEffect.id"
    )

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"kind IN {MEASURE_KINDS!r}"), name="kind"),
        sa.CheckConstraint(sa.text(f"status IN {MEASURE_STATUSES!r}"), name="status"),
        sa.CheckConstraint("cost >= 0", name="cost"),
        sa.CheckConstraint("fte_change >= 0", name="fte_change"),
        sa.CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"
        ),
    )


class MeasureEffect(Base):
    """Expected effect of a measure: ``people`` people reach ``level`` in a competence."""

    __tablename__ = "strategic_plan_measure_effects"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategic_plan_measures.id", ondelete="CASCADE"), index=True
    )
    competence_code: Mapped[str] = mapped_column(sa.String(100))
    people: Mapped[int] = mapped_column(sa.Integer)
    level: Mapped[int] = mapped_column(sa.Integer)

    measure: Mapped[Measure] = relationship(back_populates="effects")

    __table_args__ = (
        sa.CheckConstraint("people >= 1", name="people"),
        sa.CheckConstraint("level >= 1", name="level"),
    )


class Scenario(Base):
    """A named variant of the plan's assumptions: turnover, retirement age, a multiplier
    per demand driver and the set of measures assumed to run (None: all)."""

    __tablename__ = "strategic_plan_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategic_plans.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    retirement_age: Mapped[int] = mapped_column(sa.Integer, default=67)
    turnover: Mapped[float] = mapped_column(sa.Float, default=0.08)
    # {"<driver id>": 1.1}
    driver_multipliers: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    measure_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)

    plan: Mapped[Plan] = relationship(back_populates="scenarios")

    __table_args__ = (
        sa.UniqueConstraint("plan_id", "name"),
        sa.CheckConstraint("retirement_age BETWEEN 55 AND 75", name="retirement_age"),
        sa.CheckConstraint("turnover >= 0 AND turnover < 1", name="turnover"),
    )
