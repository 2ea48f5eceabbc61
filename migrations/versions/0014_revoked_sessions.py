"""auth: signed-out browser sessions, refused until they would have run out

Revision ID: 0014_revoked_sessions
Revises: 0013_thread_parts_consent
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kollega.db

revision = "0014_revoked_sessions"
down_revision = "0013_thread_parts_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("revoked_at", kollega.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", kollega.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_revoked_sessions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revoked_sessions")),
    )
    with op.batch_alter_table("revoked_sessions") as batch:
        batch.create_index(batch.f("ix_revoked_sessions_person_id"), ["person_id"], unique=False)
        batch.create_index(batch.f("ix_revoked_sessions_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("revoked_sessions") as batch:
        batch.drop_index(batch.f("ix_revoked_sessions_expires_at"))
        batch.drop_index(batch.f("ix_revoked_sessions_person_id"))
    op.drop_table("revoked_sessions")
