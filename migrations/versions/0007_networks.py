"""networks: reserved for guest invitations / presence (helper A)

Revision ID: 0007_networks
Revises: 0006_plans
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_networks"
down_revision = "0006_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
