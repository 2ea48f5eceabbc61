"""competence: when a development conversation's follow-up reminder went out

Revision ID: 0020_conversation_follow_up
Revises: 0019_reflect
Create Date: 2026-12-06 05:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kollega.db import UTCDateTime

revision = "0020_conversation_follow_up"
down_revision = "0019_reflect"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("development_conversations") as batch:
        batch.add_column(sa.Column("follow_up_reminded_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("development_conversations") as batch:
        batch.drop_column("follow_up_reminded_at")
