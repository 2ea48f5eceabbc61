"""competence: an index on the assessments' credential, for the gap's reads of pairs
whose credential lapses and for deleting a credential's assessments (#21)

Revision ID: 0024_assessment_credential_index
Revises: 0023_disclosure_audits
Create Date: 2026-12-06 17:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0024_assessment_credential_index"
down_revision = "0023_disclosure_audits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("competence_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_competence_assessments_credential_id"), ["credential_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("competence_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competence_assessments_credential_id"))
