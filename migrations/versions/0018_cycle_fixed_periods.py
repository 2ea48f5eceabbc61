"""cycle: fixed periods HR defines once, made into a municipality-wide event every year

Revision ID: 0018_cycle_fixed_periods
Revises: 0017_uploads
Create Date: 2026-12-06 04:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kollega.db import UTCDateTime

revision = "0018_cycle_fixed_periods"
down_revision = "0017_uploads"
branch_labels = None
depends_on = None

KINDS = (
    "planning_period",
    "inspiration",
    "innovation",
    "learning_stop",
    "evaluation_stop",
    "annual_evaluation",
)


def upgrade() -> None:
    op.create_table(
        "cycle_fixed_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("rule", sa.String(length=8), nullable=False),
        sa.Column("week", sa.Integer(), nullable=True),
        sa.Column("start_month", sa.Integer(), nullable=True),
        sa.Column("start_day", sa.Integer(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(f"kind IN {KINDS!r}", name=op.f("ck_cycle_fixed_periods_kind")),
        sa.CheckConstraint("rule IN ('week', 'dates')", name=op.f("ck_cycle_fixed_periods_rule")),
        sa.CheckConstraint(
            "end_minute > start_minute", name=op.f("ck_cycle_fixed_periods_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_cycle_fixed_periods_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_fixed_periods")),
    )
    op.create_table(
        "cycle_fixed_period_years",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cycle_events.id"],
            name=op.f("fk_cycle_fixed_period_years_event_id_cycle_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["cycle_fixed_periods.id"],
            name=op.f("fk_cycle_fixed_period_years_period_id_cycle_fixed_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("period_id", "year", name=op.f("pk_cycle_fixed_period_years")),
    )
    op.create_index(
        op.f("ix_cycle_fixed_period_years_event_id"),
        "cycle_fixed_period_years",
        ["event_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_cycle_fixed_period_years_event_id"), table_name="cycle_fixed_period_years"
    )
    op.drop_table("cycle_fixed_period_years")
    op.drop_table("cycle_fixed_periods")
