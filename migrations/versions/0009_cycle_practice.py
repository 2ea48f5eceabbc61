"""cycle: competences practised at stops, which propose assessments

Revision ID: 0009_cycle_practice
Revises: 0008_engagement
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kollega.db

revision = "0009_cycle_practice"
down_revision = "0008_engagement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A proposal may now come from a stop instead of a training enrolment.
    with op.batch_alter_table("training_assessment_proposals", schema=None) as batch_op:
        batch_op.alter_column("enrolment_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column("origin", sa.String(length=300), nullable=False, server_default="")
        )
    op.create_table(
        "cycle_practice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_start", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("competence_code", sa.String(length=80), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["cycle_events.id"],
            name=op.f("fk_cycle_practice_event_id_cycle_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_cycle_practice_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["training_assessment_proposals.id"],
            name=op.f("fk_cycle_practice_proposal_id_training_assessment_proposals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["marked_by_id"],
            ["people.id"],
            name=op.f("fk_cycle_practice_marked_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_practice")),
        sa.UniqueConstraint(
            "event_id",
            "occurrence_start",
            "person_id",
            "competence_code",
            name="uq_cycle_practice_once",
        ),
    )
    with op.batch_alter_table("cycle_practice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_practice_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("cycle_practice")
    # Stop proposals have no enrolment; they cannot survive the NOT NULL coming back.
    op.execute("DELETE FROM training_assessment_proposals WHERE enrolment_id IS NULL")
    with op.batch_alter_table("training_assessment_proposals", schema=None) as batch_op:
        batch_op.drop_column("origin")
        batch_op.alter_column("enrolment_id", existing_type=sa.Integer(), nullable=False)
