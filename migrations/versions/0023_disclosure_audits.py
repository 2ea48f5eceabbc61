"""metrics: disclosure audits stored for every process, so the first view of a metrics
page after a restart or in another worker does not work the audit out again (#21)

Revision ID: 0023_disclosure_audits
Revises: 0022_training_audience
Create Date: 2026-12-06 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_disclosure_audits"
down_revision = "0022_training_audience"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosure_audits",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_disclosure_audits")),
    )
    with op.batch_alter_table("disclosure_audits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_audits_made_at"), ["made_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("disclosure_audits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_audits_made_at"))
    op.drop_table("disclosure_audits")
