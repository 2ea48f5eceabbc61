"""The unit tree and the people in it."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kollega.db import Base, now_utc
from kollega.extensions import db

UNIT_KINDS = ("municipality", "division", "unit", "department")
ROLES = ("employee", "leader", "hr", "admin", "guest")
# Roles stored as rows; "leader" is derived from leading at least one unit.
STORED_ROLES = ("employee", "hr", "admin", "guest")


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    # Materialised path of ids, "/1/4/17/": a subtree is one LIKE on an index.
    path: Mapped[str] = mapped_column(sa.String(400), index=True, default="")

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")

    __table_args__ = (sa.CheckConstraint(sa.text(f"kind IN {UNIT_KINDS!r}"), name="kind"),)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2 if self.path else 0

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this unit."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"


class Person(UserMixin, Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    job_code: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    fte: Mapped[float] = mapped_column(sa.Float, default=1.0)
    birth_year: Mapped[int | None] = mapped_column(sa.Integer)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # Part of the login cookie: changing it signs the person out everywhere.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), default=lambda: secrets.token_urlsafe(24)
    )
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    unit: Mapped[OrgUnit | None] = relationship()
    role_rows: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    led_units: Mapped[list[OrgUnit]] = relationship(
        secondary="unit_leaders", order_by="OrgUnit.code", viewonly=True
    )

    __table_args__ = (sa.CheckConstraint("fte >= 0 AND fte <= 2", name="fte_range"),)

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def stored_roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    @property
    def roles(self) -> list[str]:
        """All roles, with ``leader`` derived from leading a unit, in a fixed order."""
        have = self.stored_roles
        if self.led_units:
            have.add("leader")
        return [r for r in ROLES if r in have]

    def has_role(self, role: str) -> bool:
        if role == "leader":
            return bool(self.led_units)
        return role in self.stored_roles

    @property
    def is_hr(self) -> bool:
        return "hr" in self.stored_roles

    @property
    def is_admin(self) -> bool:
        return "admin" in self.stored_roles

    @property
    def is_guest(self) -> bool:
        return "guest" in self.stored_roles and "employee" not in self.stored_roles

    def __repr__(self) -> str:
        return f"<Person {self.email}>"


class Job(Base):
    """The readable name of a job code (``Person.job_code``), from the ``jobs`` import.

    A job code is the key people, requirements and plans share; a page shows the name."""

    __tablename__ = "jobs"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"<Job {self.code}>"


def job_names() -> dict[str, str]:
    """Every job's readable name by code (a small table: one query)."""
    return {code: name for code, name in db.session.execute(sa.select(Job.code, Job.name))}


class PersonRole(Base):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)

    person: Mapped[Person] = relationship(back_populates="role_rows")

    __table_args__ = (sa.CheckConstraint(sa.text(f"role IN {STORED_ROLES!r}"), name="role"),)


class UnitLeader(Base):
    __tablename__ = "unit_leaders"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True, index=True
    )
