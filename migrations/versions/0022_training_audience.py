"""training: who a training is meant for (job codes and org units; none: everyone), so
suggestions leave out courses meant for other jobs and divisions (#21)

Revision ID: 0022_training_audience
Revises: 0021_stop_summary_notice
Create Date: 2026-12-06 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_training_audience"
down_revision = "0021_stop_summary_notice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_audience_jobs",
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("job_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["training_id"],
            ["trainings.id"],
            name=op.f("fk_training_audience_jobs_training_id_trainings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("training_id", "job_code", name=op.f("pk_training_audience_jobs")),
    )
    op.create_table(
        "training_audience_units",
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["training_id"],
            ["trainings.id"],
            name=op.f("fk_training_audience_units_training_id_trainings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_training_audience_units_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("training_id", "unit_id", name=op.f("pk_training_audience_units")),
    )
    with op.batch_alter_table("training_audience_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_audience_units_unit_id"), ["unit_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("training_audience_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_audience_units_unit_id"))
    op.drop_table("training_audience_units")
    op.drop_table("training_audience_jobs")
