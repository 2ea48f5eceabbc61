"""engagement: reserved for NetworkMember.left_at and invite notifications (helper C)

Revision ID: 0008_engagement
Revises: 0007_networks
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008_engagement"
down_revision = "0007_networks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
