"""cycle: reserved for practised competences (helper D)

Revision ID: 0009_cycle_practice
Revises: 0008_engagement
Create Date: 2026-11-22 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0009_cycle_practice"
down_revision = "0008_engagement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
