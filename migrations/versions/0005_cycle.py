"""cycle: annual cycle events, attendance, reflections, dispatches, calendar tokens

Revision ID: 0005_cycle
Revises: 0004_training
Create Date: 2026-11-22 11:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kollega.db

revision = "0005_cycle"
down_revision = "0004_training"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cycle_scheduler_heartbeats",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("beat_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("dispatched", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cycle_scheduler_heartbeats")),
    )
    op.create_table(
        "cycle_calendar_tokens",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_cycle_calendar_tokens_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_cycle_calendar_tokens")),
        sa.UniqueConstraint("token", name=op.f("uq_cycle_calendar_tokens_token")),
    )
    op.create_table(
        "cycle_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("municipality_wide", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("starts_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("ends_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("video_url", sa.String(length=500), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=True),
        sa.Column("exdates", sa.JSON(), nullable=False),
        sa.Column("reminders", sa.JSON(), nullable=False),
        sa.Column("competences", sa.JSON(), nullable=False),
        sa.Column("prompts", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", kollega.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('planning_period', 'inspiration', 'innovation', 'learning_stop', 'evaluation_stop', 'annual_evaluation')",
            name=op.f("ck_cycle_events_kind"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_cycle_events_ends_after_start")),
        sa.CheckConstraint(
            "unit_id IS NOT NULL OR network_id IS NOT NULL OR municipality_wide",
            name=op.f("ck_cycle_events_has_audience"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_cycle_events_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_cycle_events_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_cycle_events_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_events")),
    )
    with op.batch_alter_table("cycle_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_events_network_id"), ["network_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cycle_events_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cycle_events_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "cycle_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_start", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked_in_at", kollega.db.UTCDateTime(), nullable=True),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", kollega.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('invited', 'attending', 'maybe', 'declined', 'attended')",
            name=op.f("ck_cycle_attendance_status"),
        ),
        sa.ForeignKeyConstraint(
            ["checked_in_by_id"],
            ["people.id"],
            name=op.f("fk_cycle_attendance_checked_in_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cycle_events.id"],
            name=op.f("fk_cycle_attendance_event_id_cycle_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_cycle_attendance_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_attendance")),
        sa.UniqueConstraint(
            "event_id",
            "occurrence_start",
            "person_id",
            name=op.f("uq_cycle_attendance_event_id_occurrence_start_person_id"),
        ),
    )
    with op.batch_alter_table("cycle_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_attendance_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "cycle_dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_start", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("due_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("done_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cycle_events.id"],
            name=op.f("fk_cycle_dispatches_event_id_cycle_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_dispatches")),
        sa.UniqueConstraint(
            "event_id",
            "occurrence_start",
            "action",
            name=op.f("uq_cycle_dispatches_event_id_occurrence_start_action"),
        ),
    )
    op.create_table(
        "cycle_reflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_start", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cycle_events.id"],
            name=op.f("fk_cycle_reflections_event_id_cycle_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_cycle_reflections_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_reflections")),
        sa.UniqueConstraint(
            "event_id",
            "occurrence_start",
            "person_id",
            name=op.f("uq_cycle_reflections_event_id_occurrence_start_person_id"),
        ),
    )
    with op.batch_alter_table("cycle_reflections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_reflections_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "cycle_digest_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("created_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_cycle_digest_sends_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_digest_sends")),
        sa.UniqueConstraint(
            "person_id", "period", name=op.f("uq_cycle_digest_sends_person_id_period")
        ),
    )

    op.create_table(
        "cycle_digest_runs",
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kollega.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_cycle_digest_runs")),
    )


def downgrade() -> None:
    op.drop_table("cycle_digest_runs")
    op.drop_table("cycle_digest_sends")
    with op.batch_alter_table("cycle_reflections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_reflections_person_id"))

    op.drop_table("cycle_reflections")
    op.drop_table("cycle_dispatches")
    with op.batch_alter_table("cycle_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_attendance_person_id"))

    op.drop_table("cycle_attendance")
    with op.batch_alter_table("cycle_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_events_unit_id"))
        batch_op.drop_index(batch_op.f("ix_cycle_events_starts_at"))
        batch_op.drop_index(batch_op.f("ix_cycle_events_network_id"))

    op.drop_table("cycle_events")
    op.drop_table("cycle_calendar_tokens")
    op.drop_table("cycle_scheduler_heartbeats")
