"""engagement: NetworkMember.left_at (leavers stay for past periods' participation)

Revision ID: 0008_engagement
Revises: 0007_networks
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kollega.db

revision = "0008_engagement"
down_revision = "0007_networks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("network_members") as batch:
        batch.add_column(sa.Column("left_at", kollega.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # Rows of people who left would read as current members without left_at.
    op.execute(sa.text("DELETE FROM network_members WHERE left_at IS NOT NULL"))
    with op.batch_alter_table("network_members") as batch:
        batch.drop_column("left_at")
