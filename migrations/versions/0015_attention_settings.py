"""networks: desktop notifications and quiet hours in the notification settings

Revision ID: 0015_attention_settings
Revises: 0014_revoked_sessions
Create Date: 2026-12-06 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_attention_settings"
down_revision = "0014_revoked_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification_settings") as batch:
        batch.add_column(
            sa.Column(
                "desktop_notifications",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(sa.Column("quiet_from", sa.Time(), nullable=True))
        batch.add_column(sa.Column("quiet_to", sa.Time(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification_settings") as batch:
        batch.drop_column("quiet_to")
        batch.drop_column("quiet_from")
        batch.drop_column("desktop_notifications")
